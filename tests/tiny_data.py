"""Tiny datasets with known answers, built in memory by the tests that need them, and a
small synthetic model directory for the tests that open one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


def synthetic_model(tmp_path_factory: pytest.TempPathFactory, seed: int) -> Path:
    """A model directory that ``cinerec build`` wrote from a small synthetic ml-1m release
    (150 people, 200 movies, 6,000 ratings; ``seed`` picks which)."""
    from cinerec.cli.main import main
    from cinerec.data.synthetic import SynthConfig, generate

    release = tmp_path_factory.mktemp("release") / "ml-1m"
    generate(SynthConfig(users=150, movies=200, ratings=6_000, format="ml-1m", seed=seed), release)
    target = tmp_path_factory.mktemp("models") / "model"
    assert main(["build", str(release), "--out", str(target), "--no-report"]) == 0
    return target
