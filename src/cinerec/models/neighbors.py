"""Neighbour-list recommenders: scoring people from learned lists, and explaining.

Both *similar* (content) and *also liked* (collaborative) recommenders are movie ×
movie neighbour lists that differ only in the vectors they compare and how raw
products become similarities (implicit's design). Each learns its lists with
:func:`~cinerec.models.neighbor_search.top_k_neighbors` and inherits the rest from
:class:`NeighborScorer`, which holds the learned lists (``neighbors_``,
``similarities_``), answers "movies like this one", scores a block of people as the
sum over the movies they liked of those movies' neighbour similarities, and explains
each recommendation by the liked movie that contributed most.

Also here: :func:`gather_rows`, a CSR row slice without building a matrix (one
person's query); :data:`BLOCK_CELLS`, the dense block size of the seed's scoring; and
:func:`gram_matrix`, EASE's Gram matrix by the search's blockwise sparse product.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from cinerec.models.base import QueryBatch, Recommender

#: Target size of one dense block of products, in float32 cells (~256 MB); the seed's
#: reproduction (:mod:`cinerec.models.seed`) blocks its dense products by it.
BLOCK_CELLS = 64 * 1024 * 1024


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
        """The neighbour lists as a sparse ``(n_movies, n_movies)`` matrix (row = source)
        of what each movie adds to its neighbours' scores (:meth:`_scoring_weights`)."""
        self.check_fitted()
        cached = getattr(self, "_similarity_matrix", None)
        if cached is None:
            # The lists already are CSR rows (best first, not by column): laid out as they
            # are, with no sort — sorting 6 million entries was most of a first answer at 25M.
            # Each row holds a movie once, so no sum, product or gather depends on the order.
            neighbors = np.asarray(self.neighbors_)
            valid = neighbors >= 0
            indptr = np.zeros(neighbors.shape[0] + 1, dtype=np.int32 if neighbors.size < 2**31 else np.int64)
            np.cumsum(np.count_nonzero(valid, axis=1), out=indptr[1:])
            weights = self._scoring_weights(np.asarray(self.similarities_, dtype=np.float32))
            cached = sp.csr_matrix((weights[valid], neighbors[valid], indptr), shape=(neighbors.shape[0],) * 2)
            self._similarity_matrix = cached
        return cached

    def _scoring_weights(self, similarities: np.ndarray) -> np.ndarray:
        """What a liked movie adds to each of its neighbours' scores, from the ``(n_movies,
        k)`` similarities (padding included): here, the similarities themselves."""
        return similarities

    def score(self, queries: QueryBatch) -> np.ndarray:
        """Sum over each person's liked (or disliked, negatively) movies of their
        neighbours' similarities; movies no liked movie points to are NaN.

        A block goes through the sparse product ``likes @ similarity_matrix()`` (a C
        loop); one person — a web request — gathers their liked movies' rows instead,
        adding them in float32 in the product's order (bit-identical), because building
        the sparse matrices would cost more than the arithmetic.
        """
        if queries.n_queries == 1:
            return self._score_one(queries.likes)
        matrix = self.similarity_matrix()
        weights = sp.csr_matrix(queries.likes, dtype=np.float32)
        scores = (weights @ matrix).toarray()
        reached = (abs(weights) @ self._links()).toarray() > 0
        scores[~reached] = np.nan
        return scores

    def _score_one(self, likes: sp.csr_matrix) -> np.ndarray:
        """:meth:`score` of a ``(1, n_movies)`` likes row, from the neighbour rows."""
        weights = np.asarray(likes.data, dtype=np.float32)
        nonzero = weights != 0
        source, columns, similarities = gather_rows(self.similarity_matrix(), likes.indices[nonzero])
        scores = np.zeros(likes.shape[1], dtype=np.float32)
        np.add.at(scores, columns, weights[nonzero][source] * similarities)
        reached = np.zeros(likes.shape[1], dtype=bool)
        reached[columns] = True
        scores[~reached] = np.nan
        return scores[None, :]

    def _links(self) -> sp.csr_matrix:
        """Which movie points to which (1 where :meth:`similarity_matrix` is non-zero), kept."""
        cached = getattr(self, "_link_matrix", None)
        if cached is None:
            matrix = self.similarity_matrix()
            cached = sp.csr_matrix((np.ones_like(matrix.data), matrix.indices, matrix.indptr), shape=matrix.shape)
            self._link_matrix = cached
        return cached

    def explain(self, likes: sp.csr_matrix, movies: np.ndarray) -> np.ndarray:
        """For one person (a ``(1, n_movies)`` likes row) and recommended ``movies``,
        the liked movie that contributed most to each (``-1`` if none did)."""
        liked = likes.indices[likes.data > 0]
        movies = np.asarray(movies)
        if liked.size == 0 or movies.size == 0:
            return np.full(movies.size, -1, dtype=np.int32)
        source, columns, similarities = gather_rows(self.similarity_matrix(), liked)
        position = np.full(self.neighbors_.shape[0], -1, dtype=np.int64)
        position[movies] = np.arange(movies.size)
        wanted = position[columns] >= 0
        contributions = np.zeros((liked.size, movies.size), dtype=np.float32)
        np.add.at(contributions, (source[wanted], position[columns[wanted]]), similarities[wanted])
        best = contributions.argmax(axis=0)
        return np.where(contributions.max(axis=0) > 0, liked[best], -1).astype(np.int32)


def gather_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored entries of ``matrix[rows]`` in CSR order, as ``(position in rows,
    column, value)`` — a row slice without the cost of building a sparse matrix."""
    starts = matrix.indptr[rows].astype(np.int64)
    lengths = matrix.indptr[np.asarray(rows) + 1].astype(np.int64) - starts
    source = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    offsets = np.arange(source.size, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entries = np.repeat(starts, lengths) + offsets
    return source, matrix.indices[entries], matrix.data[entries]
