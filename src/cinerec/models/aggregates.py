"""Counts over every rating that several components share, computed once per dataset
by whoever holds the ratings.

Most popular ranks by likings per movie, *also liked* scales by them, *rising* reads them
per period of time, *people like you* per demographic group, the catalogue lists each
movie's ratings, and whether a rating is a liking at all depends on its rater's mean
(:mod:`cinerec.models.likes`). These are sums over all ratings, so on a cluster they are
aggregations where the ratings lie (:mod:`cinerec.spark.aggregates`); here they are
numpy reductions over the dataset's arrays. Both give the same integers (and means
computed exactly, from ratings on a half-star scale), so a model is the same whichever
computed them.

A source is chosen for a block of code with :func:`aggregates_computed_by`, as
:func:`~cinerec.models.neighbor_search.blocks_run_by` chooses where neighbour blocks run;
results are kept per dataset, so each count is taken once however many components ask.

Time is cut into :data:`PERIODS` periods of equal numbers of ratings. Their bounds are
order statistics of the timestamps — the timestamp at rank ``⌈(n − 1)·k / PERIODS⌉``
of the ``n`` sorted timestamps, in integer arithmetic, which splits whole timestamps as
interpolated quantiles would — so any engine finds the same bounds exactly; a rating
falls in the period of the bounds at or below its timestamp.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import scipy.sparse as sp

from cinerec.data.dataset import Dataset

T = TypeVar("T")

#: The ratings are cut into this many periods of equal numbers of ratings (see the module docstring).
PERIODS = 20


@dataclass(frozen=True)
class MovieCounts:
    """Per-movie counts over every rating of a dataset, by period of time.

    ``ratings`` and ``likings`` (int64 per movie), ``ratings_per_period`` (int64
    ``(PERIODS,)``), ``likings_per_period`` (int64 ``(PERIODS, n_movies)``),
    ``first_period`` (int16 per movie: the period of its first rating, :data:`PERIODS`
    if unrated) and ``period_bounds`` (int64 ``(PERIODS - 1,)`` timestamps).
    """

    ratings: np.ndarray
    likings: np.ndarray
    ratings_per_period: np.ndarray
    likings_per_period: np.ndarray
    first_period: np.ndarray
    period_bounds: np.ndarray


class AggregateSource(Protocol):
    """Where the counts are taken: every method returns what :class:`LocalAggregates` does."""

    def person_means(self, dataset: Dataset) -> np.ndarray:
        """float32 per person (in vocabulary order): their mean rating, 0 without ratings."""
        ...

    def movie_counts(self, dataset: Dataset) -> MovieCounts:
        ...

    def group_likings(self, dataset: Dataset, people: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """int64 ``(n_groups, n_movies)``: how many of ``people`` (indices) in each group
        (``groups``, one per person) liked each movie."""
        ...


class LocalAggregates:
    """The counts as numpy reductions over the dataset's arrays (this process)."""

    def person_means(self, dataset: Dataset) -> np.ndarray:
        return row_means(dataset.rating_matrix())

    def movie_counts(self, dataset: Dataset) -> MovieCounts:
        from cinerec.models.likes import liked_ratings

        movies = dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy())
        times = dataset.ratings["timestamp"].to_numpy(np.int64)
        bounds = period_bounds(times)
        period = np.searchsorted(bounds, times, side="right")
        is_liked = liked_ratings(dataset)
        n_movies = dataset.n_movies
        likings = np.bincount(period[is_liked] * n_movies + movies[is_liked], minlength=PERIODS * n_movies)
        first_period = np.full(n_movies, PERIODS, np.int16)
        np.minimum.at(first_period, movies, period.astype(np.int16))
        return MovieCounts(ratings=np.bincount(movies, minlength=n_movies).astype(np.int64),
                           likings=np.bincount(movies[is_liked], minlength=n_movies).astype(np.int64),
                           ratings_per_period=np.bincount(period, minlength=PERIODS).astype(np.int64),
                           likings_per_period=likings.reshape(PERIODS, n_movies).astype(np.int64),
                           first_period=first_period, period_bounds=bounds)

    def group_likings(self, dataset: Dataset, people: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        from cinerec.models.likes import likes_matrix

        membership = sp.csr_matrix((np.ones(people.size), (groups, np.arange(people.size))),
                                   shape=(n_groups, people.size))
        return np.rint((membership @ likes_matrix(dataset)[people]).toarray()).astype(np.int64)


def row_means(ratings: sp.csr_matrix) -> np.ndarray:
    """float32 per row: the mean of its stored entries (0 for an empty row), summed in
    float64 (exact for ratings on a half-star scale, whatever the order)."""
    counts = np.diff(ratings.indptr)
    rows = np.repeat(np.arange(ratings.shape[0]), counts)
    sums = np.bincount(rows, weights=ratings.data, minlength=ratings.shape[0])
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def period_ranks(n: int) -> np.ndarray:
    """The ranks (0-based, among ``n`` sorted timestamps) of the period bounds."""
    return -(-max(n - 1, 0) * np.arange(1, PERIODS, dtype=np.int64) // PERIODS)


def period_bounds(times: np.ndarray) -> np.ndarray:
    """int64 ``(PERIODS - 1,)``: the timestamps at :func:`period_ranks` (zeros without any)."""
    if not times.size:
        return np.zeros(PERIODS - 1, np.int64)
    ranks = period_ranks(times.size)
    return np.partition(times, ranks)[ranks].astype(np.int64)


_source: ContextVar[AggregateSource | None] = ContextVar("aggregate_source", default=None)
_LOCAL = LocalAggregates()


@contextmanager
def aggregates_computed_by(source: AggregateSource) -> Iterator[None]:
    """Within the block, the counts of datasets not yet counted are taken by ``source``."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def _current() -> AggregateSource:
    return _source.get() or _LOCAL


def person_means(dataset: Dataset, source: AggregateSource | None = None) -> np.ndarray:
    """Each person's mean rating (float32, vocabulary order; read-only, kept per dataset),
    taken by ``source`` when not yet kept (default: the current source)."""
    return kept_per_dataset(dataset, "person_means", lambda: (source or _current()).person_means(dataset))


def movie_counts(dataset: Dataset) -> MovieCounts:
    """The dataset's :class:`MovieCounts` (read-only, kept per dataset)."""
    return kept_per_dataset(dataset, "movie_counts", lambda: _current().movie_counts(dataset))


def group_likings(dataset: Dataset, people: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """int64 ``(n_groups, n_movies)``: how many of ``people`` in each of ``groups`` liked
    each movie (taken afresh: the groups are a model's own)."""
    return _current().group_likings(dataset, np.asarray(people, np.int64), np.asarray(groups, np.int64), n_groups)


def kept_per_dataset(dataset: Dataset, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per dataset and ``key`` (every component of a build asks; at
    25M ratings each takes a second or more)."""
    per_dataset = _COUNTED.setdefault(dataset, {})
    if key not in per_dataset:
        per_dataset[key] = compute()
    return per_dataset[key]


#: Counts already taken, per dataset (dropped with the dataset).
_COUNTED: weakref.WeakKeyDictionary[Dataset, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
