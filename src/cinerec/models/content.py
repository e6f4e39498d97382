"""*Similar (content)*: movies like this one, judged by what MovieLens says about them.

Each movie becomes a vector of its series, genres, decade, tags, tag genome and
audience (:class:`~cinerec.features.movie_features.MovieFeaturizer`): content leads, and
among alike movies the audience decides, as "more like this" lists in production do.
Its neighbours are the ``k`` movies of highest cosine, found block by block with the shared kernel
:func:`~cinerec.models.neighbor_search.top_k_neighbors`, so memory stays bounded by a few
``block_rows × n_movies`` blocks even for the 62,000 movies of ml-25m.

The genre, decade and genome blocks have few columns and are non-zero for most
movies: as sparse products they would make nearly every pair a stored entry. The
kernel multiplies them as one small dense matrix instead (BLAS) and adds the sparse
products of the title, tag and audience blocks, which gives the same cosine at a
fraction of the cost. Equally similar movies are listed most-rated first, never by id.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.features.movie_features import DEFAULT_WEIGHTS, LOW_DIMENSIONAL_BLOCKS, MovieFeaturizer
from cinerec.models.aggregates import movie_counts
from cinerec.models.base import require
from cinerec.models.neighbor_search import top_k_neighbors
from cinerec.models.neighbors import NeighborScorer


class ContentSimilarity(NeighborScorer):
    """Top-``k`` content neighbours of every movie, with cosine similarities.

    The weights are :class:`MovieFeaturizer`'s (its docstring explains the defaults):
    each block's share of the cosine. ``block_rows`` bounds memory (rows of products
    held at once per thread; ``None`` lets the kernel choose blocks of about 16 MB).

    Attributes
    ----------
    movie_ids_: int32 ``(n_movies,)``, the catalogue in the model's column order.
    neighbors_, similarities_: int32 / float32 ``(n_movies, k)``, best first, ``-1`` / 0 padded.
    embedding_2d_: float32 ``(n_movies, 2)``, a two-dimensional layout of the movie space
    (truncated SVD of the vectors) for plotting: alike movies lie close together.
    """

    def __init__(
        self,
        k: int = 100,
        *,
        title_weight: float = DEFAULT_WEIGHTS["title"],
        genre_weight: float = DEFAULT_WEIGHTS["genres"],
        year_weight: float = DEFAULT_WEIGHTS["year"],
        tag_weight: float = DEFAULT_WEIGHTS["tags"],
        genome_weight: float = DEFAULT_WEIGHTS["genome"],
        audience_weight: float = DEFAULT_WEIGHTS["audience"],
        block_rows: int | None = None,
        random_state: int = 0,
    ):
        self.k = k
        self.title_weight = title_weight
        self.genre_weight = genre_weight
        self.year_weight = year_weight
        self.tag_weight = tag_weight
        self.genome_weight = genome_weight
        self.audience_weight = audience_weight
        self.block_rows = block_rows
        self.random_state = random_state

    def fit(self, dataset: Dataset) -> Self:
        """Learn every movie's content neighbours from ``dataset``'s catalogue."""
        require(self, "k", int(self.k) >= 1, "must be at least 1")
        self.forget_derived()
        featurizer = MovieFeaturizer(title_weight=self.title_weight, genre_weight=self.genre_weight,
                                     year_weight=self.year_weight, tag_weight=self.tag_weight,
                                     genome_weight=self.genome_weight, audience_weight=self.audience_weight,
                                     random_state=self.random_state)
        vectors = featurizer.fit_transform(dataset)
        # Most-rated first: the kernel breaks exact ties by the lower index, so that two
        # equally similar movies are listed by how many people rated them, never by id.
        order = np.argsort(-movie_counts(dataset).ratings, kind="stable")
        sparse_part, dense_part = split_low_dimensional(vectors[order], featurizer.blocks_)
        neighbors, similarities = top_k_neighbors(
            sparse_part, self.k, dense_vectors=dense_part, block_rows=self.block_rows, description="similar movies")
        self.neighbors_ = np.empty_like(neighbors)
        self.neighbors_[order] = np.where(neighbors >= 0, order[np.maximum(neighbors, 0)], -1)
        self.similarities_ = np.empty_like(similarities)
        self.similarities_[order] = similarities
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        self.embedding_2d_ = layout_2d(vectors, self.random_state)
        return self


def split_low_dimensional(vectors: sp.csr_matrix,
                          blocks: dict[str, tuple[int, int]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Split movie vectors into the sparse blocks' columns (CSR) and the low-dimensional
    blocks' columns (dense float32); the products of the two parts add up to the full one."""
    dense_columns = np.array([column for name, (start, stop) in blocks.items() if name in LOW_DIMENSIONAL_BLOCKS
                              for column in range(start, stop)], dtype=np.int64)
    sparse_columns = np.setdiff1d(np.arange(vectors.shape[1]), dense_columns)
    return vectors[:, sparse_columns].tocsr(), vectors[:, dense_columns].toarray().astype(np.float32)


def layout_2d(vectors: sp.csr_matrix, random_state: int) -> np.ndarray:
    """Two coordinates per movie from a truncated SVD of its vectors (cheap at any scale)."""
    n_components = min(2, vectors.shape[1] - 1, vectors.shape[0])
    layout = np.zeros((vectors.shape[0], 2), dtype=np.float32)
    if n_components > 0:
        from sklearn.decomposition import TruncatedSVD

        svd = TruncatedSVD(n_components, random_state=random_state)
        with np.errstate(divide="ignore", invalid="ignore"):  # its variance ratios (unused) on alike movies
            layout[:, :n_components] = svd.fit_transform(vectors)
    return layout
