"""The shared top-k kernel against a dense X·Xᵀ reference, and neighbour scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.models.base import QueryBatch, top_n
from cinerec.models import neighbor_search
from cinerec.models.neighbor_search import Scaling, _sparse_product, top_k_neighbors
from cinerec.models.neighbors import NeighborScorer
from cinerec.models.topk import best_entries


def _dense_top_k(similarities: np.ndarray, k: int, min_similarity: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The reference: per row, the ``k`` best other columns above ``min_similarity``,
    best first, ties by lower column, padded with -1 / 0."""
    n = similarities.shape[0]
    neighbors = np.full((n, k), -1, dtype=np.int32)
    values = np.zeros((n, k), dtype=np.float32)
    for i, row in enumerate(similarities):
        candidates = [j for j in range(row.size) if j != i and row[j] > min_similarity]
        best = sorted(candidates, key=lambda j: (-row[j], j))[:k]
        neighbors[i, : len(best)] = best
        values[i, : len(best)] = row[best]
    return neighbors, values


def _binary(rng: np.random.Generator, shape: tuple[int, int], density: float) -> np.ndarray:
    """0/1 vectors: their products are small integers, exact in float32, so neighbour
    lists can be compared exactly, ties included."""
    return (rng.random(shape) < density).astype(np.float32)


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


@pytest.mark.parametrize("sparse_input", [True, False])
def test_cosine_scaling_and_the_similarity_threshold_are_applied(rng: np.random.Generator, sparse_input: bool) -> None:
    dense = _binary(rng, (40, 12), 0.4) * rng.random((40, 12)).astype(np.float32)
    norms = np.linalg.norm(dense, axis=1).astype(np.float32) + np.float32(1e-3)
    cosines = (dense @ dense.T) / (norms[:, None] * norms[None, :])
    expected = _dense_top_k(cosines, 4, min_similarity=0.5)
    vectors = sp.csr_matrix(dense) if sparse_input else dense
    got = top_k_neighbors(vectors, 4, scaling=Scaling(norms, norms), min_similarity=0.5)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5)
    assert (got[1][got[0] >= 0] > 0.5).all()


def _index_scaling(n: int) -> Scaling:
    """A scaling whose similarities depend on both indices of each product, differently
    for each direction (like the asymmetric cosine)."""
    return Scaling((1.0 + np.arange(n)).astype(np.float32), (1.0 + 2.0 * np.arange(n)).astype(np.float32), 0.5)


def _index_scaled(products: np.ndarray) -> np.ndarray:
    """The reference arithmetic of :func:`_index_scaling`, in float32 as the kernels do it."""
    n = products.shape[0]
    rows, cols = np.arange(n, dtype=np.float32)[:, None], np.arange(n, dtype=np.float32)[None, :]
    denominator = (np.float32(1.0) + rows) * (np.float32(1.0) + np.float32(2.0) * cols) + np.float32(0.5)
    return (products / denominator).astype(np.float32)


@pytest.mark.parametrize("sparse_input", [True, False])
@pytest.mark.parametrize("min_product", [0.0, 2.0])
def test_scaling_sees_the_right_rows_and_columns_on_both_paths(rng: np.random.Generator, sparse_input: bool,
                                                              min_product: float) -> None:
    dense = _binary(rng, (70, 25), 0.3)
    products = dense @ dense.T
    adjusted = _index_scaled(products)
    adjusted[products < min_product] = 0.0
    expected = _dense_top_k(adjusted, 6)
    vectors = sp.csr_matrix(dense) if sparse_input else dense
    got = top_k_neighbors(vectors, 6, scaling=_index_scaling(70), min_product=min_product, block_rows=9)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-6)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_full_heaps_keep_the_exact_lists_among_many_ties(rng: np.random.Generator, n_jobs: int) -> None:
    # 0/1 vectors with k = 3 of ~100 candidates per row: every heap fills early, most
    # candidates tie with its worst entry, and only the lower column may replace it.
    dense = _binary(rng, (120, 30), 0.35)
    expected = _dense_top_k(dense @ dense.T, 3)
    got = top_k_neighbors(sp.csr_matrix(dense), 3, min_product=2.0, block_rows=4, n_jobs=n_jobs)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_negative_sparse_vectors_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        top_k_neighbors(sp.csr_matrix(np.array([[1.0, -1.0], [1.0, 1.0]], dtype=np.float32)), 1)


@pytest.mark.parametrize("sparse_part", [True, False])
def test_dense_columns_add_their_products_and_ties_go_to_the_lower_index(rng: np.random.Generator,
                                                                        sparse_part: bool) -> None:
    # 300 rows and k = 5: dense blocks bound each row's k-th best by the maxima of 10 groups of 30 columns.
    sparse = _binary(rng, (300, 40), 0.05)
    dense = _binary(rng, (300, 6), 0.4)
    expected = _dense_top_k(sparse @ sparse.T + dense @ dense.T if sparse_part else dense @ dense.T, 5)
    got = top_k_neighbors(sp.csr_matrix(sparse if sparse_part else np.zeros_like(sparse)), 5, dense_vectors=dense)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("dense_columns", [False, True])
def test_threads_and_block_sizes_do_not_change_the_lists(rng: np.random.Generator, dense_columns: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = sp.csr_matrix(_binary(rng, (400, 60), 0.08))
    extra = _binary(rng, (400, 5), 0.5) if dense_columns else None
    reference = top_k_neighbors(vectors, 8, dense_vectors=extra, n_jobs=1, block_rows=400)
    monkeypatch.setattr(neighbor_search, "SPARSE_BLOCK_WORK", 500)  # many small work-sized blocks
    monkeypatch.setattr(neighbor_search, "DENSE_BLOCK_CELLS", 400 * 7)
    for n_jobs in (1, 3):
        got = top_k_neighbors(vectors, 8, dense_vectors=extra, n_jobs=n_jobs)
        np.testing.assert_array_equal(got[0], reference[0])
        np.testing.assert_array_equal(got[1], reference[1])


def test_best_entries_keeps_the_k_best_per_row_across_many_octaves(rng: np.random.Generator) -> None:
    n_rows, n_cols, k = 30, 997, 7
    cells = rng.choice(n_rows * n_cols, 6000, replace=False)
    cells[:3000] = 4 * n_cols + np.arange(3000) % n_cols  # one crowded row
    cells = np.unique(cells)
    rows, cols = (cells // n_cols).astype(np.int32), (cells % n_cols).astype(np.int32)
    values = (2.0 ** rng.uniform(-60, 10, cells.size)).astype(np.float32)  # beyond the histogram's range
    values[rng.random(cells.size) < 0.1] = 0.0  # excluded entries
    values[rows == 4] = np.where(rng.random(int((rows == 4).sum())) < 0.5, values[rows == 4], 4096.0)  # ties at the top
    got_cols, got_values = best_entries(rows, cols, values, n_rows, k)
    for row in range(n_rows):
        mine_cols, mine_values = cols[rows == row], values[rows == row]
        order = np.lexsort((mine_cols, -mine_values))
        best = order[mine_values[order] > 0][:k]
        assert got_cols[row][: best.size].tolist() == mine_cols[best].tolist()
        assert got_values[row][: best.size].tolist() == mine_values[best].tolist()
        assert (got_cols[row][best.size:] == -1).all() and (got_values[row][best.size:] == 0).all()


def test_best_entries_skips_each_rows_own_column() -> None:
    rows = np.array([0, 0, 0, 1, 1], dtype=np.int32)
    cols = np.array([10, 11, 12, 11, 10], dtype=np.int32)
    values = np.array([9.0, 5.0, 5.0, 8.0, 1.0], dtype=np.float32)
    got_cols, got_values = best_entries(rows, cols, values, 2, 2, own_columns=np.array([10, 11]))
    assert got_cols.tolist() == [[11, 12], [10, -1]]
    assert got_values.tolist() == [[5.0, 5.0], [1.0, 0.0]]


def test_sparse_product_equals_scipys(rng: np.random.Generator) -> None:
    dense_left = _binary(rng, (30, 50), 0.1) * rng.random((30, 50)).astype(np.float32)
    dense_left[3] = 0  # an empty row
    left, right = sp.csr_matrix(dense_left), sp.csr_matrix(_binary(rng, (50, 40), 0.1))
    np.testing.assert_allclose(_sparse_product(left, right).toarray(), (left @ right).toarray(), rtol=1e-6)


def test_negative_min_similarity_is_refused() -> None:
    with pytest.raises(ValueError, match="min_similarity"):
        top_k_neighbors(np.eye(3, dtype=np.float32), 1, min_similarity=-0.5)


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


def test_unordered_top_n_returns_the_same_set(rng: np.random.Generator) -> None:
    scores = rng.random((5, 70_000)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.1] = np.nan
    seen = sp.random(5, 70_000, density=0.01, random_state=2, format="csr")
    ordered, _ = top_n(scores.copy(), 50, exclude=seen)
    unordered, best = top_n(scores.copy(), 50, exclude=seen, ordered=False)
    assert [set(row) for row in unordered.tolist()] == [set(row) for row in ordered.tolist()]
    np.testing.assert_array_equal(best, np.take_along_axis(scores, unordered, axis=1))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_gram_matrix_matches_dense_reference(rng: np.random.Generator, n_jobs: int) -> None:
    from cinerec.models.neighbor_search import gram_matrix

    dense = ((rng.random((300, 40)) < 0.1) * rng.integers(1, 4, (300, 40))).astype(np.float32)
    np.testing.assert_allclose(gram_matrix(sp.csr_matrix(dense), n_jobs=n_jobs), dense.T @ dense, rtol=1e-6)


def _random_scorer(rng: np.random.Generator, n_movies: int, k: int) -> _Fixed:
    model = _Fixed()
    model.neighbors_ = np.stack([rng.permutation(n_movies)[:k] for _ in range(n_movies)]).astype(np.int32)
    model.neighbors_[rng.random((n_movies, k)) < 0.3] = -1
    model.similarities_ = np.where(model.neighbors_ >= 0, rng.random((n_movies, k)), 0).astype(np.float32)
    return model


def test_one_person_scoring_is_bit_identical_to_the_block_product(rng: np.random.Generator) -> None:
    """A single query gathers neighbour rows, a block uses the sparse product: they add
    in the same order, so a web answer ranks exactly as a batch does (ties included)."""
    model = _random_scorer(rng, 40, 6)
    likes = sp.random(6, 40, density=0.2, random_state=1, format="csr", dtype=np.float32)
    likes.data = np.where(likes.data > 0.3, 1.0, -1.0).astype(np.float32)
    rows = likes.toarray().tolist()
    block = model.score(_batch(rows))
    assert np.isnan(block).any() and np.isfinite(block).any()
    for i, row in enumerate(rows):
        np.testing.assert_array_equal(model.score(_batch([row]))[0], block[i])


def test_explain_matches_the_dense_similarity_rows(rng: np.random.Generator) -> None:
    model = _random_scorer(rng, 30, 5)
    likes = sp.csr_matrix(np.isin(np.arange(30), [2, 7, 11, 19]).astype(np.float32)[None, :])
    movies = np.array([0, 5, 9, 13, 21, 28])
    dense = model.similarity_matrix().toarray()[[2, 7, 11, 19]][:, movies]
    expected = np.where(dense.max(axis=0) > 0, np.array([2, 7, 11, 19])[dense.argmax(axis=0)], -1)
    assert model.explain(likes, movies).tolist() == expected.tolist()
