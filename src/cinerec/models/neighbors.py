"""Top-k neighbour lists: the one all-pairs kernel and the scoring that uses it.

Both *similar* (content) and *also liked* (collaborative) recommenders are movie ×
movie neighbour lists that differ only in the vectors they compare and how raw
products become similarities (implicit's design). This module holds what they share:

* :func:`top_k_neighbors` computes, block of rows by block of rows, the products of
  every movie vector with every other, lets the caller turn a block of raw products
  into similarities, and keeps only the ``k`` best per movie. Memory is bounded by
  one ``block × n_movies`` dense block — the full movie × movie matrix is never built.
* :class:`NeighborScorer` holds the learned lists (``neighbors_``, ``similarities_``),
  answers "movies like this one", scores a block of people as the sum over the
  movies they liked of those movies' neighbour similarities, and explains each
  recommendation by the liked movie that contributed most.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from cinerec.models.base import QueryBatch, Recommender
from cinerec.progress import progress

#: Turns raw products of a block of rows with all rows into similarities:
#: ``adjust(products, rows)`` where ``products`` is ``(len(rows), n)`` float32 dense.
Adjust = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Target size of one dense block of products, in float32 cells (~256 MB).
BLOCK_CELLS = 64 * 1024 * 1024


def top_k_neighbors(
    vectors: sp.csr_matrix | np.ndarray,
    k: int,
    *,
    adjust: Adjust | None = None,
    min_similarity: float = 0.0,
    block_rows: int | None = None,
    description: str = "neighbours",
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar other rows of ``vectors`` for every row.

    ``vectors`` is ``(n, d)``, sparse or dense; the raw similarity of rows ``i`` and
    ``j`` is their dot product (pass L2-normalised rows for cosine), optionally
    transformed by ``adjust``. A row is never its own neighbour and similarities
    ``<= min_similarity`` are dropped. Returns ``(neighbors int32 (n, k), similarities
    float32 (n, k))``, best first, padded with ``-1`` / ``0`` where a row has fewer.
    """
    n = vectors.shape[0]
    k = int(min(k, max(n - 1, 0)))
    neighbors = np.full((n, k), -1, dtype=np.int32)
    similarities = np.zeros((n, k), dtype=np.float32)
    if n == 0 or k == 0:
        return neighbors, similarities
    block = block_rows or max(16, min(n, BLOCK_CELLS // max(n, 1)))
    transposed = vectors.T.tocsr() if sp.issparse(vectors) else np.ascontiguousarray(vectors.T)
    starts = range(0, n, block)
    for start in progress(starts, description, total=len(starts)):
        rows = np.arange(start, min(start + block, n))
        products = vectors[rows] @ transposed
        products = products.toarray() if sp.issparse(products) else np.asarray(products)
        products = products.astype(np.float32, copy=False)
        if adjust is not None:
            products = adjust(products, rows)
        products[np.arange(rows.size), rows] = -np.inf  # never your own neighbour
        neighbors[rows], similarities[rows] = _best_k(products, k, min_similarity)
    return neighbors, similarities


def _best_k(products: np.ndarray, k: int, min_similarity: float) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` columns per row of a dense block, best first, thresholded."""
    part = np.argpartition(-products, k - 1, axis=1)[:, :k] if k < products.shape[1] else \
        np.tile(np.arange(products.shape[1]), (products.shape[0], 1))
    values = np.take_along_axis(products, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1).astype(np.int32)
    sims = np.take_along_axis(values, order, axis=1)
    weak = ~(sims > min_similarity)
    idx[weak] = -1
    sims[weak] = 0.0
    return idx, sims.astype(np.float32)


class NeighborScorer(Recommender):
    """Scoring and explanation shared by recommenders that learn neighbour lists.

    Subclasses learn ``neighbors_`` (int32 ``(n_movies, k)``, ``-1`` padded) and
    ``similarities_`` (float32 ``(n_movies, k)``) in ``fit``; everything else is here.
    """

    neighbors_: np.ndarray
    similarities_: np.ndarray

    def similar(self, movie_index: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` nearest movies to one movie: ``(indices, similarities)``."""
        self.check_fitted()
        idx = np.asarray(self.neighbors_[movie_index][:n])
        keep = idx >= 0
        return idx[keep], np.asarray(self.similarities_[movie_index][:n])[keep]

    def similarity_matrix(self) -> sp.csr_matrix:
        """The neighbour lists as a sparse ``(n_movies, n_movies)`` matrix (row = source)."""
        self.check_fitted()
        cached = getattr(self, "_similarity_matrix", None)
        if cached is None:
            n, k = self.neighbors_.shape
            cols = np.asarray(self.neighbors_).ravel()
            valid = cols >= 0
            rows = np.repeat(np.arange(n, dtype=np.int32), k)[valid]
            cached = sp.csr_matrix((np.asarray(self.similarities_).ravel()[valid], (rows, cols[valid])),
                                   shape=(n, n), dtype=np.float32)
            self._similarity_matrix = cached
        return cached

    def score(self, queries: QueryBatch) -> np.ndarray:
        """Sum over each person's liked (or disliked, negatively) movies of their
        neighbours' similarities; movies no liked movie points to are NaN."""
        matrix = self.similarity_matrix()
        weights = sp.csr_matrix(queries.likes, dtype=np.float32)
        scores = (weights @ matrix).toarray()
        reached = (abs(weights) @ (matrix != 0).astype(np.float32)).toarray() > 0
        scores[~reached] = np.nan
        return scores

    def explain(self, likes: sp.csr_matrix, movies: np.ndarray) -> np.ndarray:
        """For one person (a ``(1, n_movies)`` likes row) and recommended ``movies``,
        the liked movie that contributed most to each (``-1`` if none did)."""
        liked = likes.indices[likes.data > 0]
        if liked.size == 0 or len(movies) == 0:
            return np.full(len(movies), -1, dtype=np.int32)
        contributions = self.similarity_matrix()[liked][:, np.asarray(movies)].toarray()
        best = contributions.argmax(axis=0)
        return np.where(contributions.max(axis=0) > 0, liked[best], -1).astype(np.int32)
