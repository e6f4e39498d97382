"""*Also liked*: the movies that the fans of a movie liked more than everyone else did.

Raw co-like counts — for a movie, how many of its fans liked each other movie, as the
seed baseline does (:mod:`cinerec.models.seed`) — rank every movie's list by the same
blockbusters, because a movie
liked by everyone is liked by every movie's fans. What a person means by "people who
liked this also liked" is *unusually often*: the co-like count measured against how
popular both movies are.

The similarity is Aiolli's (2013) *asymmetric cosine* with shrinkage::

    sim(i → j) = co(i, j) / (likes(i) ** alpha * likes(j) ** (1 - alpha) + shrinkage)

``co(i, j)`` is the number of people who liked both movies and ``likes(i)`` the number
who liked ``i`` (see :mod:`cinerec.models.likes`). ``alpha = 1`` is the conditional
probability P(j | i), the seed's blockbuster ranking; ``alpha = 0.5`` is the cosine;
smaller ``alpha`` penalises popular neighbours harder. ``shrinkage`` pulls
similarities built from a handful of co-likers towards zero, and pairs with fewer
than ``min_support`` co-likers are dropped outright (two fans in common is
coincidence, not taste).

Fitting runs the shared blockwise kernel :func:`~cinerec.models.neighbor_search.top_k_neighbors`
on the movie × user likes matrix, which counts each movie's co-likes in one accumulator,
scales them with the per-movie like counts and keeps the ``k`` best; memory stays at
the lists themselves. Scoring, ``similar`` and
``explain`` are :class:`NeighborScorer`'s: a person's score for a movie is the sum of
its similarities from the movies they liked.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.aggregates import movie_counts
from cinerec.models.likes import likes_matrix
from cinerec.models.neighbor_search import Scaling, top_k_neighbors
from cinerec.models.neighbors import NeighborScorer


class AlsoLiked(NeighborScorer):
    """Item-to-item neighbours from who liked what (asymmetric cosine with shrinkage).

    Parameters
    ----------
    k:
        Neighbours kept per movie.
    alpha:
        Asymmetry in ``[0, 1]``: the weight of the source movie's popularity in the
        denominator (0.5 = cosine, 1 = conditional probability).
    shrinkage:
        Added to the denominator; damps similarities supported by few co-likers.
    min_support:
        Fewest people who must have liked both movies for them to be neighbours.

    Learned attributes: ``neighbors_`` (int32 ``(n_movies, k)``, ``-1`` padded),
    ``similarities_`` (float32), ``movie_ids_`` (int32), ``like_counts_`` (int32
    likings per movie in the training data).
    """

    def __init__(self, k: int = 100, alpha: float = 0.5, shrinkage: float = 20.0, min_support: int = 2,
                 locality: float = 5.0):
        self.k = k
        self.alpha = alpha
        self.shrinkage = shrinkage
        self.min_support = min_support
        self.locality = locality

    def fit(self, dataset: Dataset) -> Self:
        self.forget_derived()
        self._check_params()
        likes = likes_matrix(dataset)
        like_counts = movie_counts(dataset).likings.astype(np.int32)
        self.neighbors_, self.similarities_ = top_k_neighbors(
            likes.T.tocsr(), self.k, scaling=asymmetric_cosine(like_counts, self.alpha, self.shrinkage),
            min_product=self.min_support, description="finding what fans also liked")
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        self.like_counts_ = like_counts
        return self

    def _check_params(self) -> None:
        name = type(self).__name__
        if int(self.k) < 1:
            raise ModelError(f"{name}: k must be at least 1, got {self.k}")
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise ModelError(f"{name}: alpha must be within [0, 1], got {self.alpha}")
        if float(self.shrinkage) < 0.0:
            raise ModelError(f"{name}: shrinkage must not be negative, got {self.shrinkage}")
        if int(self.min_support) < 1:
            raise ModelError(f"{name}: min_support must be at least 1, got {self.min_support}")
        if float(self.locality) <= 0.0:
            raise ModelError(f"{name}: locality must be positive, got {self.locality}")

    def _scoring_weights(self, similarities: np.ndarray) -> np.ndarray:
        """The *votes* a liked movie casts for its neighbours: similarities raised to
        ``locality`` and normalised to sum to 1 per liked movie.

        Scoring and explaining use these instead of the raw similarities. The power
        lets a movie's closest neighbours outweigh its long tail (Aiolli's locality),
        and the normalisation gives every liked movie one vote, so a person's score is
        not dominated by the liked movie that happens to have the most co-likers.
        Both keep each list's order, so :meth:`similar` is unchanged. Votes rank
        clearly better than raw sums (docs/design.md#also-liked).
        """
        votes = np.power(similarities, np.float32(self.locality))
        totals = votes.sum(axis=1, keepdims=True, dtype=np.float64)
        return (votes / np.where(totals > 0, totals, 1.0)).astype(np.float32)


def asymmetric_cosine(like_counts: np.ndarray, alpha: float, shrinkage: float) -> Scaling:
    """The :class:`~cinerec.models.neighbor_search.Scaling` for :func:`top_k_neighbors` that
    turns co-like counts into asymmetric cosine similarities (see the module docstring)."""
    counts = like_counts.astype(np.float32)
    # No shrinkage still needs a positive denominator for movies nobody liked (their
    # co-like counts are all 0): the smallest float adds nothing to any other.
    smoothing = np.float32(shrinkage) if shrinkage else np.float32(np.finfo(np.float32).tiny)
    return Scaling(np.power(counts, np.float32(alpha)), np.power(counts, np.float32(1.0 - alpha)), smoothing)
