"""*Fans*: what the people who like what you like went on to watch.

A newcomer who names one movie they like is best served by the question a friend
would ask: *of the people who liked that too, how many also liked this one?* That share
does not fight popularity — most fans of Die Hard liked Raiders of the Lost Ark, and a
newcomer who names Die Hard very likely will too — which is exactly what a list for
someone we barely know should lean on. Neighbour lists (*also liked*) and EASE, which
measure how *unusually* often movies go together, are the better guides once a person's
history says what they have already seen; for a few named movies they rank below plain
popularity.

The model is user-based nearest neighbours on who liked what (Herlocker et al., SIGIR
1999; the "people who liked X also liked" of Linden et al., 2003, computed from people
rather than movie pairs):

* every training person ``u`` who liked any of the named movies ``L`` is a fellow fan,
  weighted ``w_u = (Σ_{l ∈ L, u liked l} fans(l) ** -rarity_power) ** overlap_power``:
  sharing a rarely liked movie says more than sharing a blockbuster (an inverse user
  frequency, Breese et al., UAI 1998), and the power lets the few who share several of
  the named movies outweigh the many who share one, as when a person names Alien and
  Toy Story and the fans of both are the ones to ask;
* a movie's score is the log of the weighted share of fellow fans who liked it, shrunk
  toward everyone's share: ``log((Σ w_u x_ui + m·p_i) / (Σ w_u + m))``, with ``x`` the
  likes (:mod:`cinerec.models.likes`; ``feedback="seen"`` counts every rating instead),
  ``p_i`` the share of everyone who liked the movie and ``m`` = ``shrinkage`` pseudo-fans
  of the highest weight. The fans of an obscure movie are few, and their shares are
  pulled toward what everyone likes; a blockbuster's thousands of fans speak for
  themselves. NaN where neither a fan nor anyone else liked the movie.

Only the ``max_fans`` heaviest fans are asked, so that naming a blockbuster (tens of
thousands of fans at MovieLens 25M scale) costs a few milliseconds; fans of equal weight are drawn in a fixed
pseudo-random order, so the same question always gets the same answer. The person's own
row never matters to the ranking: it would add to the movies they already named or rated,
which are never recommended, and scale every other share alike.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender
from cinerec.models.ease import FEEDBACK, seen_matrix
from cinerec.models.likes import likes_matrix
from cinerec.models.neighbors import row_entries

#: Multiplier of the fixed pseudo-random order in which fans of equal weight are taken
#: (Knuth's multiplicative hash: consecutive people land far apart).
_ORDER_MULTIPLIER = np.uint64(2654435761)


class Fans(Recommender):
    """The weighted share of a person's fellow fans who liked each movie (see the module
    docstring).

    Parameters
    ----------
    overlap_power:
        How strongly a fan who shares several of the named movies outweighs one who
        shares one (1 = in proportion).
    rarity_power:
        How much more sharing a rarely liked movie counts: each shared movie weighs its
        number of fans to the power ``-rarity_power``.
    max_fans:
        At most this many of the heaviest fans are asked per person.
    shrinkage:
        Pseudo-fans (of the highest weight) who like movies as everyone does, pulling a
        share measured on a handful of fans toward the movie's overall share.
    feedback:
        ``"likes"`` (what fans liked) or ``"seen"`` (every movie they rated), for who is a
        fan and what they count for.

    Learned attributes: ``people_indptr_`` (int64) and ``people_movies_`` (int32), each
    training person's liked (or rated) movies; ``movie_indptr_`` (int64) and
    ``movie_people_`` (int32), each movie's fans; ``rater_counts_`` (int32 fans per movie);
    ``n_people_``; ``movie_ids_`` (int32).
    """

    def __init__(self, overlap_power: float = 3.0, rarity_power: float = 0.5, max_fans: int = 5_000,
                 shrinkage: float = 10.0, feedback: str = "likes"):
        self.overlap_power = overlap_power
        self.rarity_power = rarity_power
        self.max_fans = max_fans
        self.shrinkage = shrinkage
        self.feedback = feedback

    def fit(self, dataset: Dataset) -> Self:
        self.forget_derived()
        self._check_params()
        seen = seen_matrix(dataset) if self.feedback == "seen" else likes_matrix(dataset)
        raters = seen.T.tocsr()
        self.people_indptr_ = seen.indptr.astype(np.int64)
        self.people_movies_ = seen.indices.astype(np.int32)
        self.movie_indptr_ = raters.indptr.astype(np.int64)
        self.movie_people_ = raters.indices.astype(np.int32)
        self.rater_counts_ = np.diff(raters.indptr).astype(np.int32)
        self.n_people_ = int(seen.shape[0])
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def _check_params(self) -> None:
        if float(self.overlap_power) <= 0.0:
            raise ModelError(f"Fans: overlap_power must be positive, got {self.overlap_power}")
        if float(self.rarity_power) < 0.0:
            raise ModelError(f"Fans: rarity_power must not be negative, got {self.rarity_power}")
        if int(self.max_fans) < 1:
            raise ModelError(f"Fans: max_fans must be at least 1, got {self.max_fans}")
        if float(self.shrinkage) < 0.0:
            raise ModelError(f"Fans: shrinkage must not be negative, got {self.shrinkage}")
        if self.feedback not in FEEDBACK:
            raise ModelError(f"Fans: feedback must be one of {', '.join(FEEDBACK)}, got {self.feedback!r}")

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32 log shares; NaN rows for people who named or liked no
        movie, NaN where nobody liked the movie."""
        self.check_fitted()
        scores = np.full((queries.n_queries, self.movie_ids_.size), np.nan, dtype=np.float32)
        likes = sp.csr_matrix(queries.likes)
        for row in range(queries.n_queries):
            liked = likes.indices[likes.indptr[row]:likes.indptr[row + 1]][
                likes.data[likes.indptr[row]:likes.indptr[row + 1]] > 0]
            if liked.size:
                scores[row] = self._log_shares(liked)
        return scores

    def explain(self, likes: sp.csr_matrix, movies: np.ndarray) -> np.ndarray:
        """For one person (a ``(1, n_movies)`` likes row) and recommended ``movies``, the
        liked movie whose asked fans liked each most often, as a share of those fans
        (``-1`` where none of them did)."""
        liked = likes.indices[likes.data > 0]
        movies = np.asarray(movies)
        if liked.size == 0 or movies.size == 0:
            return np.full(movies.size, -1, dtype=np.int32)
        people, weights = self.fans(liked)
        order = np.argsort(people)
        people, weights = people[order], weights[order]
        position = np.full(self.movie_ids_.size, -1, dtype=np.int64)
        position[movies] = np.arange(movies.size)
        fan, entries = row_entries(np.asarray(self.people_indptr_), people)
        rated = position[np.asarray(self.people_movies_)[entries]]
        fan, rated = fan[rated >= 0], rated[rated >= 0]
        shares = np.zeros((liked.size, movies.size))
        for i, movie in enumerate(liked):
            raters = np.asarray(self.movie_people_)[self.movie_indptr_[movie]:self.movie_indptr_[movie + 1]]
            is_fan = np.isin(people, raters, assume_unique=True)
            total = weights[is_fan].sum()
            if total > 0:
                shares[i] = np.bincount(rated, weights=(weights * is_fan)[fan], minlength=movies.size) / total
        best = shares.argmax(axis=0)
        return np.where(shares.max(axis=0) > 0, liked[best], -1).astype(np.int32)

    def fans(self, liked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fellow fans of the movies ``liked`` (column indices) who are asked, in no
        particular order, and their weights relative to the heaviest's 1:
        ``(people int64, weights float64)``."""
        sharing = self._sharing(np.asarray(liked, dtype=np.int64))
        people = np.flatnonzero(sharing)
        weights = sharing[people] ** float(self.overlap_power)
        if people.size > int(self.max_fans):
            order = (people.astype(np.uint64) * _ORDER_MULTIPLIER) % np.uint64(2**32)
            # Equal weights are ordered by the hash alone: the nudge is below any real difference.
            nudged = weights * (1.0 + 1e-9 * order / 2.0**32)
            kept = np.argpartition(-nudged, int(self.max_fans) - 1)[: int(self.max_fans)]
            people, weights = people[kept], weights[kept]
        return people, weights / weights.max() if weights.size else weights

    def _sharing(self, liked: np.ndarray) -> np.ndarray:
        """Per training person, the summed rarity weights of the liked movies they rated
        (relative: the rarest liked movie weighs 1, so that powers do not underflow)."""
        rarity = np.power(np.maximum(np.asarray(self.rater_counts_)[liked], 1).astype(np.float64),
                          -float(self.rarity_power))
        source, entries = row_entries(np.asarray(self.movie_indptr_), liked)
        people = np.asarray(self.movie_people_)[entries]
        return np.bincount(people, weights=(rarity / rarity.max())[source], minlength=int(self.n_people_))

    def _log_shares(self, liked: np.ndarray) -> np.ndarray:
        people, weights = self.fans(liked)
        if people.size == 0:
            return np.full(self.movie_ids_.size, np.nan, dtype=np.float32)
        source, entries = row_entries(np.asarray(self.people_indptr_), people)
        movies = np.asarray(self.people_movies_)[entries]
        rated = np.bincount(movies, weights=weights[source], minlength=self.movie_ids_.size)
        prior = float(self.shrinkage) * np.asarray(self.rater_counts_, dtype=np.float64) / max(int(self.n_people_), 1)
        share = (rated + prior) / (weights.sum() + float(self.shrinkage))
        with np.errstate(divide="ignore"):
            return np.where(share > 0, np.log(share), np.nan).astype(np.float32)

