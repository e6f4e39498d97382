"""The compiled inner loop of the sparse neighbour lists (co-like counts, item-kNN).

For each movie ``i`` of a block, the products with every other movie are summed into
one dense accumulator, user by user, the way implicit's and LensKit's item-kNN
kernels do (Gustavson's row-by-row sparse product); the touched columns are then
scaled into similarities and offered to a bounded heap of the ``k`` best. Nothing
but the heap leaves the loop, so there is no intermediate product matrix, no
candidate arrays and no sort of more than ``k`` entries per movie.

Why a compiled loop: a numpy pipeline (scipy's sparse product, then vectorised
selection) computes each pair's product only once but spends more time moving
candidates than multiplying; this loop gives bit-identical lists in less time
(docs/performance.md#the-also-liked-kernel).

Compiled by numba on first use and cached on disk, so only the first build on a
machine pays the compilation (a few seconds). Imported by fitting code only: the
query path never loads numba.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True, inline="always")
def _better(value: float, column: int, other_value: float, other_column: int) -> bool:
    """Whether a candidate ranks above another: higher value, ties by lower column."""
    return value > other_value or (value == other_value and column < other_column)


@numba.njit(nogil=True, cache=True)
def _offer(heap_values: np.ndarray, heap_columns: np.ndarray, size: int, value: float, column: int) -> int:
    """Offer a candidate to a heap of at most ``k`` (its arrays' length) best entries,
    whose root is the worst kept; returns the heap's new size."""
    k = heap_values.size
    if size < k:  # not full yet: sift the newcomer up from the end
        position = size
        while position > 0:
            parent = (position - 1) >> 1
            if not _better(heap_values[parent], heap_columns[parent], value, column):
                break
            heap_values[position], heap_columns[position] = heap_values[parent], heap_columns[parent]
            position = parent
        heap_values[position], heap_columns[position] = value, column
        return size + 1
    if not _better(value, column, heap_values[0], heap_columns[0]):
        return size
    _sift_down(heap_values, heap_columns, 0, k, value, column)
    return size


@numba.njit(nogil=True, cache=True)
def _sift_down(heap_values: np.ndarray, heap_columns: np.ndarray, position: int, size: int,
               value: float, column: int) -> None:
    """Place ``(value, column)`` at ``position`` of a heap of ``size`` and sift it down."""
    while True:
        child = 2 * position + 1
        if child >= size:
            break
        right = child + 1
        if right < size and _better(heap_values[child], heap_columns[child], heap_values[right], heap_columns[right]):
            child = right
        if not _better(value, column, heap_values[child], heap_columns[child]):
            break
        heap_values[position], heap_columns[position] = heap_values[child], heap_columns[child]
        position = child
    heap_values[position], heap_columns[position] = value, column


@numba.njit(nogil=True, cache=True)
def _write_best_first(heap_values: np.ndarray, heap_columns: np.ndarray, size: int,
                      out_columns: np.ndarray, out_values: np.ndarray) -> None:
    """Empty the heap into one output row, best first (heapsort: the root is the worst
    left, so it goes to the back), padded with ``-1`` / ``0``."""
    out_columns[size:] = -1
    out_values[size:] = 0.0
    while size > 0:
        size -= 1
        out_columns[size], out_values[size] = heap_columns[0], heap_values[0]
        _sift_down(heap_values, heap_columns, 0, size, heap_values[size], heap_columns[size])


@numba.njit(nogil=True, cache=True)
def block_neighbors(start: int, stop: int,
                    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                    t_indptr: np.ndarray, t_indices: np.ndarray, t_data: np.ndarray,
                    source: np.ndarray, target: np.ndarray, shrinkage: float,
                    min_product: float, min_similarity: float, labels: np.ndarray,
                    out_columns: np.ndarray, out_values: np.ndarray) -> None:
    """The ``k`` best neighbours (``k`` = ``out_columns.shape[1]``) of rows ``[start,
    stop)`` of the non-negative CSR matrix ``(indptr, indices, data)``, whose transpose
    is ``(t_indptr, t_indices, t_data)``.

    Row ``i``'s similarity to row ``j`` is its product ``p`` scaled as ``p / (source[i] *
    target[j] + shrinkage)``, in float32 in that order; pairs with ``p < min_product``
    or a similarity ``<= min_similarity`` are dropped, and a row is never its own
    neighbour. Rows and columns are reported as ``labels[index]`` and ties go to the
    lower label, so lists do not depend on how the rows were ordered for speed. Row
    ``i`` is written to row ``i - start`` of the outputs, best first.
    """
    n = indptr.size - 1
    k = out_columns.shape[1]
    sums = np.zeros(n, dtype=np.float32)
    touched = np.empty(n + 1, dtype=np.int32)  # one spare: the loop writes before it counts
    heap_values = np.empty(k, dtype=np.float32)
    heap_columns = np.empty(k, dtype=np.int32)
    for i in range(start, stop):
        n_touched = 0
        for entry in range(indptr[i], indptr[i + 1]):
            user, weight = indices[entry], data[entry]
            for other in range(t_indptr[user], t_indptr[user + 1]):
                j = t_indices[other]
                previous = sums[j]
                touched[n_touched] = j  # branch-free: kept only when j is new (its sum was 0)
                n_touched += previous == 0
                sums[j] = previous + weight * t_data[other]
        size = 0
        floor = min_similarity
        for position in range(n_touched):
            j = touched[position]
            product = sums[j]
            sums[j] = 0
            if j == i or product < min_product:
                continue
            denominator = source[i] * target[j]
            denominator += shrinkage
            similarity = product / denominator
            if similarity < floor or (similarity == floor and size < k):
                continue
            size = _offer(heap_values, heap_columns, size, similarity, labels[j])
            if size == k:
                floor = max(heap_values[0], min_similarity)
        _write_best_first(heap_values, heap_columns, size, out_columns[i - start], out_values[i - start])
