"""Most popular: what the most people liked — the baseline every model must beat, and
the answer for a person we know nothing about.

Movies are ranked by their number of likings (:mod:`cinerec.models.likes`). A
Bayesian average of the star ratings (a movie's mean shrunk towards the overall mean
by ``m`` pseudo-ratings) sounds better, but it ranks worse, and the raw mean rating
worst of all: it ranks one-rating five-star obscurities first (figures:
docs/design.md#popularity-and-mainstream). Whether a person will like a movie
they have not seen is mostly whether it is the kind of movie many people have seen
and liked; a high mean among its few raters says little about a stranger.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.models.aggregates import movie_counts
from cinerec.models.base import QueryBatch, Recommender


class MostPopular(Recommender):
    """Ranks every movie by how many people liked it, the same for everyone.

    Learned attributes: ``scores_`` (float32 likings per movie; NaN for a movie nobody
    liked, which this model cannot recommend), ``movie_ids_`` (int32).
    """

    def __init__(self) -> None:
        pass

    def fit(self, dataset: Dataset) -> Self:
        counts = movie_counts(dataset).likings.astype(np.float32)
        self.scores_ = np.where(counts > 0, counts, np.nan).astype(np.float32)
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def score(self, queries: QueryBatch) -> np.ndarray:
        """The same popularity row for every person (``top_n`` removes what they have seen)."""
        self.check_fitted()
        return np.tile(np.asarray(self.scores_, dtype=np.float32), (queries.n_queries, 1))
