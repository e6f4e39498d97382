"""Shared fixtures: the real ml-100k when present, an isolated cache, seeded RNGs, and
one Spark session for every Spark test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cinerec.data.fetch import cached_releases

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Where the real MovieLens 100K is looked for: beside the repository, then in the cache
#: that ``cinerec data fetch ml-100k`` (and ``make demo``) fills — read before any test
#: points the cache elsewhere.
ML100K_PLACES = tuple(place for place in (REPO_ROOT.parent / "shared" / "datasets" / "ml-100k",
                                          cached_releases().get("ml-100k")) if place is not None)


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
    for place in ML100K_PLACES:
        if (place / "u.data").exists():  # GroupLens's own files: RecBole's copy differs in small ways
            return place
    pytest.skip("GroupLens's MovieLens 100K not found; `cinerec data fetch ml-100k` gets it where GroupLens "
                "is reachable (the copy `make demo` falls back to, RecBole's, differs in small ways)")


@pytest.fixture(scope="session")
def ml100k_model(ml100k_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory built once per test session from the real ml-100k (with its report)."""
    from cinerec.build import BuildOptions, build_from_dataset
    from cinerec.data.readers import load_dataset

    out = tmp_path_factory.mktemp("models") / "ml-100k"
    build_from_dataset(load_dataset(ml100k_path, use_cache=False), out, BuildOptions(report=True))
    return out


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session in local mode on two cores, shared by every Spark test (cinerec's
    commands use a session already running); skips where pyspark or Java is missing."""
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'cinerec[spark]'")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("no Java runtime for Spark (CI installs default-jre-headless)")
    from cinerec.spark.session import spark_session

    with spark_session("local[2]") as session:
        yield session
