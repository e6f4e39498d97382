"""The shared top-k kernel against a dense X·Xᵀ reference, and neighbour scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.models.base import QueryBatch, top_n
from cinerec.models.neighbors import NeighborScorer, top_k_neighbors


def _reference(dense: np.ndarray, k: int) -> list[set[int]]:
    products = dense @ dense.T
    np.fill_diagonal(products, -np.inf)
    return [set(np.argsort(-row, kind="stable")[:k][row[np.argsort(-row, kind="stable")[:k]] > 0]) for row in products]


@pytest.mark.parametrize("block_rows", [1, 7, None])
@pytest.mark.parametrize("sparse_input", [True, False])
def test_kernel_matches_dense_reference(rng: np.random.Generator, block_rows: int | None, sparse_input: bool) -> None:
    dense = (rng.random((60, 30)) < 0.2) * rng.random((60, 30))
    dense = dense.astype(np.float32)
    vectors = sp.csr_matrix(dense) if sparse_input else dense
    neighbors, sims = top_k_neighbors(vectors, 5, block_rows=block_rows)
    products = dense @ dense.T
    np.fill_diagonal(products, -np.inf)
    for i, row in enumerate(products):
        kept = neighbors[i][neighbors[i] >= 0]
        expected_top = np.sort(row[row > 0])[::-1][: kept.size]
        np.testing.assert_allclose(sims[i][: kept.size], expected_top, rtol=1e-5)
        np.testing.assert_allclose(row[kept], sims[i][: kept.size], rtol=1e-5)
        assert i not in kept
        assert kept.size == min(5, int((row > 0).sum()))


def test_adjust_and_threshold_are_applied(rng: np.random.Generator) -> None:
    dense = rng.random((20, 4)).astype(np.float32)
    neighbors, sims = top_k_neighbors(dense, 3, adjust=lambda p, rows, cols: p - 100.0)
    assert (neighbors == -1).all() and (sims == 0).all()


class _Fixed(NeighborScorer):
    def __init__(self) -> None:
        pass


def _scorer() -> _Fixed:
    model = _Fixed()
    # movie 0 -> 1 (0.9), 2 (0.5); movie 3 -> 2 (0.8)
    model.neighbors_ = np.array([[1, 2], [-1, -1], [-1, -1], [2, -1]], dtype=np.int32)
    model.similarities_ = np.array([[0.9, 0.5], [0, 0], [0, 0], [0.8, 0]], dtype=np.float32)
    return model


def _batch(likes: list[list[float]]) -> QueryBatch:
    matrix = sp.csr_matrix(np.array(likes, dtype=np.float32))
    empty = sp.csr_matrix(matrix.shape, dtype=np.float32)
    return QueryBatch(matrix, empty, pd.DataFrame(index=range(matrix.shape[0])), matrix)


def test_scoring_sums_neighbour_similarities_and_marks_unreached_nan() -> None:
    scores = _scorer().score(_batch([[1, 0, 0, 1]]))[0]
    assert scores[1] == pytest.approx(0.9)
    assert scores[2] == pytest.approx(1.3)
    assert np.isnan(scores[0]) and np.isnan(scores[3])


def test_explain_names_the_liked_movie_that_contributed_most() -> None:
    likes = sp.csr_matrix(np.array([[1, 0, 0, 1]], dtype=np.float32))
    assert _scorer().explain(likes, np.array([1, 2])).tolist() == [0, 3]


def test_top_n_skips_seen_and_nan_and_pads() -> None:
    scores = np.array([[0.1, np.nan, 0.7, 0.5]], dtype=np.float32)
    seen = sp.csr_matrix(np.array([[0, 0, 1, 0]]))
    idx, best = top_n(scores, 4, exclude=seen)
    assert idx.tolist() == [[3, 0, -1, -1]]
    assert np.isnan(best[0, 2:]).all()
