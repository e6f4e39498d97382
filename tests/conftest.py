"""Shared fixtures: the real ml-100k when present, an isolated cache, seeded RNGs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ML100K = REPO_ROOT.parent / "shared" / "datasets" / "ml-100k"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cinerec cache, so nothing touches the user's ~/.cache."""
    cache = tmp_path_factory.mktemp("cinerec-cache")
    monkeypatch.setenv("CINEREC_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261129)


@pytest.fixture(scope="session")
def ml100k_path() -> Path:
    """The real MovieLens 100K folder; tests using it skip cleanly when it is absent."""
    if not (ML100K / "u.data").exists():
        pytest.skip(f"real MovieLens 100K not found at {ML100K}")
    return ML100K


@pytest.fixture(scope="session")
def ml100k_model(ml100k_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory built once per test session from the real ml-100k (with its report)."""
    from cinerec.build import BuildOptions, build_from_dataset
    from cinerec.data.readers import load_dataset

    out = tmp_path_factory.mktemp("models") / "ml-100k"
    build_from_dataset(load_dataset(ml100k_path, use_cache=False), out, BuildOptions(report=True))
    return out
