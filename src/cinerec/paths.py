"""Where cinerec keeps things on a user's machine (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Root of cinerec's per-user cache: ``$CINEREC_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/cinerec``, else ``~/.cache/cinerec``."""
    if explicit := os.environ.get("CINEREC_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cinerec"


def datasets_dir() -> Path:
    """Where fetched MovieLens releases are extracted, one folder per release."""
    return cache_dir() / "datasets"


def parsed_dir() -> Path:
    """Where parsed datasets are kept as Parquet, keyed by their source files."""
    return cache_dir() / "parsed"
