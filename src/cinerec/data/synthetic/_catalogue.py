"""The synthetic movie catalogue: ids, titles, years, genres, popularity and latent traits."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from cinerec.data.synthetic import _words as words
from cinerec.data.synthetic._release import ReleaseStyle
from cinerec.data.synthetic._taste import MOVIE_BIAS_SD, N_FACTORS

#: How often each genre is drawn, roughly as in MovieLens (Drama and Comedy dominate).
GENRE_WEIGHTS: dict[str, float] = {
    "Drama": 0.45, "Comedy": 0.30, "Thriller": 0.15, "Romance": 0.15, "Action": 0.13, "Crime": 0.10,
    "Horror": 0.10, "Documentary": 0.08, "Adventure": 0.08, "Sci-Fi": 0.06, "Mystery": 0.05,
    "Fantasy": 0.05, "War": 0.04, "Children": 0.04, "Animation": 0.04, "Musical": 0.03,
    "Western": 0.02, "Film-Noir": 0.01,
}
GENRES_PER_MOVIE_ODDS = (0.45, 0.35, 0.20)  # one, two, three genres
MAX_GENRES = len(GENRES_PER_MOVIE_ODDS)
#: IMAX is a format, not a story: it is added to recent big-screen movies only.
IMAX_SHARE, IMAX_SINCE = 0.03, 1995
IMAX_HOSTS = ("Action", "Adventure", "Animation", "Documentary", "Sci-Fi")
#: Popularity at rank r (1 = most popular) is proportional to (r + POPULARITY_OFFSET) ** -POPULARITY_EXPONENT
#: (Zipf-Mandelbrot): a long tail, but a head that not every user has seen.
POPULARITY_EXPONENT = 1.5
POPULARITY_OFFSET = 40.0

SEQUEL_SHARE, AKA_SHARE, FOREIGN_SHARE, NO_YEAR_SHARE = 0.04, 0.02, 0.03, 0.003
MOVED_ARTICLE_SHARE = 0.9
#: Sequels follow originals from the last few hundred releases, not from a century ago.
RECENT_ORIGINALS = 500
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Catalogue:
    """``n`` movies; arrays are aligned, row ``i`` is the movie with id ``movie_ids[i]``.

    ``genres`` is ``(n, MAX_GENRES + 1)`` indices into the release's genre list, padded with
    -1 (room for IMAX); ``factors`` is ``(n, N_FACTORS)``; ``topic`` is the pole of the
    strongest latent factor (``2k`` for factor ``k`` positive, ``2k + 1`` negative);
    ``popularity`` sums to 1. ``titles`` are as the release prints them; ``series`` is, for
    a sequel and for an original that has one, the row of the series' original (-1 for
    a movie of no series).
    """

    movie_ids: np.ndarray
    years: np.ndarray
    year_in_title: np.ndarray
    genres: np.ndarray
    popularity: np.ndarray
    bias: np.ndarray
    factors: np.ndarray
    topic: np.ndarray
    titles: tuple[str, ...]
    series: np.ndarray
    #: ml-100k's release dates ("01-Jan-1995").
    release_dates: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.movie_ids.size)


def build_catalogue(n_movies: int, style: ReleaseStyle, rng: np.random.Generator) -> Catalogue:
    years = _years(n_movies, style, rng)
    pick = random.Random(int(rng.integers(2**63)))  # for strings: titles and dates
    factors = rng.normal(0.0, 1.0, (n_movies, N_FACTORS)).astype(np.float32)
    buzz = rng.normal(0.0, 1.0, n_movies)
    bias = (0.5 * MOVIE_BIAS_SD * buzz + 0.85 * MOVIE_BIAS_SD * rng.normal(0.0, 1.0, n_movies)).astype(np.float32)
    year_in_title = rng.random(n_movies) >= (NO_YEAR_SHARE if style.name == "ml-latest" else 0.0)
    titles, series = _titles(years, year_in_title, pick)
    return Catalogue(
        movie_ids=_movie_ids(n_movies, style, rng),
        years=years,
        year_in_title=year_in_title,
        genres=_genres(years, style, rng),
        popularity=_popularity(buzz, rng),
        bias=bias,
        factors=factors,
        topic=_topic(factors),
        titles=titles,
        series=series,
        release_dates=tuple(_release_date(int(year), pick) for year in years.tolist()),
    )


def _topic(factors: np.ndarray) -> np.ndarray:
    """The pole of each movie's strongest latent factor: ``2k`` (factor k high) or ``2k + 1`` (low)."""
    strongest = np.argmax(np.abs(factors), axis=1)
    negative = np.take_along_axis(factors, strongest[:, None], axis=1)[:, 0] < 0
    return (2 * strongest + negative).astype(np.int8)


def _years(n: int, style: ReleaseStyle, rng: np.random.Generator) -> np.ndarray:
    """Release years, exponentially more numerous towards the release's last year."""
    age = np.floor(rng.exponential(style.recency_years, n)).astype(np.int64)
    span = style.last_year - style.first_year + 1
    too_old = age >= span
    age[too_old] = rng.integers(0, span, int(too_old.sum()))
    return (style.last_year - age).astype(np.int16)


def _movie_ids(n: int, style: ReleaseStyle, rng: np.random.Generator) -> np.ndarray:
    """Increasing ids; later ones skip more, like MovieLens ids of movies added over the years."""
    gaps = 1 + rng.poisson(style.id_gap * (np.arange(n) / max(n, 1)) ** 2)
    return np.cumsum(gaps).astype(np.int32)


def _popularity(buzz: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Zipf popularity over a random ranking that favours well-liked (high-buzz) movies."""
    ranking = np.argsort(-(0.6 * buzz + 0.8 * rng.normal(0.0, 1.0, buzz.size)), kind="stable")
    popularity = np.empty(buzz.size)
    popularity[ranking] = (np.arange(1, buzz.size + 1) + POPULARITY_OFFSET) ** -POPULARITY_EXPONENT
    return popularity / popularity.sum()


def _genres(years: np.ndarray, style: ReleaseStyle, rng: np.random.Generator) -> np.ndarray:
    """One to three distinct genres per movie (Gumbel top-k), plus IMAX for some recent ones."""
    n = years.size
    drawable = [g for g in style.genres if g in GENRE_WEIGHTS]
    weights = np.log([GENRE_WEIGHTS[g] for g in drawable])
    keys = weights + rng.gumbel(size=(n, len(drawable)))
    top = np.argsort(-keys, axis=1, kind="stable")[:, :MAX_GENRES]
    index_of = np.array([style.genres.index(g) for g in drawable], dtype=np.int8)
    count = 1 + np.searchsorted(np.cumsum(GENRES_PER_MOVIE_ODDS), rng.random(n), side="right")
    count = np.minimum(count, MAX_GENRES)
    count[rng.random(n) < style.no_genre_share] = 0
    genres = np.full((n, MAX_GENRES + 1), -1, dtype=np.int8)
    chosen = np.where(np.arange(MAX_GENRES) < count[:, None], index_of[top], np.iinfo(np.int8).max)
    chosen.sort(axis=1)  # MovieLens lists a movie's genres in alphabetical order
    genres[:, :MAX_GENRES] = np.where(chosen == np.iinfo(np.int8).max, -1, chosen)
    if "IMAX" in style.genres:
        hosts = np.isin(genres, [style.genres.index(g) for g in IMAX_HOSTS]).any(axis=1)
        imax = hosts & (years >= IMAX_SINCE) & (rng.random(n) < IMAX_SHARE * 4) & (count < MAX_GENRES)
        genres[imax, count[imax]] = style.genres.index("IMAX")
    return genres


# ---------------------------------------------------------------------------- titles
def _titles(years: np.ndarray, year_in_title: np.ndarray,
            pick: random.Random) -> tuple[tuple[str, ...], np.ndarray]:
    """MovieLens-style titles, unique per year, made in release order so that a sequel
    always follows its original: "Silent River, The (1994)", "Dark Harbor 2 (1999)",
    "Seven (a.k.a. Se7en) (1995)"; and each movie's series (see :class:`Catalogue`)."""
    titles: list[str] = [""] * years.size
    series = np.full(years.size, -1, dtype=np.int64)
    taken: set[str] = set()
    originals: list[str] = []  # base titles in release order
    original_rows: dict[str, int] = {}
    sequel_numbers: dict[str, int] = {}
    year, older = None, 0  # originals[:older] were released before ``year``
    for i in np.argsort(years, kind="stable").tolist():
        if years[i] != year:
            year, older = int(years[i]), len(originals)
        while True:
            if older and pick.random() < SEQUEL_SHARE:
                original = originals[pick.randrange(max(0, older - RECENT_ORIGINALS), older)]
                number = sequel_numbers.get(original, 1) + 1
                base = _sequel(original, number, pick)
            else:
                original, number, base = "", 0, _base_title(pick)
            title = _decorate(base, pick)
            printed = f"{title} ({year})" if year_in_title[i] else title
            if printed not in taken:
                break
        taken.add(printed)
        titles[i] = printed
        if number:
            sequel_numbers[original] = number
            series[i] = series[original_rows[original]] = original_rows[original]
        else:
            originals.append(base)
            original_rows.setdefault(base, i)
    return tuple(titles), series


def _base_title(pick: random.Random) -> str:
    adjective = pick.choice(words.TITLE_ADJECTIVES)
    noun, other = pick.choice(words.TITLE_NOUNS), pick.choice(words.TITLE_NOUNS)
    place, name = pick.choice(words.PLACES), pick.choice(words.FIRST_NAMES)
    article = "An" if adjective[0] in "AEIOU" else "A"
    patterns = (
        (0.28, f"{adjective} {noun}"), (0.14, f"The {adjective} {noun}"), (0.08, f"The {noun}"),
        (0.08, f"{noun} of the {other}"), (0.05, f"The {noun} of {place}"), (0.06, f"{name}'s {noun}"),
        (0.06, f"{noun} in {place}"), (0.04, f"A {noun} in {place}"), (0.04, f"{article} {adjective} {noun}"),
        (0.03, f"{noun}, {other} and {pick.choice(words.TITLE_NOUNS)}"), (0.05, f"{adjective} {noun}: The {other}"),
        (0.03, place), (0.03, noun), (0.03, f"{name} and {pick.choice(words.FIRST_NAMES)}"),
    )
    return pick.choices([p for _, p in patterns], weights=[w for w, _ in patterns])[0]


def _sequel(original: str, number: int, pick: random.Random) -> str:
    if number - 2 < len(words.ROMAN_SEQUELS) and pick.random() < 0.3:
        return f"{original} {words.ROMAN_SEQUELS[number - 2]}"
    return f"{original} {number}"


def _decorate(base: str, pick: random.Random) -> str:
    """Move a leading article to the end and sometimes add an alternate title."""
    title = _move_article(base) if ":" not in base and pick.random() < MOVED_ARTICLE_SHARE else base
    roll = pick.random()
    if roll < AKA_SHARE:
        return f"{title} (a.k.a. {_base_title(pick)})"
    if roll < AKA_SHARE + FOREIGN_SHARE:
        return f"{title} ({pick.choice(words.FOREIGN_TITLES)})"
    return title


def _move_article(title: str) -> str:
    first, _, rest = title.partition(" ")
    return f"{rest}, {first}" if first in words.LEADING_ARTICLES and rest else title


def _release_date(year: int, pick: random.Random) -> str:
    """ml-100k's release date: mostly "01-Jan-YYYY" (GroupLens knew only the year), else a day."""
    if pick.random() < 0.65:
        return f"01-Jan-{year}"
    return f"{pick.randint(1, 28):02d}-{pick.choice(MONTHS)}-{year}"
