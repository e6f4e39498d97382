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
  weighted ``w_u = (Σ_{l ∈ L, u liked l} fans(l) ** -rarity_power) ** overlap_power /
  likes(u) ** activity_power``: sharing a rarely liked movie says more than sharing a
  blockbuster (an inverse user frequency, Breese et al., UAI 1998); the power lets the
  few who share several of the named movies outweigh the many who share one, as when a
  person names Alien and Toy Story and the fans of both are the ones to ask; and someone
  who liked three thousand movies says less about each than someone who liked thirty (the
  square root is the cosine's normalisation of a person's vector);
* a movie's score is the log of the weighted share of fellow fans who liked it, shrunk
  toward everyone's share: ``log((Σ w_u x_ui + m·p_i) / (Σ w_u + m))``, with ``x`` the
  likes (:mod:`cinerec.models.likes`; ``feedback="seen"`` counts every rating instead),
  ``p_i`` the share of everyone who liked the movie and ``m`` = ``shrinkage`` pseudo-fans
  of the highest weight. The fans of an obscure movie are few, and their shares are
  pulled toward what everyone likes; a blockbuster's thousands of fans speak for
  themselves. NaN where neither a fan nor anyone else liked the movie.

Only the fans who share the most named movies are asked (``max_fans``, and no more than
hold ``max_likes`` likes between them), so that naming a blockbuster (tens of thousands of
fans at MovieLens 25M scale, the keenest of whom liked thousands of movies) costs a
millisecond or two; fans who share equally are taken in a fixed pseudo-random order, so the
same question always gets the same answer. The person's own
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

#: At most this many of the heaviest asked fans say which named movie brought each
#: recommended movie (an explanation needs a share, not every fan).
EXPLAINING_FANS = 250
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
    max_fans, max_likes:
        At most ``max_fans`` fans are asked per person, those who share the most named
        movies first, and no more of them than hold ``max_likes`` likes between them (at
        least one): an answer's work is bounded however prolific the fans of what the
        person named.
    shrinkage:
        Pseudo-fans (of the highest weight) who like movies as everyone does, pulling a
        share measured on a handful of fans toward the movie's overall share.
    feedback:
        ``"likes"`` (what fans liked) or ``"seen"`` (every movie they rated), for who is a
        fan and what they count for.
    activity_power:
        How much less a fan who liked many movies weighs: their weight is divided by their
        number of likes to this power.

    Learned attributes: ``people_indptr_`` (int64) and ``people_movies_`` (int32), each
    training person's liked (or rated) movies; ``movie_indptr_`` (int64) and
    ``movie_people_`` (int32), each movie's fans; ``fan_counts_`` (int32 fans per movie);
    ``n_people_``; ``movie_ids_`` (int32).
    """

    def __init__(self, overlap_power: float = 3.0, rarity_power: float = 0.5, max_fans: int = 500,
                 max_likes: int = 200_000, shrinkage: float = 10.0, feedback: str = "likes",
                 activity_power: float = 0.5):
        self.overlap_power = overlap_power
        self.rarity_power = rarity_power
        self.max_fans = max_fans
        self.max_likes = max_likes
        self.shrinkage = shrinkage
        self.feedback = feedback
        self.activity_power = activity_power

    def fit(self, dataset: Dataset) -> Self:
        self.forget_derived()
        self._check_params()
        liked = seen_matrix(dataset) if self.feedback == "seen" else likes_matrix(dataset)
        fans = liked.T.tocsr()
        self.people_indptr_ = liked.indptr.astype(np.int64)
        self.people_movies_ = liked.indices.astype(np.int32)
        self.movie_indptr_ = fans.indptr.astype(np.int64)
        self.movie_people_ = fans.indices.astype(np.int32)
        self.fan_counts_ = np.diff(fans.indptr).astype(np.int32)
        self.n_people_ = int(liked.shape[0])
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def _check_params(self) -> None:
        if float(self.overlap_power) <= 0.0:
            raise ModelError(f"Fans: overlap_power must be positive, got {self.overlap_power}")
        if float(self.rarity_power) < 0.0:
            raise ModelError(f"Fans: rarity_power must not be negative, got {self.rarity_power}")
        if int(self.max_fans) < 1:
            raise ModelError(f"Fans: max_fans must be at least 1, got {self.max_fans}")
        if int(self.max_likes) < 1:
            raise ModelError(f"Fans: max_likes must be at least 1, got {self.max_likes}")
        if float(self.shrinkage) < 0.0:
            raise ModelError(f"Fans: shrinkage must not be negative, got {self.shrinkage}")
        if float(self.activity_power) < 0.0:
            raise ModelError(f"Fans: activity_power must not be negative, got {self.activity_power}")
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
        from cinerec.models.fans_kernel import columns_among

        liked = likes.indices[likes.data > 0]
        movies = np.asarray(movies)
        if liked.size == 0 or movies.size == 0:
            return np.full(movies.size, -1, dtype=np.int32)
        people, weights = self.fans(liked)
        if people.size > EXPLAINING_FANS:  # the weightiest few hundred say what they came for
            kept = np.argpartition(-weights, EXPLAINING_FANS - 1)[:EXPLAINING_FANS]
            people, weights = people[kept], weights[kept]
        position = np.full(self.movie_ids_.size, -1, dtype=np.int64)
        position[movies] = np.arange(movies.size)
        liked_targets = columns_among(np.asarray(self.people_indptr_), np.asarray(self.people_movies_), people,
                                      position, movies.size)
        # Which asked fan liked which named movie, weighted: (n_liked, n_fans). A movie's
        # fans are stored in order, so each asked fan is looked up by bisection.
        fan_weights = np.zeros((liked.size, people.size))
        for i, movie in enumerate(liked):
            fans_of_movie = np.asarray(self.movie_people_)[self.movie_indptr_[movie]:self.movie_indptr_[movie + 1]]
            at = np.minimum(np.searchsorted(fans_of_movie, people), max(fans_of_movie.size - 1, 0))
            fan_weights[i] = np.where(fans_of_movie[at] == people, weights, 0.0) if fans_of_movie.size else 0.0
        totals = fan_weights.sum(axis=1, keepdims=True)
        shares = (fan_weights @ liked_targets) / np.where(totals > 0, totals, 1.0)
        best = shares.argmax(axis=0)
        return np.where(shares.max(axis=0) > 0, liked[best], -1).astype(np.int32)

    def fans(self, liked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fellow fans of the movies ``liked`` (column indices) who are asked, those
        sharing the most first, and their weights relative to the heaviest's 1:
        ``(people int64, weights float64)``. The last answer is kept: explaining a list
        asks again for the fans that scored it."""
        liked = np.asarray(liked, dtype=np.int64)
        key = liked.tobytes()
        last = self.__dict__.get("_last_fans")
        if last is None or last[0] != key:
            last = self._last_fans = (key, *self._find_fans(liked))
        return last[1], last[2]

    def _find_fans(self, liked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from cinerec.models.fans_kernel import touched_sums

        # Each liked movie's rarity weight, relative to the rarest's 1 (so that powers do not underflow).
        rarity = np.power(np.maximum(np.asarray(self.fan_counts_)[liked], 1).astype(np.float64),
                          -float(self.rarity_power))
        people, shared = touched_sums(np.asarray(self.movie_indptr_), np.asarray(self.movie_people_), liked,
                                      rarity / rarity.max(), int(self.n_people_))
        # Those who share the most are asked first; among equals, a fixed hashed order, so
        # that the asked fans of a blockbuster are a fair sample of its fans.
        order = (people.astype(np.uint64) * _ORDER_MULTIPLIER) % np.uint64(2**32)
        nudged = shared * (1.0 + 1e-9 * order / 2.0**32)  # below any real difference in sharing
        if people.size > int(self.max_fans):
            kept = np.argpartition(-nudged, int(self.max_fans) - 1)[: int(self.max_fans)]
            people, shared, nudged = people[kept], shared[kept], nudged[kept]
        indptr = np.asarray(self.people_indptr_)
        first = np.argsort(-nudged, kind="stable")
        their_likes = (indptr[people + 1] - indptr[people])[first].astype(np.float64)
        asked = first[: max(int(np.searchsorted(np.cumsum(their_likes), int(self.max_likes), side="right")), 1)]
        people, their_likes = people[asked], their_likes[: asked.size]
        weights = shared[asked] ** float(self.overlap_power) / their_likes ** float(self.activity_power)
        return people, weights / weights.max() if weights.size else weights

    def _log_shares(self, liked: np.ndarray) -> np.ndarray:
        from cinerec.models.fans_kernel import weighted_column_sums

        people, weights = self.fans(liked)
        if people.size == 0:
            return np.full(self.movie_ids_.size, np.nan, dtype=np.float32)
        liking = weighted_column_sums(np.asarray(self.people_indptr_), np.asarray(self.people_movies_), people,
                                      weights, self.movie_ids_.size)
        liking += self._prior()
        liking /= weights.sum() + float(self.shrinkage)
        shares = liking.astype(np.float32)
        return np.log(shares, out=np.full_like(shares, np.nan), where=shares > 0)

    def _prior(self) -> np.ndarray:
        """``shrinkage`` pseudo-fans' likings: ``shrinkage`` times everyone's share of each
        movie (kept after the first answer)."""
        prior = self.__dict__.get("_prior_likings")
        if prior is None:
            prior = self._prior_likings = float(self.shrinkage) * np.asarray(self.fan_counts_, dtype=np.float64) \
                / max(int(self.n_people_), 1)
        return prior
