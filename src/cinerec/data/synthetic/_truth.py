"""``synthetic.json``: the configuration and the hidden truth behind the files.

Tests and evaluations use it to check that models recover what was planted: each user's
taste segment and demographics (also those the files do not show), each segment's genre
preferences, which demographic groups lean to which genres, each movie's latent topic and
series (sequels and their originals), and the tag words tied to genres and topics. It holds no timings, so equal seeds give equal files.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from cinerec.data.synthetic import _taste as taste_model
from cinerec.data.synthetic import _words as words
from cinerec.data.synthetic._catalogue import Catalogue
from cinerec.data.synthetic._population import Population
from cinerec.data.synthetic._taste import SEGMENTS, TasteModel
from cinerec.data.vocabulary import AGE_BANDS, GENDERS, OCCUPATIONS

TRUTH_VERSION = 2
#: A segment "favours" the genres it prefers at least this much.
FAVOURED_PREFERENCE = 0.5


def write_truth(path: Path, config: Any, generator_version: int, counts: dict[str, int], taste: TasteModel,
                catalogue: Catalogue, population: Population) -> None:
    genres = taste.genres
    truth = {
        "generator": "cinerec.data.synthetic",
        "truth_version": TRUTH_VERSION,
        "generator_version": generator_version,
        "config": asdict(config),
        "counts": counts,
        "genres": list(genres),
        "segments": [_segment(i, taste, population) for i in range(len(SEGMENTS))],
        "demographic_genre_shifts": {
            "age_band": _shifts(AGE_BANDS, taste.age_band_shift, genres),
            "gender": _shifts(GENDERS, taste.gender_shift, genres),
            "occupation": _shifts(OCCUPATIONS, taste.occupation_shift, genres),
        },
        "rating_model": {name: getattr(taste_model, name) for name in (
            "MEAN_SCORE", "USER_BIAS_SD", "MOVIE_BIAS_SD", "GENRE_WEIGHT", "LATENT_WEIGHT", "NOISE_SD",
            "SELECT_GENRE", "SELECT_LATENT", "N_FACTORS")},
        "topics": [name for name, _ in words.TOPIC_TAGS],
        "tag_words": {"genre": {g: list(words.GENRE_TAGS[g]) for g in genres},
                      "topic": {name: list(tags) for name, tags in words.TOPIC_TAGS},
                      "personal": list(words.PERSONAL_TAGS)},
        # Per user, in user-id order (ids 1..n): the users file shows demographics only where
        # ``described`` is true, but every synthetic person has them.
        "users": {
            "user_id": list(range(1, len(population) + 1)),
            "segment": population.segment.tolist(),
            "gender": np.asarray(GENDERS)[population.gender].tolist(),
            "age_band": np.asarray(AGE_BANDS)[population.age_band].tolist(),
            "occupation": np.asarray(OCCUPATIONS)[population.occupation].tolist(),
            "described": population.described.tolist(),
            "n_ratings": population.n_ratings.tolist(),
        },
        "movies": {
            "movie_id": catalogue.movie_ids.tolist(),
            "topic": catalogue.topic.tolist(),
            "popularity": np.round(catalogue.popularity, 9).tolist(),
            # The movie id of the original of each movie's series (null: no series).
            "series": [int(catalogue.movie_ids[row]) if row >= 0 else None for row in catalogue.series.tolist()],
        },
    }
    path.write_text(json.dumps(truth, separators=(",", ":"), ensure_ascii=False))


def _segment(index: int, taste: TasteModel, population: Population) -> dict[str, Any]:
    preferences = taste.segment_preferences[index]
    order = np.argsort(-preferences, kind="stable")
    return {
        "name": SEGMENTS[index].name,
        "share": round(float(np.mean(population.segment == index)), 6),
        "favoured_genres": [taste.genres[g] for g in order if preferences[g] >= FAVOURED_PREFERENCE],
        "genre_preferences": {g: round(float(v), 4) for g, v in zip(taste.genres, preferences, strict=True)},
    }


def _shifts(groups: tuple[str, ...], matrix: np.ndarray, genres: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Non-zero shifts only: ``{group: {genre: shift}}``."""
    return {group: {g: round(float(v), 4) for g, v in zip(genres, row, strict=True) if v}
            for group, row in zip(groups, matrix, strict=True) if row.any()}
