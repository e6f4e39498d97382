"""Turning people into the queries every model scores.

A person is a :class:`~cinerec.profile.Profile`: movies named as liked or disliked,
demographics, perhaps the id of a user the model was trained on. :class:`QueryBuilder`
turns a block of them into one :class:`~cinerec.models.base.QueryBatch` — sparse rows
in the model's movie order — so that every model scores the same block at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.data.dataset import Vocabulary
from cinerec.errors import QueryError
from cinerec.models.base import DEMOGRAPHIC_COLUMNS, QueryBatch
from cinerec.models.likes import likes_matrix
from cinerec.profile import Profile


class QueryBuilder:
    """Queries in a model's terms: its movies (``movie_ids``, in model order), its known
    users (``users``: ids and demographics) and their training ratings (``history``,
    ``(n_users, n_movies)`` CSR)."""

    def __init__(self, movie_ids: np.ndarray, users: pd.DataFrame, history: sp.csr_matrix):
        self.movie_vocab = Vocabulary(np.asarray(movie_ids))
        self.n_movies = int(np.asarray(movie_ids).size)
        self.user_vocab = Vocabulary(users["user_id"].to_numpy(np.int64))
        self.history = history
        self._stored_demographics = {
            column: users[column].astype(object).where(users[column].notna(), None).to_numpy()
            for column in DEMOGRAPHIC_COLUMNS}

    def movie_index(self, movie_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Column of each movie id; :class:`QueryError` names the first the model does not know."""
        try:
            return self.movie_vocab.index(np.asarray(movie_ids, dtype=np.int64))
        except KeyError as exc:
            raise QueryError(f"movie id {exc.args[0]} is not in this model's catalogue") from None

    def user_index(self, user_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row of each known user, ``-1`` for ids the model has not seen."""
        return self.user_vocab.positions(np.asarray(user_ids, dtype=np.int64))

    def batch(self, profiles: Sequence[Profile]) -> QueryBatch:
        """Turn profiles into the block of queries every model scores.

        A known user brings their training ratings (their likes follow the project's
        definition of liking) and, unless the profile says otherwise, their
        demographics; named likes count +1, named dislikes −1.
        """
        n_movies = self.n_movies
        rows = self.user_index([p.user_id if p.user_id is not None else -1 for p in profiles])
        ratings = self._history_rows(rows)
        history_likes = likes_matrix(ratings) if ratings.nnz else ratings
        named_cells, named_values = self._named_cells(profiles)
        # A movie the person names overrides what their history says about it.
        like_cells = _cells(history_likes)
        kept = ~np.isin(like_cells, named_cells)
        likes = _csr_from_cells(np.concatenate([like_cells[kept], named_cells]),
                                np.concatenate([history_likes.data[kept], named_values]), len(profiles), n_movies)
        seen_cells = np.union1d(_cells(ratings), named_cells)
        seen = _csr_from_cells(seen_cells, np.ones(seen_cells.size, np.float32), len(profiles), n_movies)
        return QueryBatch(likes=likes, ratings=ratings, demographics=self._demographics(profiles, rows), seen=seen)

    def _history_rows(self, rows: np.ndarray) -> sp.csr_matrix:
        """The training ratings of each known row (``-1`` = an empty row), float32 CSR."""
        history = self.history
        source = np.where(rows >= 0, rows, 0)
        lengths = np.where(rows >= 0, history.indptr[source + 1] - history.indptr[source], 0).astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        entries = np.repeat(history.indptr[source].astype(np.int64) - indptr[:-1], lengths) + \
            np.arange(indptr[-1], dtype=np.int64)
        return sp.csr_matrix((np.asarray(history.data[entries], np.float32), history.indices[entries], indptr),
                             shape=(rows.size, history.shape[1]))

    def _named_cells(self, profiles: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
        """The liked (+1) and disliked (−1) movies the profiles name, as sorted cells
        ``row * n_movies + column`` with summed values; a movie named both ways counts as
        not named at all."""
        rows, columns, values = [], [], []
        for i, profile in enumerate(profiles):
            for ids, value in ((profile.liked, 1.0), (profile.disliked, -1.0)):
                if ids:
                    columns.append(self.movie_index(ids))
                    rows.append(np.full(len(ids), i, np.int64))
                    values.append(np.full(len(ids), value))
        if not columns:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cells, inverse = np.unique(np.concatenate(rows) * self.n_movies + np.concatenate(columns),
                                   return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=np.concatenate(values), minlength=cells.size)
        named = summed != 0
        return cells[named], summed[named].astype(np.float32)

    def _demographics(self, profiles: Sequence[Profile], rows: np.ndarray) -> pd.DataFrame:
        """Each person's demographics: what the profile says, else what the training data knew."""
        table = np.empty((len(profiles), len(DEMOGRAPHIC_COLUMNS)), dtype=object)
        for j, column in enumerate(DEMOGRAPHIC_COLUMNS):
            given = np.asarray([getattr(p, column) for p in profiles], dtype=object)
            fill = (given == None) & (rows >= 0)  # noqa: E711 - element-wise
            given[fill] = self._stored_demographics[column][rows[fill]]
            table[:, j] = given
        # One object block: no per-column string inference, which costs more than the answer's ranking.
        return pd.DataFrame(table, columns=list(DEMOGRAPHIC_COLUMNS), dtype=object)


def _cells(matrix: sp.csr_matrix) -> np.ndarray:
    """A CSR matrix's stored positions as ``row * n_columns + column`` (int64)."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * matrix.shape[1] + matrix.indices


def _csr_from_cells(cells: np.ndarray, values: np.ndarray, n_rows: int, n_columns: int) -> sp.csr_matrix:
    """A float32 CSR matrix with sorted indices from distinct cells and their values —
    the canonical form the sparse arithmetic this replaces produced."""
    order = np.argsort(cells, kind="stable")
    cells = cells[order]
    indptr = np.searchsorted(cells, np.arange(n_rows + 1, dtype=np.int64) * n_columns).astype(np.int32)
    return sp.csr_matrix((np.asarray(values, np.float32)[order], (cells % n_columns).astype(np.int32), indptr),
                         shape=(n_rows, n_columns))
