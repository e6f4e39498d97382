"""EASE: the strongest collaborative model for catalogues up to some tens of thousands of movies.

Steck's *Embarrassingly Shallow Autoencoder* (WWW 2019) learns one movie × movie
weight matrix ``B`` that reconstructs each person's likes from their other likes,
with a zero diagonal so that no movie may explain itself. Its closed form is::

    P = (XᵀX + λI)⁻¹          B = I − P · diag(1 / diag(P))      (so diag(B) = 0)

where ``X`` is the binary user × movie likes matrix (:mod:`cinerec.models.likes`).
A person's score for a movie is their likes row times ``B``. Unlike neighbour lists,
``B`` weighs every liked movie against every other (a movie that everyone who liked
A also liked adds little), which is why it ranks best on MovieLens.

``B`` is dense: ``n_movies²`` float32 (11 MB at ml-100k's 1,682 movies, 2.5 GB at
25,000). Above ``max_movies`` fitting refuses with a :class:`ModelError` naming the
model to use instead (:class:`~cinerec.models.also_liked.AlsoLiked`, whose memory
grows with ``n_movies × k``); prune the catalogue to movies with enough ratings first
if EASE is wanted on a larger release.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender
from cinerec.models.likes import likes_matrix


class EASE(Recommender):
    """Steck's EASE on the likes matrix.

    Parameters
    ----------
    l2:
        The ridge penalty λ added to the Gram matrix's diagonal. 250 is best on ml-100k
        (random 80/20, test ratings >= 4 relevant, NDCG@10: λ=100 0.367, λ=250 0.378,
        λ=500 0.373); larger catalogues with more people want larger values (Steck used
        500 on ML-20M).
    max_movies:
        Largest catalogue fitted; the dense Gram matrix and its inverse need about
        ``16 · n_movies²`` bytes while fitting.

    Learned attributes: ``weights_`` (float32 ``(n_movies, n_movies)``, zero diagonal),
    ``movie_ids_`` (int32), ``like_counts_`` (int32 likings per movie; a movie nobody
    liked cannot be scored).
    """

    def __init__(self, l2: float = 250.0, max_movies: int = 25_000):
        self.l2 = l2
        self.max_movies = max_movies

    def fit(self, dataset: Dataset) -> Self:
        if float(self.l2) <= 0.0:
            raise ModelError(f"EASE: l2 must be positive, got {self.l2}")
        if dataset.n_movies > int(self.max_movies):
            raise ModelError(
                f"EASE: the catalogue has {dataset.n_movies:,} movies, more than max_movies={int(self.max_movies):,}; "
                f"its dense {dataset.n_movies:,}² weight matrix would not fit in memory. Use AlsoLiked instead, "
                "or keep only movies with enough ratings")
        likes = likes_matrix(dataset)
        self.weights_ = ease_weights(likes, float(self.l2))
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        self.like_counts_ = np.bincount(likes.indices, minlength=likes.shape[1]).astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``likes @ B`` for the block; NaN for people with no likes or dislikes (nothing
        to go on) and for movies nobody liked in training (no evidence about them)."""
        self.check_fitted()
        likes = sp.csr_matrix(queries.likes, dtype=np.float32)
        scores = np.asarray(likes @ self.weights_, dtype=np.float32)
        scores[np.diff(likes.indptr) == 0] = np.nan
        scores[:, np.asarray(self.like_counts_) == 0] = np.nan
        return scores


def ease_weights(likes: sp.csr_matrix, l2: float) -> np.ndarray:
    """EASE's closed form for a ``(n_users, n_movies)`` likes matrix: the float32
    ``(n_movies, n_movies)`` weights with a zero diagonal.

    The Gram matrix plus ``l2`` on the diagonal is symmetric positive definite, so it
    is inverted through its Cholesky factor (LAPACK ``potrf``/``potri``: half the work
    of a general inverse, in place) in float64 for accuracy.
    """
    gram = (likes.T @ likes).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += l2
    factor, info = scipy.linalg.lapack.dpotrf(gram, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = scipy.linalg.lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:  # pragma: no cover - only reachable through numerical breakdown
        raise ModelError(f"EASE: the regularised Gram matrix could not be inverted (LAPACK info {info}); raise l2")
    inverse = np.triu(inverse) + np.triu(inverse, 1).T
    weights = inverse / -np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)
