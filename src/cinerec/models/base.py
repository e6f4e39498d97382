"""What every recommender shares: the estimator contract and the query it scores.

The contract is scikit-learn's: hyper-parameters are keyword arguments of
``__init__`` stored unchanged; ``fit(dataset)`` validates, learns attributes ending in
``_`` and returns ``self``; scoring is separate from training (LensKit's split), so a
fitted model answers many queries and never refits inside one.

Every model scores a :class:`QueryBatch` — a block of people, each described by what
they liked, disliked or rated and by their demographics — and returns a dense
``(n_queries, n_movies)`` float32 array in the model's movie order. A model that
cannot score a movie for a person returns ``NaN`` there rather than inventing a
number; the shared ranking code (:func:`top_n`) skips NaN and excluded movies.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.errors import ModelError
from cinerec.models import persistence

DEMOGRAPHIC_COLUMNS = ("gender", "age_band", "occupation", "zip")


@dataclass(frozen=True)
class QueryBatch:
    """A block of people to recommend for, in a model's movie index space.

    ``likes``: ``(q, n_movies)`` CSR of preference weights — 1 for a movie the person
    liked (or rated well), negative for one they disliked, 0 = unknown.
    ``ratings``: ``(q, n_movies)`` CSR of raw star ratings where known (a known user's
    training history), else empty rows; models that need only likes ignore it.
    ``demographics``: ``q`` rows with :data:`DEMOGRAPHIC_COLUMNS` (missing = ``None``).
    ``seen``: ``(q, n_movies)`` CSR whose non-zeros must never be recommended (every
    movie the person named or rated).
    """

    likes: sp.csr_matrix
    ratings: sp.csr_matrix
    demographics: pd.DataFrame
    seen: sp.csr_matrix

    @property
    def n_queries(self) -> int:
        return int(self.likes.shape[0])

    @property
    def n_movies(self) -> int:
        return int(self.likes.shape[1])

    def take(self, rows: np.ndarray) -> QueryBatch:
        """The queries at positions ``rows``, in that order, as a smaller batch (this batch
        itself when ``rows`` are all of them, in order)."""
        rows = np.asarray(rows)
        if rows.size == self.n_queries and np.array_equal(rows, np.arange(self.n_queries)):
            return self
        return QueryBatch(self.likes[rows], self.ratings[rows],
                          self.demographics.iloc[rows].reset_index(drop=True), self.seen[rows])


class NotFittedError(ModelError):
    """A model was asked to score before ``fit``."""


class Recommender:
    """Base class: parameters, fitted check, and pickle-free persistence."""

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments as plain data (a model's configuration)."""
        names = [p.name for p in inspect.signature(type(self).__init__).parameters.values()
                 if p.name != "self" and p.kind is not p.VAR_KEYWORD]
        return {name: getattr(self, name) for name in names}

    def check_fitted(self) -> None:
        if not persistence.has_learned_attributes(self):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(dataset) first")

    def forget_derived(self) -> None:
        """Drop what scoring derived from the learned state and kept (private attributes:
        similarity matrices, per-profile lists). ``fit`` calls it first, so a refitted
        model never answers from an earlier fit's caches."""
        for name in [name for name in vars(self) if name.startswith("_") and not name.startswith("__")]:
            delattr(self, name)

    def fit(self, dataset: Any) -> Self:  # pragma: no cover - interface
        raise NotImplementedError

    def score(self, queries: QueryBatch) -> np.ndarray:  # pragma: no cover - interface
        """Scores ``(n_queries, n_movies)``, higher = better, NaN = cannot score."""
        raise NotImplementedError

    def save(self, directory: Path) -> list[Path]:
        self.check_fitted()
        return persistence.save_estimator(self, Path(directory))

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        return persistence.load_estimator(cls, Path(directory), mmap=mmap)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def misaligned(components: Mapping[str, Recommender], movie_ids: np.ndarray) -> str | None:
    """The first of ``components`` that does not index ``movie_ids`` in their order
    (``None``: all do). Scores of different components are added movie by movie, so they
    must agree; the build and the loading of a model directory both ask."""
    return next((name for name, model in components.items()
                 if not np.array_equal(np.asarray(model.movie_ids_), movie_ids)), None)  # type: ignore[attr-defined]


def require(model: object, name: str, ok: bool, rule: str) -> None:
    """Refuse an impossible setting by name, before any fitting:
    ``ModelError("AlsoLiked: k must be at least 1, got 0")``."""
    if not ok:
        raise ModelError(f"{type(model).__name__}: {name} {rule}, got {getattr(model, name)!r}")


def history_rows(rows: np.ndarray, queries: QueryBatch) -> np.ndarray:
    """``(q, n_movies)`` float32: ``rows`` for every person who rated or named a movie,
    NaN (no opinion) for everyone else — for signals meant only for people with a history.

    ``rows`` is one row for everyone, or a fresh float32 ``(q, n_movies)`` array of each
    person's own row, which is filled in place and returned.
    """
    rows = np.asarray(rows, dtype=np.float32)
    scores = np.tile(rows, (queries.n_queries, 1)) if rows.ndim == 1 else rows
    scores[np.diff(queries.seen.indptr) == 0] = np.nan
    return scores


def top_n(scores: np.ndarray, n: int, exclude: sp.csr_matrix | None = None, *,
          ordered: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Best ``n`` movie indices per row of ``scores`` and their scores, best first.

    Excluded (non-zero in ``exclude``) and non-finite entries are never returned; rows
    with fewer candidates are padded with index ``-1`` and score ``NaN``; equal scores
    rank the lower index first. ``ordered=False`` returns each row's best ``n`` in no
    particular order (and which of several equal scores at the cut is kept is
    unspecified), for callers that only need the set. ``scores`` is modified in place
    only where excluded. Returns ``(indices int32, scores float32)`` of shape ``(n_queries, n)``.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
    n_rows = scores.shape[0]
    if exclude is not None and exclude.nnz:
        exclude = exclude.tocsr()
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = np.nan
    idx = np.full((n_rows, n), -1, np.int32)
    best = np.full((n_rows, n), np.nan, np.float32)
    for r, row in enumerate(scores):
        movies = _best_in_row(row, n, ordered)
        idx[r, :movies.size] = movies
        best[r, :movies.size] = row[movies]
    return idx, best


#: About this many entries of a row are sampled to bound its ``n``-th best score.
_THRESHOLD_SAMPLE = 1024


def _best_in_row(row: np.ndarray, n: int, ordered: bool = True) -> np.ndarray:
    """Indices of the row's ``n`` best finite scores, best first, ties by index.

    A full partial sort of 62,000 scores costs more than everything else in an answer,
    so the ``n``-th best of an evenly spaced sample bounds the row's ``n``-th best from
    below (the sample's ``n`` best are all in the row) and only the few entries at or
    above it are sorted. Rows with too few finite entries in the sample (neighbour
    scores are mostly NaN) sort their finite entries, which are few.
    """
    if n <= 0:
        return np.zeros(0, np.int64)
    sample = row[:: max(1, row.size // _THRESHOLD_SAMPLE)]
    sample = sample[np.isfinite(sample)]
    if sample.size >= n:
        threshold = np.partition(sample, sample.size - n)[sample.size - n]
        candidates = np.flatnonzero(row >= threshold)
        candidates = candidates[np.isfinite(row[candidates])]
    else:
        candidates = np.flatnonzero(np.isfinite(row))
    values = row[candidates]
    if not ordered:
        return candidates if candidates.size <= n else candidates[np.argpartition(-values, n - 1)[:n]]
    if candidates.size > 64 * n:  # unusual spread: cut to the n best before the stable sort
        kept = np.sort(np.argpartition(-values, n - 1)[:n])
        candidates, values = candidates[kept], values[kept]
    return candidates[np.argsort(-values, kind="stable")[:n]]
