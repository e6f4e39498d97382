"""Faithful reproductions of the seed system's two collaborative methods.

They are here to be *measured against*, not to be served: the evaluation compares
every cinerec model with what the seed did, on the same split and metrics. Each is
reproduced as the seed computed it, flaws included, and follows the estimator
contract (fit, score, save/load) so the evaluation treats it like any other model.

* :class:`SeedAlsoLiked` — for a movie, every other movie scored by the **sum of the
  high ratings (>= 4 stars) that the movie's fans gave it**. The raw sums are not
  normalised by popularity, so a blockbuster that everyone rates highly tops nearly
  every movie's list: the seed's "also liked" lists all look alike.
* :class:`SeedPeopleLikeYou` — people clustered by k-means on one-hot gender, age band
  and occupation (a fixed number of clusters), each cluster's movies ranked by the
  sum of its members' high ratings: popularity within a demographic group.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.data import vocabulary as vocab
from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender, require, top_n
from cinerec.models.neighbors import BLOCK_CELLS, NeighborScorer
from cinerec.progress import progress

#: The seed's "high rating": this many stars or more.
SEED_HIGH_RATING = 4.0

#: The demographic fields the seed clustered on, with their fixed category lists.
SEED_FIELDS: dict[str, tuple[str, ...]] = {
    "gender": vocab.GENDERS,
    "age_band": vocab.AGE_BANDS,
    "occupation": vocab.OCCUPATIONS,
}


def high_ratings(dataset: Dataset) -> sp.csr_matrix:
    """``(n_users, n_movies)`` CSR holding only the ratings >= :data:`SEED_HIGH_RATING`."""
    ratings = dataset.rating_matrix().copy()
    ratings.data[ratings.data < SEED_HIGH_RATING] = 0.0
    ratings.eliminate_zeros()
    return ratings


class SeedAlsoLiked(NeighborScorer):
    """The seed's *also liked*: ``sim(i → j)`` = the sum of the high ratings that the
    people who rated ``i`` highly gave ``j``. Keeps the ``k`` largest sums per movie.

    Learned attributes: ``neighbors_``, ``similarities_`` (the raw sums), ``movie_ids_``.
    """

    def __init__(self, k: int = 100):
        self.k = k

    def fit(self, dataset: Dataset) -> Self:
        self.forget_derived()
        if int(self.k) < 1:
            raise ModelError(f"SeedAlsoLiked: k must be at least 1, got {self.k}")
        high = high_ratings(dataset)
        fans = high.T.tocsr()
        fans.data[:] = 1.0
        self.neighbors_, self.similarities_ = _top_k_products(fans, high, int(self.k))
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self


def _top_k_products(left: sp.csr_matrix, right: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row ``i`` of ``left @ right`` (square), the ``k`` largest positive entries
    off the diagonal, computed a block of rows at a time: ``(int32 indices, float32
    values)``, padded with ``-1`` / ``0``."""
    n = left.shape[0]
    k = min(k, max(n - 1, 1))
    neighbors = np.full((n, k), -1, dtype=np.int32)
    similarities = np.zeros((n, k), dtype=np.float32)
    block = max(1, min(n, BLOCK_CELLS // max(n, 1)))
    starts = range(0, n, block)
    for start in progress(starts, "summing the seed's high ratings", total=len(starts)):
        rows = np.arange(start, min(start + block, n))
        products = (left[rows] @ right).toarray().astype(np.float32)
        products[products <= 0] = np.nan
        itself = sp.csr_matrix((np.ones(rows.size), (np.arange(rows.size), rows)), shape=products.shape)
        idx, values = top_n(products, k, exclude=itself)
        neighbors[rows], similarities[rows] = idx, np.nan_to_num(values, nan=0.0)
    return neighbors, similarities


class SeedPeopleLikeYou(Recommender):
    """The seed's *people like you*: k-means over one-hot gender, age band and
    occupation; a person gets their nearest cluster's summed high ratings.

    People with none of the three fields are left out of the clustering and cannot be
    scored (NaN), as the seed could not place them. Learned attributes: ``centers_``
    (float64 ``(n_clusters, n_features)``), ``cluster_scores_`` (float32 ``(n_clusters,
    n_movies)``, NaN where the cluster rated nothing highly), ``movie_ids_``.
    """

    def __init__(self, n_clusters: int = 8, random_state: int | None = 0):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, dataset: Dataset) -> Self:
        require(self, "n_clusters", int(self.n_clusters) >= 1, "must be at least 1")
        rng = np.random.default_rng(self.random_state)
        features = one_hot_demographics(dataset.users)
        described = np.flatnonzero(features.any(axis=1))
        n_clusters = min(int(self.n_clusters), len(np.unique(features[described], axis=0)))
        if n_clusters < 1:
            raise ModelError("SeedPeopleLikeYou: no user has a gender, age band or occupation to cluster on")
        from sklearn.cluster import KMeans

        kmeans = KMeans(n_clusters=n_clusters, n_init=10, random_state=int(rng.integers(2**31 - 1)))
        labels = kmeans.fit_predict(features[described])
        membership = sp.csr_matrix((np.ones(described.size, dtype=np.float32), (labels, described)),
                                   shape=(n_clusters, dataset.n_users))
        sums = (membership @ high_ratings(dataset)).toarray()
        self.centers_ = kmeans.cluster_centers_.astype(np.float64)
        self.cluster_scores_ = np.where(sums > 0, sums, np.nan).astype(np.float32)
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """The nearest cluster's sums for each person; NaN rows for people who gave
        no gender, age band or occupation."""
        self.check_fitted()
        features = one_hot_demographics(queries.demographics)
        centers = np.asarray(self.centers_)
        distances = ((features[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        scores = np.array(self.cluster_scores_[distances.argmin(axis=1)], dtype=np.float32, ndmin=2)
        scores[~features.any(axis=1)] = np.nan
        return scores


def one_hot_demographics(people: pd.DataFrame) -> np.ndarray:
    """``(n_people, 2 + 7 + 21)`` float64 one-hot of :data:`SEED_FIELDS`; a missing or
    unknown value is all zeros in its field."""
    blocks = []
    for field, categories in SEED_FIELDS.items():
        values = people[field] if field in people else pd.Series([None] * len(people), dtype=object)
        codes = pd.Categorical(values.astype(object).where(values.notna(), None), categories=categories).codes
        block = np.zeros((len(people), len(categories)))
        known = codes >= 0
        block[np.flatnonzero(known), codes[known]] = 1.0
        blocks.append(block)
    return np.hstack(blocks)
