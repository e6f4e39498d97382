"""*Rising*: how much of each movie's liking is recent — at the time of the person asking.
The one signal that knows the ratings have a time.

Every other component reads the training ratings as one timeless heap. But what people
rate leans to what is new at the time: the 1996-97 films are among ml-100k's most rated,
American Beauty (1999) tops ml-1m. So a person's next movies lean to those being liked
*when they rate*: today for someone asking now, 2003 for someone whose ratings stop in
2003 (and whose held-out ratings, in an evaluation, come from then).

The training ratings are cut into :data:`PERIODS` periods of equal numbers of ratings.
For a person whose time is period ``p``, a movie scores
``log((recent likings + 1) / (likings by then + prior))``: the share of its likings up to
``p`` that fall in the ``recent_share`` of all ratings ending with ``p``, shrunk toward
"old" by ``prior`` pseudo-likings so that a movie with two likings, both recent, does
not outrank everything. Popularity cancels: an old blockbuster still liked then scores
like a small film still liked then, and only the balance of then and before counts. A
movie nobody had liked by then — most often one not out yet — ranks below every other.

A person's time is the present when they only name movies (someone asking now), and
otherwise the latest period in which any of the movies they rated was first rated: they
cannot have rated a movie before anyone did, and people rate what is new, so it is a
close lower bound of when they last rated. Like the mainstream penalty this signal only
re-orders each person's best candidates (:class:`~cinerec.models.for_you.Blend`), and
only for people with a history (new people get a NaN row): its weight was chosen on them.

Data whose ratings all carry one timestamp (or too few distinct ones to tell a recent
tenth) have no time to speak of: every movie then gets NaN, which the blend reads as no
opinion.

The signal only says something when new movies keep arriving. ``arrival_`` measures
that: the share of the present's recent likings that went to movies first rated in the
latest :data:`ARRIVAL_WINDOW` of the ratings: none where no movie arrives after the
ratings begin, about one in a hundred on ml-100k, far more on ml-latest-style data
(values in docs/design.md#rising). *For you* weighs rising by it
(:func:`~cinerec.models.for_you.rising_share`).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender, history_rows
from cinerec.models.aggregates import PERIODS, movie_counts

#: Movies first rated within this latest share of all ratings count as newly arrived.
ARRIVAL_WINDOW = 0.2


class Rising(Recommender):
    """The recent share of each movie's likings at each person's time (see the module
    docstring).

    Parameters
    ----------
    recent_share:
        Which ratings are recent: the latest this share of all training ratings up to a
        person's time (a tenth: three weeks of ml-100k, a couple of years of ML-25M),
        rounded to whole :data:`PERIODS`.
    prior:
        Pseudo-likings, all old, added to each movie's likings.

    Learned attributes: ``scores_`` (float32 ``(PERIODS, n_movies)``: row ``p`` scores
    every movie for a person whose time is period ``p``, the last row is the present; all
    NaN when the data have no recent tenth), ``first_period_`` (int16 per movie: the
    period of its first rating, :data:`PERIODS` if unrated), ``arrival_`` (float: the
    share of recent likings on newly arrived movies, see the module docstring),
    ``movie_ids_`` (int32).
    """

    def __init__(self, recent_share: float = 0.1, prior: float = 10.0) -> None:
        self.recent_share = recent_share
        self.prior = prior

    def fit(self, dataset: Dataset) -> Self:
        if not 0.0 < float(self.recent_share) < 0.5:
            raise ModelError(f"Rising: recent_share must be between 0 and 0.5, got {self.recent_share}")
        if float(self.prior) <= 0.0:
            raise ModelError(f"Rising: prior must be positive, got {self.prior}")
        counts = movie_counts(dataset)
        window = _in_periods(float(self.recent_share))
        recent_ratings = int(counts.ratings_per_period[PERIODS - window:].sum())
        has_present = 0 < recent_ratings <= 2 * float(self.recent_share) * int(counts.ratings_per_period.sum())
        self.scores_ = _scores(counts.likings_per_period, window, float(self.prior)) if has_present else \
            np.full((PERIODS, dataset.n_movies), np.nan, np.float32)
        self.first_period_ = counts.first_period.astype(np.int16)
        recent_likings = counts.likings_per_period[PERIODS - window:].sum(axis=0)
        self.arrival_ = _arrival(self.first_period_, recent_likings) if has_present else 0.0
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: each person's row at their time (see the module
        docstring), NaN for people who neither rated nor named a movie."""
        self.check_fitted()
        return history_rows(np.asarray(self.scores_)[self.periods(queries)], queries)

    def periods(self, queries: QueryBatch) -> np.ndarray:
        """Each person's time, as a period: the present for people who only name movies,
        else the latest first period among the movies they rated."""
        present = PERIODS - 1
        seen = queries.seen
        first = np.minimum(np.asarray(self.first_period_)[seen.indices], present).astype(np.int64)
        latest = np.zeros(queries.n_queries, np.int64)
        np.maximum.at(latest, np.repeat(np.arange(queries.n_queries), np.diff(seen.indptr)), first)
        return np.where(np.diff(queries.ratings.indptr) > 0, latest, present)


def _scores(likings: np.ndarray, window: int, prior: float) -> np.ndarray:
    """``(PERIODS, n_movies)`` float32 from per-period likings: row ``p`` is
    ``log((likings in the window ending at p + 1) / (likings up to p + prior))``, and a
    movie nobody had liked by ``p`` gets one less than the row's lowest score (a factor
    of e below the least rising movie liked by then)."""
    cumulative = np.vstack([np.zeros((1, likings.shape[1]), np.int64), np.cumsum(likings, axis=0)])
    by_then = cumulative[1:]
    recent = by_then - cumulative[np.maximum(np.arange(1, PERIODS + 1) - window, 0)]
    scores = np.log((recent + 1.0) / (by_then + prior)).astype(np.float32)
    unliked = by_then == 0
    lowest = np.where(unliked, np.inf, scores).min(axis=1, keepdims=True)
    return np.where(unliked, np.where(np.isfinite(lowest), lowest - 1.0, np.nan), scores).astype(np.float32)


def _in_periods(share: float) -> int:
    """How many of the latest :data:`PERIODS` hold ``share`` of the ratings (at least one)."""
    return max(1, round(share * PERIODS))


def _arrival(first_period: np.ndarray, recent_likings: np.ndarray) -> float:
    """The share of the recent likings (``recent_likings``: per movie) that went to movies
    first rated within the latest :data:`ARRIVAL_WINDOW` of the ratings (``first_period``:
    each movie's first period)."""
    arrived = first_period >= PERIODS - _in_periods(ARRIVAL_WINDOW)
    total = int(recent_likings.sum())
    return float(recent_likings[arrived].sum() / total) if total else 0.0
