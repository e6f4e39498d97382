"""Synthetic MovieLens releases with a known, planted truth.

``generate(SynthConfig(users=943, movies=1682, ratings=100_000, format="ml-100k"), out)``
writes files that read exactly like the real release (same names, delimiters, encodings
and quirks), at any size up to and beyond ML-25M, in bounded memory. The data behave like
MovieLens: Zipf-like movie popularity and user activity, plausible titles and years, and
ratings driven by three signals a recommender should find (genre taste, latent taste beyond
genre, and demographics), recorded in ``synthetic.json`` so tests can check they are found.

Modules: ``_taste`` (how ratings arise), ``_catalogue`` (movies), ``_population`` (people),
``_sampling`` (who rates what), ``_tags``, ``_writers`` (file layouts), ``_truth``
(``synthetic.json``), ``_generate`` (configuration and the block loop), ``_words``.
"""

from __future__ import annotations

import importlib
from typing import Any

#: What the package offers, and the module that defines it (imported on first use, so
#: that the command line's start does not pay for numpy and the generator).
_EXPORTS = {"GENERATOR_VERSION": "_generate", "SynthConfig": "_generate", "SynthSummary": "_generate",
            "generate": "_generate", "FORMATS": "_names", "TRUTH_FILE": "_names"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
