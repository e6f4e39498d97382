"""*Mainstream*: how widely liked each movie is, said only to people with a history.

Collaborative models learn from co-occurrence, and blockbusters co-occur with
everything, so their lists lean toward what the person has most likely already heard
of. *For you* corrects for that by giving this component a **negative** weight: among
movies a person's collaborative scores rank about equally, the less obvious one goes
first. On ml-100k's validation split (random protocol, seed 0, EASE l2 250) a
mainstream weight of −0.2, −0.3, −0.4 and −0.5 lets the blend's top 10 cover 0.162,
0.169, 0.182 and 0.193 of the catalogue at NDCG@10 0.248 ± 0.0005 throughout.

The correction must never reach someone we know nothing personal about: for a new
person *For you* is people-like-you plus popularity, and pushing popular movies down
there would recommend them the least-liked ones. So people who rated or named no movie
get a NaN row, which the blend reads as "no opinion" (a zero contribution), while
everyone else gets the same row of like counts.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.models.base import QueryBatch, Recommender
from cinerec.models.likes import likes_matrix


class Mainstream(Recommender):
    """Like counts per movie for people with a history; NaN rows for people without.

    Learned attributes: ``like_counts_`` (float32 likings per movie; NaN for a movie
    nobody liked), ``movie_ids_`` (int32).
    """

    def __init__(self) -> None:
        pass

    def fit(self, dataset: Dataset) -> Self:
        counts = np.bincount(likes_matrix(dataset).indices, minlength=dataset.n_movies).astype(np.float32)
        self.like_counts_ = np.where(counts > 0, counts, np.nan).astype(np.float32)
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: the like counts for every person who rated or named
        a movie, NaN for everyone else."""
        self.check_fitted()
        scores = np.tile(np.asarray(self.like_counts_, dtype=np.float32), (queries.n_queries, 1))
        scores[np.diff(queries.seen.indptr) == 0] = np.nan
        return scores
