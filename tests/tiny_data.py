"""Tiny datasets with known answers, built in memory by the tests that need them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset


def dataset_from_stars(stars: np.ndarray, users: pd.DataFrame | None = None) -> Dataset:
    """A dataset whose users × movies star ratings are ``stars`` (0 = not rated); user
    ``i`` and movie ``j`` get ids ``i + 1`` and ``j + 1``. ``users`` replaces the plain
    users table (e.g. to add demographics)."""
    rows, movies = np.nonzero(stars)
    ratings = pd.DataFrame({"user_id": rows + 1, "movie_id": movies + 1, "rating": stars[rows, movies],
                            "timestamp": np.zeros(rows.size, np.int64)})
    catalogue = pd.DataFrame({"movie_id": np.arange(1, stars.shape[1] + 1),
                              "title": [f"Movie {i}" for i in range(stars.shape[1])]})
    people = pd.DataFrame({"user_id": np.arange(1, stars.shape[0] + 1)}) if users is None else users
    return Dataset.from_frames(catalogue, people, ratings)
