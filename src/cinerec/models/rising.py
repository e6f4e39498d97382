"""*Rising*: how much of each movie's liking is recent — the one signal that knows the
ratings have a present.

Every other component reads the training ratings as one timeless heap. But a person's
next movies are not a random draw from their past: on data that spans years, new movies
keep arriving, and what people rate next leans toward what is being liked *now*. On
synthetic releases in ml-latest's shape (ratings from 1995 to 2019, movies up to 2019,
nobody rating a movie before its year), *For you* without this signal trailed EASE by
1–4% on the temporal protocol's validation splits (each person's last 20% held out),
whatever the other weights.

The score is ``log((recent likings + 1) / (all likings + prior))``: the share of a
movie's likings that fall in the most recent ``recent_share`` of all ratings, shrunk
toward "old" by ``prior`` pseudo-likings so that a movie with two likings, both recent,
does not outrank everything. Popularity cancels: an old blockbuster still liked today
scores like a small film still liked today, and only the balance of then and now
counts. Like the mainstream penalty it only re-orders each person's best candidates
(:class:`~cinerec.models.for_you.Blend`), and like it only for people with a history
(new people get a NaN row): its weight was chosen on people with a history.

Data whose ratings all carry one timestamp (or too few distinct ones to tell a recent
tenth) have no present to speak of: every movie then gets NaN, which the blend reads as
no opinion.

The signal only says something when new movies keep arriving. ``arrival_`` measures
that: the share of recent likings that went to movies first rated in the latest
:data:`ARRIVAL_WINDOW` of the ratings. It is 0.0 on synthetic ml-1m-format data (ratings
from 2000 to 2003, no movie after 2000), 0.01 on ml-100k and 0.08–0.27 on ml-latest-style
data; *For you* weighs rising by it (:func:`~cinerec.models.for_you.rising_share`).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender, history_rows
from cinerec.models.likes import liked

#: Movies first rated within this latest share of all ratings count as newly arrived.
ARRIVAL_WINDOW = 0.2


class Rising(Recommender):
    """The recent share of each movie's likings (see the module docstring).

    Parameters
    ----------
    recent_share:
        Which ratings are recent: the latest this share of all training ratings, by
        timestamp (a tenth: three weeks of ml-100k, a couple of years of ML-25M).
    prior:
        Pseudo-likings, all old, added to each movie's likings.

    Learned attributes: ``scores_`` (float32 per movie; NaN for a movie nobody liked, or
    for every movie when the data have no recent tenth), ``arrival_`` (float: the share
    of recent likings on newly arrived movies, see the module docstring), ``movie_ids_``
    (int32).
    """

    def __init__(self, recent_share: float = 0.1, prior: float = 10.0) -> None:
        self.recent_share = recent_share
        self.prior = prior

    def fit(self, dataset: Dataset) -> Self:
        if not 0.0 < float(self.recent_share) < 0.5:
            raise ModelError(f"Rising: recent_share must be between 0 and 0.5, got {self.recent_share}")
        if float(self.prior) <= 0.0:
            raise ModelError(f"Rising: prior must be positive, got {self.prior}")
        ratings = dataset.ratings
        people = dataset.user_vocab.index(ratings["user_id"].to_numpy())
        movies = dataset.movie_vocab.index(ratings["movie_id"].to_numpy())
        is_liked = liked(ratings["rating"].to_numpy(np.float32), people, dataset.n_users)
        times = ratings["timestamp"].to_numpy(np.int64)
        recent = _latest(times, float(self.recent_share))
        likings = np.bincount(movies[is_liked], minlength=dataset.n_movies)
        recent_likings = np.bincount(movies[is_liked & recent], minlength=dataset.n_movies)
        scores = np.log((recent_likings + 1.0) / (likings + float(self.prior)))
        has_present = 0 < np.count_nonzero(recent) <= 2 * float(self.recent_share) * times.size
        self.scores_ = np.where((likings > 0) & has_present, scores, np.nan).astype(np.float32)
        self.arrival_ = _arrival(times, movies, is_liked & recent, dataset.n_movies) if has_present else 0.0
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: the same row for every person who rated or named a
        movie, NaN for everyone else."""
        self.check_fitted()
        return history_rows(self.scores_, queries)


def _latest(times: np.ndarray, share: float) -> np.ndarray:
    """Which of ``times`` fall in the latest ``share`` of them (ties included)."""
    return times >= np.quantile(times, 1.0 - share) if times.size else np.zeros(0, bool)


def _arrival(times: np.ndarray, movies: np.ndarray, recent_likings: np.ndarray, n_movies: int) -> float:
    """The share of ``recent_likings`` (a mask over the ratings) that went to movies first
    rated within the latest :data:`ARRIVAL_WINDOW` of the ratings."""
    first_rated = np.full(n_movies, np.iinfo(np.int64).max)
    np.minimum.at(first_rated, movies, times)
    arrived = first_rated >= np.quantile(times, 1.0 - ARRIVAL_WINDOW)
    total = int(np.count_nonzero(recent_likings))
    return float(np.count_nonzero(arrived[movies[recent_likings]]) / total) if total else 0.0
