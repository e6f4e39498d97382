"""Mainstream: square-rooted like counts for people with a history, nothing for people
without, and a negative blend weight that pushes blockbusters down only for the former."""

from __future__ import annotations


import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.models.base import QueryBatch
from cinerec.models.for_you import Blend, standardise_rows
from cinerec.models.mainstream import Mainstream

#: Four people, four movies: movie 0 liked by all, 1 by two, 2 by one, 3 only rated badly.
STARS = np.array([[5, 4, 5, 1], [5, 5, 0, 2], [4, 0, 0, 0], [5, 0, 0, 0]], dtype=np.float32)


def _dataset() -> Dataset:
    users, movies = np.nonzero(STARS)
    ratings = pd.DataFrame({"user_id": users + 1, "movie_id": movies + 1, "rating": STARS[users, movies],
                            "timestamp": np.zeros(users.size, np.int64)})
    catalogue = pd.DataFrame({"movie_id": np.arange(1, 5), "title": [f"Movie {i}" for i in range(4)]})
    return Dataset.from_frames(catalogue, pd.DataFrame({"user_id": np.arange(1, 5)}), ratings)


def _queries(seen_rows: list[list[int]]) -> QueryBatch:
    rows = [r for r, movies in enumerate(seen_rows) for _ in movies]
    cols = [m for movies in seen_rows for m in movies]
    seen = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(len(seen_rows), 4))
    return QueryBatch(seen, seen, pd.DataFrame(index=range(len(seen_rows))), seen)


def test_root_like_counts_for_people_with_a_history_and_nan_for_the_others() -> None:
    model = Mainstream().fit(_dataset())
    scores = model.score(_queries([[3], []]))
    np.testing.assert_allclose(scores[0], [2.0, np.sqrt(2.0), 1.0, np.nan])  # movie 3: rated, never liked
    assert np.isnan(scores[1]).all()
    np.testing.assert_array_equal(model.scores_, [4.0, 2.0, 1.0, np.nan])  # the saved state stays the counts


def test_the_root_tames_a_blockbuster_tail_once_standardised() -> None:
    """Like counts falling off geometrically (a few blockbusters, a long tail): standardised,
    the root keeps the order but puts the top movie fewer deviations above the next."""
    counts = (1000.0 * 0.9 ** np.arange(100)).astype(np.float32)
    model = Mainstream()
    model.scores_, model.movie_ids_ = counts, np.arange(1, 101, dtype=np.int32)
    seen = sp.csr_matrix(np.eye(1, 100, 5, dtype=np.float32))
    root = standardise_rows(model.score(QueryBatch(seen, seen, pd.DataFrame(index=[0]), seen)))[0][0]
    raw = standardise_rows(counts[None, :])[0][0]
    assert root.argmax() == raw.argmax() == 0
    assert root[0] - root[1] < raw[0] - raw[1]


def test_a_negative_weight_demotes_blockbusters_only_for_people_with_a_history() -> None:
    model = Mainstream().fit(_dataset())
    queries = _queries([[3], []])
    personal = np.array([[1.0, 1.0, 0.9, np.nan], [1.0, 0.2, 0.1, np.nan]], dtype=np.float32)
    blend = Blend({"personal": 1.0, "mainstream": -0.5})
    blended = blend.combine({"personal": personal, "mainstream": model.score(queries)})
    plain = Blend({"personal": 1.0}).combine({"personal": personal})
    assert blended[0, 1] > blended[0, 0]             # the less popular of two equals goes first
    np.testing.assert_allclose(blended[1], plain[1])  # no history: no correction at all

