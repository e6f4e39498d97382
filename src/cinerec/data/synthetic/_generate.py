"""Configuration and the block-by-block generation loop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cinerec.atomic import staged_directory
from cinerec.data.synthetic._catalogue import Catalogue, build_catalogue
from cinerec.data.synthetic._population import (
    TAGS_PER_RATING_LIMIT, Population, build_population, rating_bounds,
)
from cinerec.data.synthetic._release import FORMATS, HALF_STARS_SINCE, STYLES, ReleaseStyle, release_times
from cinerec.data.synthetic._sampling import MovieSampler
from cinerec.data.synthetic._tags import TagWords
from cinerec.data.synthetic._taste import GENRE_WEIGHT, LATENT_WEIGHT, MEAN_SCORE, N_FACTORS, NOISE_SD, TasteModel, \
    genre_affinity, to_stars
from cinerec.data.synthetic._names import TRUTH_FILE
from cinerec.data.synthetic._truth import write_truth
from cinerec.data.synthetic._writers import WRITERS
from cinerec.errors import DataError
from cinerec.progress import progress

#: Bumped whenever the same config would give different files, so that caches of
#: generated releases (benchmarks) know theirs are stale. 2: people rate only movies out
#: by the end of their active period, leaning to new ones (1 pushed a rating of a movie
#: not yet out to a random later day, giving many people a 20-year span).
GENERATOR_VERSION = 2
#: Ratings generated per block: bounds memory (1.3 GB at the peak at ML-25M size).
BLOCK_RATINGS = 2_000_000
#: Tags follow the rating they comment on by about this long.
TAG_DELAY_SECONDS = 3 * 86_400


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. ``tags`` defaults to about 4% of ratings for ml-latest and 0 for
    the others (they have no tags file); ``demographics_share`` (share of users whose
    gender, age, occupation and zip the files show) defaults to 1.0 for ml-100k and
    ml-1m, which describe everyone, and 0.0 for ml-latest, which describes no one (a
    share above 0 adds a ``users.csv`` that real ml-latest lacks). Both are resolved on
    construction; invalid values raise :class:`~cinerec.errors.DataError`."""

    users: int
    movies: int
    ratings: int
    format: str = "ml-latest"
    seed: int = 0
    tags: int | None = None
    demographics_share: float | None = None

    def __post_init__(self) -> None:
        if self.format not in STYLES:
            raise DataError(f"unknown format {self.format!r}; choose one of {', '.join(FORMATS)}")
        style = STYLES[self.format]
        if self.tags is None:
            object.__setattr__(self, "tags", round(style.tags_per_rating * self.ratings))
        if self.demographics_share is None:
            object.__setattr__(self, "demographics_share", 1.0 if style.describes_users else 0.0)
        _validate(self, style)

    @property
    def style(self) -> ReleaseStyle:
        return STYLES[self.format]


def _validate(config: SynthConfig, style: ReleaseStyle) -> None:
    """Reject settings the release cannot express, with the reason in the person's terms."""
    for name in ("users", "movies", "ratings"):
        if getattr(config, name) < 1:
            raise DataError(f"{name} must be at least 1, not {getattr(config, name)}")
    if config.seed < 0:
        raise DataError(f"seed must be 0 or more, not {config.seed}")
    if config.ratings > config.users * config.movies:
        raise DataError(f"{config.ratings} ratings do not fit: {config.users} users can rate "
                        f"{config.movies} movies at most {config.users * config.movies} times")
    if config.ratings < config.users:
        raise DataError(f"{config.ratings} ratings are too few: each of the {config.users} users needs one")
    lower, _ = rating_bounds(config.users, config.movies, config.ratings, style)
    if style.strict_minimum and lower < style.min_ratings:
        raise DataError(f"{style.name} gives every user at least {style.min_ratings} ratings: ask for at least "
                        f"{style.min_ratings * config.users} ratings and {style.min_ratings} movies")
    assert config.tags is not None and config.demographics_share is not None
    if config.tags < 0 or config.tags > TAGS_PER_RATING_LIMIT * config.ratings:
        raise DataError(f"tags must be between 0 and {TAGS_PER_RATING_LIMIT * config.ratings}, not {config.tags}")
    if config.tags and style.tags_per_rating == 0:
        raise DataError(f"{style.name} has no tags file; use ml-latest for tags")
    if not 0.0 <= config.demographics_share <= 1.0:
        raise DataError(f"demographics share must be between 0 and 1, not {config.demographics_share}")
    if style.describes_users and config.demographics_share != 1.0:
        raise DataError(f"{style.name} describes every user; its demographics share must be 1.0")


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`generate` wrote: counts, file names and how long it took."""

    format: str
    out_dir: Path
    users: int
    movies: int
    ratings: int
    tags: int
    users_with_demographics: int
    files: tuple[str, ...]
    seconds: float


def generate(config: SynthConfig, out_dir: Path) -> SynthSummary:
    """Write a synthetic release into ``out_dir`` (replaced atomically) plus ``synthetic.json``.

    Ratings are generated and appended in blocks of users, so memory stays bounded at any
    size. The same config always gives byte-identical files.
    """
    started = time.perf_counter()
    style = config.style
    world = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(0,)))
    taste = TasteModel.build(style.genres, world)
    catalogue = build_catalogue(config.movies, style, world)
    population = build_population(config.users, release_times(catalogue.years), config.ratings, int(config.tags or 0),
                                  float(config.demographics_share or 0.0), style, taste, world)
    sampler = MovieSampler(catalogue, taste, population)
    tag_words = TagWords(style.genres)
    blocks = user_blocks(population.n_ratings, BLOCK_RATINGS)
    _check_replaceable(Path(out_dir))
    with staged_directory(Path(out_dir)) as staging:
        with WRITERS[style.name](staging, style) as writer:
            writer.write_catalogue(catalogue, population)
            for index, (first, stop) in enumerate(progress(blocks, "Generating ratings", total=len(blocks))):
                rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(1, index)))
                users, movies, stars, timestamps = rate_block(first, stop, population, catalogue, sampler, style, rng)
                writer.append_ratings(users + 1, catalogue.movie_ids[movies], stars, timestamps)
                if population.n_tags[first:stop].any():
                    tag_users, tag_movies, tags, tag_times = tag_block(
                        first, population.n_tags[first:stop], users, movies, timestamps, catalogue, tag_words, rng)
                    writer.append_tags(tag_users + 1, catalogue.movie_ids[tag_movies], tags, tag_times)
            files = (*writer.files, TRUTH_FILE)
        counts = {"users": config.users, "movies": config.movies, "ratings": int(population.n_ratings.sum()),
                  "tags": int(population.n_tags.sum()), "users_with_demographics": int(population.described.sum())}
        write_truth(staging / TRUTH_FILE, config, GENERATOR_VERSION, counts, taste, catalogue, population)
    return SynthSummary(format=style.name, out_dir=Path(out_dir), **counts, files=files,
                        seconds=time.perf_counter() - started)


def user_blocks(n_ratings: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive user ranges ``[first, stop)`` of about ``budget`` ratings each."""
    block_of_user = (np.cumsum(n_ratings) - n_ratings) // budget
    starts = np.flatnonzero(np.diff(block_of_user, prepend=-1))
    stops = np.append(starts[1:], n_ratings.size)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def rate_block(first: int, stop: int, population: Population, catalogue: Catalogue, sampler: MovieSampler,
               style: ReleaseStyle, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Ratings of users ``first .. stop - 1``: user rows, movie rows, stars and timestamps,
    sorted by user then movie."""
    keys = sampler.rated_movies(first, population.n_ratings[first:stop], rng)
    users = (first + keys // len(catalogue)).astype(np.int32)
    movies = (keys % len(catalogue)).astype(np.int32)
    del keys
    affinity = genre_affinity(population.preferences[users], catalogue.genres[movies])
    latent = np.einsum("ij,ij->i", population.factors[users], catalogue.factors[movies]) / np.sqrt(N_FACTORS)
    scores = (MEAN_SCORE + population.bias[users] + catalogue.bias[movies] + GENRE_WEIGHT * affinity
              + LATENT_WEIGHT * latent + rng.normal(0.0, NOISE_SD, users.size))
    timestamps = _rating_times(users, movies, population, catalogue, rng)
    half_star_odds = None
    if style.half_stars:
        half_star_odds = np.where(timestamps >= HALF_STARS_SINCE, population.half_star_odds[users], 0.0)
    return users, movies, to_stars(scores, half_star_odds, rng), timestamps


def _rating_times(users: np.ndarray, movies: np.ndarray, population: Population, catalogue: Catalogue,
                  rng: np.random.Generator) -> np.ndarray:
    """Each user rates within their active period, a movie only once it is out (the
    sampler picked only movies out before the period ends)."""
    end = population.first_rating[users] + population.rating_span[users]
    begin = np.maximum(population.first_rating[users], release_times(catalogue.years[movies]))
    return begin + (rng.random(users.size) * (end - begin + 1)).astype(np.int64)


def tag_block(first: int, n_tags: np.ndarray, users: np.ndarray, movies: np.ndarray, timestamps: np.ndarray,
              catalogue: Catalogue, tag_words: TagWords, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Tags of the block's users, each on a movie they rated, shortly after rating it;
    sorted by user, movie and time."""
    counts = np.bincount(users - first, minlength=n_tags.size)
    starts = np.cumsum(counts) - counts
    taggers = np.repeat(np.arange(n_tags.size), n_tags)
    rows = starts[taggers] + (rng.random(taggers.size) * counts[taggers]).astype(np.int64)
    tagged = movies[rows]
    tags = tag_words.pick(catalogue.genres[tagged], catalogue.topic[tagged], rng)
    times = timestamps[rows] + rng.exponential(TAG_DELAY_SECONDS, rows.size).astype(np.int64)
    order = np.lexsort((times, tagged, taggers))
    return (first + taggers[order]).astype(np.int32), tagged[order], tags[order], times[order]


def _check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a missing or empty folder or earlier synthetic output."""
    if target.exists() and not target.is_dir():
        raise DataError("exists and is not a folder; choose a folder for the synthetic release", target)
    if target.is_dir() and any(target.iterdir()) and not (target / TRUTH_FILE).exists():
        raise DataError("is not empty and holds no synthetic data; choose a new or empty folder", target)
