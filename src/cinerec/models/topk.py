"""Top-k selection: the ``k`` best entries of each row, without sorting whole rows.

The neighbour search (:mod:`cinerec.models.neighbor_search`) has, per row, far more
candidates than the ``k`` it keeps, and sorting them all would cost more than
computing them. So each step first finds a cheap per-row floor that at least ``k``
entries reach, and only what reaches it goes on:

* :func:`kth_best_lower_bound`: from a dense block of rows, in one pass over the
  maxima of groups of columns;
* :func:`kth_best_floor`: from parallel arrays of candidates, by a logarithmic
  histogram of their float bits (at most ~4% below the ``k``-th best);
* :func:`best_entries`: the ``k`` best per row, best first, from candidates cut down
  by that floor, so its sort handles about ``k`` entries per row.

Ties are broken by the lower column, so the result does not depend on the order of
the candidates. Nothing here knows about movies or neighbours.
"""

from __future__ import annotations

import numpy as np

#: :func:`kth_best_lower_bound` bounds each row's ``k``-th best value from the maxima
#: of this many groups of columns per entry kept (per neighbour, in the search).
GROUPS_PER_NEIGHBOR = 2
#: The histogram that finds each row's ``k``-th best value: 2**MAX_BUCKET_BITS buckets
#: at most, 2**BUCKET_MANTISSA_BITS of them per doubling of the value (~4% wide).
MAX_BUCKET_BITS = 10
BUCKET_MANTISSA_BITS = 4


def kth_best_lower_bound(products: np.ndarray, k: int) -> np.ndarray:
    """Per row, a value that at least ``k`` entries reach, from one pass over the block.

    The columns are split into :data:`GROUPS_PER_NEIGHBOR` ``* k`` groups; the ``k``-th
    best of the groups' maxima is reached by those ``k`` maxima at least. Measured on
    content vectors of ml-25m's shape (k = 100), about 160 entries per row pass it
    instead of 62,000.
    """
    n_rows, n = products.shape
    groups = min(GROUPS_PER_NEIGHBOR * k, n)
    width = n // groups
    maxima = products[:, : groups * width].reshape(n_rows, groups, width).max(axis=2)
    return np.partition(maxima, groups - k, axis=1)[:, groups - k]


def best_entries(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, k: int, *,
                 own_columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` entries of highest value per row, from parallel arrays of candidates.

    ``rows`` are in ``0..n_rows-1`` (any order) and ``values`` are ``>= 0``; an entry
    of value 0 is never chosen, nor, given ``own_columns``, the entry of row ``r`` in
    column ``own_columns[r]`` (a movie's own column).
    Returns ``(cols int32 (n_rows, k), values float32 (n_rows, k))``, best first, ties
    by lower column, padded with ``-1`` / ``0``.

    Every row is first cut down to the entries at or above :func:`kth_best_floor`, so
    the final sort handles about ``k`` entries per row however many a row had, and
    excluded entries are dropped only from those few.
    """
    values = np.ascontiguousarray(values, dtype=np.float32)
    wanted = k + 1 if own_columns is not None else k  # the row's own entry may be among the best
    candidates = np.flatnonzero(values >= kth_best_floor(rows, values, n_rows, wanted)[rows])
    rows, cols, values = rows[candidates], cols[candidates], values[candidates]
    chosen = values > 0
    if own_columns is not None:
        chosen &= cols != own_columns[rows]
    rows, cols, values = rows[chosen], cols[chosen], values[chosen]
    order = np.lexsort((cols, -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    firsts = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_rows))[:-1]))
    rank = np.arange(rows.size) - firsts[rows]
    top = rank < k
    best_cols = np.full((n_rows, k), -1, dtype=np.int32)
    best_values = np.zeros((n_rows, k), dtype=np.float32)
    best_cols[rows[top], rank[top]] = cols[top]
    best_values[rows[top], rank[top]] = values[top]
    return best_cols, best_values


def kth_best_floor(rows: np.ndarray, values: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Per row, a value that ``k`` of its entries reach (0 if it has fewer than ``k``),
    at most ~4% below its ``k``-th best (``values`` float32 ``>= 0``).

    The bit pattern of a non-negative float sorts like its value, and its top bits
    make a logarithmic histogram (``2**BUCKET_MANTISSA_BITS`` buckets per doubling).
    Per row, the bucket holding the ``k``-th best entry is the highest one with at
    least ``k`` entries at or above it, and the floor is that bucket's lower edge.
    Buckets far below the entries' best value are merged into the lowest, whose floor
    is 0. Only rows with ``k`` entries or more get a histogram row, so that piles of
    many rows with a few entries each cost no more than their entries.
    """
    floor = np.zeros(n_rows, dtype=np.float32)
    counts = np.bincount(rows, minlength=n_rows)
    full = counts >= k
    n_full = int(np.count_nonzero(full))
    if n_full == 0:
        return floor
    if n_full < n_rows:
        entries = np.flatnonzero(full[rows])
        rows, values = (np.cumsum(full, dtype=np.int32) - 1)[rows[entries]], values[entries]
    fine = values.view(np.int32) >> np.int32(23 - BUCKET_MANTISSA_BITS)
    top = int(fine.max())
    n_buckets = min(top + 1, 2 ** MAX_BUCKET_BITS, max(16, 4 * values.size // n_full))
    below_top = np.minimum(top - fine, n_buckets - 1)  # 0: the top bucket
    cell_dtype = np.int32 if n_full * n_buckets < 2**31 else np.int64
    histogram = np.bincount(rows.astype(cell_dtype) * n_buckets + below_top,
                            minlength=n_full * n_buckets).reshape(n_full, n_buckets)
    kth_below_top = np.count_nonzero(np.cumsum(histogram, axis=1) < k, axis=1)
    edges = ((top - kth_below_top).astype(np.int32) << np.int32(23 - BUCKET_MANTISSA_BITS)).view(np.float32)
    floor[full] = np.where(kth_below_top < n_buckets - 1, edges, np.float32(0.0))
    return floor
