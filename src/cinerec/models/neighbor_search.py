"""Top-k neighbour search: the one all-pairs kernel behind every neighbour list.

Both *similar* (content) and *also liked* (collaborative) recommenders are movie ×
movie neighbour lists that differ only in the vectors they compare and how raw
products become similarities (implicit's design). :func:`top_k_neighbors` computes,
block of rows by block of rows, the products of every movie vector with every other,
lets the caller turn raw products into similarities (:class:`Scaling`), and keeps
only the ``k`` best per movie. The full movie × movie matrix is never built, and
blocks run on every core. The models that score people from the lists are in
:mod:`cinerec.models.neighbors`; the per-row selection is :mod:`cinerec.models.topk`.

How the kernel stays fast at MovieLens-25M scale (62,000 movies), by the shape of the
products:

* **Sparse products** (co-like counts): a compiled loop (:mod:`cinerec.models.sparse_kernel`)
  sums each movie's products with all others into one accumulator, scales the touched
  ones into similarities and keeps the ``k`` best in a heap, so no product matrix or
  candidate array is ever built. Blocks are cut by *work* (the multiply-adds of the
  block's products), so one block of blockbusters costs about as much time as one of
  obscure movies, and the threads share the work evenly.
* **Dense products** (content vectors with dense low-dimensional columns): a block of
  rows small enough to stay in the CPU cache is multiplied with BLAS, a cheap per-row
  lower bound of the ``k``-th best value (from the maxima of groups of columns)
  discards nearly every column, and the survivors go through the same selection.

Ties in similarity are broken by the lower column index, so the result does not
depend on block sizes or on the number of threads. The compiled loop (numba) and
threadpoolctl are imported only when a search runs, so queries never load them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from cinerec.models.topk import best_entries, kth_best_lower_bound
from cinerec.progress import progress

S = TypeVar("S")
T = TypeVar("T")

#: Cells of one dense block in :func:`top_k_neighbors`: ~16 MB, so that the blocks of
#: two threads stay in the CPU's last-level cache while they are scanned.
DENSE_BLOCK_CELLS = 4 * 1024 * 1024
#: Multiply-adds of one sparse block's products: small enough that the threads share
#: the work evenly and that a Gram block's stored entries stay in the last-level cache,
#: large enough that a block's set-up (an accumulator as long as the catalogue) is noise.
SPARSE_BLOCK_WORK = 8 * 1024 * 1024
#: Tasks handed to the threads ahead of the result being read, per thread.
TASKS_AHEAD = 2


@dataclass(frozen=True)
class Scaling:
    """How raw products become similarities: row ``i``'s similarity to row ``j`` is
    ``p / (source[i] * target[j] + shrinkage)``, computed in float32 in that order.

    One form covers the item-kNN family: the cosine of raw vectors (both factors the
    norms), Aiolli's asymmetric cosine (powers ``alpha`` and ``1 - alpha`` of the norms),
    conditional probability (``source`` the counts, ``target`` ones), each with or
    without shrinkage. Denominators must be positive. Being data rather than a
    callback, it runs inside the compiled sparse loop as well as on dense blocks.
    """

    source: np.ndarray
    target: np.ndarray
    shrinkage: float = 0.0

    @classmethod
    def identity(cls, n: int) -> Scaling:
        """Similarities equal to the products (``p / (1 * 1 + 0)`` is exact)."""
        ones = np.ones(n, dtype=np.float32)
        return cls(ones, ones)

    def factors(self) -> tuple[np.ndarray, np.ndarray, np.float32]:
        """``(source, target, shrinkage)`` as float32, the kernel's arithmetic."""
        return (np.asarray(self.source, dtype=np.float32), np.asarray(self.target, dtype=np.float32),
                np.float32(self.shrinkage))

    def apply(self, products: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Similarities of ``products`` (float32) of ``rows`` with ``cols`` (index arrays
        that broadcast against it); overwrites nothing the caller keeps."""
        source, target, shrinkage = self.factors()
        denominator = source[rows] * target[cols]
        denominator += shrinkage
        return np.divide(products, denominator, out=denominator)


def top_k_neighbors(
    vectors: sp.csr_matrix | np.ndarray,
    k: int,
    *,
    dense_vectors: np.ndarray | None = None,
    scaling: Scaling | None = None,
    min_product: float = 0.0,
    min_similarity: float = 0.0,
    block_rows: int | None = None,
    n_jobs: int | None = None,
    description: str = "neighbours",
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar other rows of ``vectors`` for every row.

    ``vectors`` is ``(n, d)``, sparse or dense; the raw similarity of rows ``i`` and
    ``j`` is their dot product (pass L2-normalised rows for cosine) plus, when given,
    the dot product of rows ``i`` and ``j`` of ``dense_vectors`` (``(n, d2)``: dense
    low-dimensional columns, cheaper multiplied apart), optionally scaled by
    ``scaling``. A row is never its own neighbour, pairs whose raw product is below
    ``min_product`` are dropped, and similarities ``<= min_similarity`` (``>= 0``) are
    dropped. Sparse ``vectors`` without dense columns must be non-negative. ``block_rows`` fixes the rows per block
    (``None``: sized by cache and work); ``n_jobs`` threads run blocks (``None``: one
    per core). Returns ``(neighbors int32 (n, k), similarities float32 (n, k))``, best
    first, ties by lower index, padded with ``-1`` / ``0`` where a row has fewer.
    """
    if min_similarity < 0:
        raise ValueError(f"min_similarity must not be negative, got {min_similarity}")
    sparse_part, dense_part = _split_parts(vectors, dense_vectors)
    n = vectors.shape[0]
    k = int(min(k, max(n - 1, 0)))
    neighbors = np.full((n, k), -1, dtype=np.int32)
    similarities = np.zeros((n, k), dtype=np.float32)
    if n == 0 or k == 0 or (sparse_part is None and dense_part is None):
        return neighbors, similarities
    rules = _Rules(k, scaling, np.float32(min_product), np.float32(min_similarity))
    compute = (_SparseBlocks(sparse_part, rules, block_rows) if dense_part is None
               else _DenseBlocks(sparse_part, dense_part, rules, block_rows))
    lists = zip(compute.blocks, _run_blocks(compute, compute.blocks, len(compute.blocks), n_jobs), strict=True)
    for block, (idx, sims) in progress(lists, description, total=len(compute.blocks)):
        rows = compute.row_ids(block)
        neighbors[rows], similarities[rows] = idx, sims
    return neighbors, similarities


def _split_parts(vectors: sp.csr_matrix | np.ndarray,
                 dense_vectors: np.ndarray | None) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
    """``(sparse part as CSR or None, dense part as float32 or None)`` of the vectors."""
    dense_parts = [np.asarray(part, dtype=np.float32) for part in (vectors, dense_vectors)
                   if part is not None and not sp.issparse(part)]
    dense = np.hstack(dense_parts) if dense_parts and sum(part.shape[1] for part in dense_parts) else None
    sparse = sp.csr_matrix(vectors, dtype=np.float32) if sp.issparse(vectors) else None
    return sparse, dense


def _row_blocks(n: int, rows_per_block: int) -> list[tuple[int, int]]:
    return [(start, min(start + rows_per_block, n)) for start in range(0, n, rows_per_block)]


def _sparse_blocks(vectors: sp.csr_matrix, block_rows: int | None) -> list[tuple[int, int]]:
    """Row ranges whose products with all rows each take about :data:`SPARSE_BLOCK_WORK`
    multiply-adds.

    Row ``i``'s product with all rows costs the sum, over its non-zero columns, of how
    many rows have that column non-zero; a popular movie costs thousands of obscure ones.
    """
    column_counts = np.bincount(vectors.indices, minlength=vectors.shape[1]).astype(np.float64)
    rows = np.repeat(np.arange(vectors.shape[0]), np.diff(vectors.indptr))
    return _blocks_by_work(np.bincount(rows, weights=column_counts[vectors.indices], minlength=vectors.shape[0]),
                           block_rows)


def _blocks_by_work(work: np.ndarray, block_rows: int | None) -> list[tuple[int, int]]:
    """Consecutive row ranges of about :data:`SPARSE_BLOCK_WORK` summed ``work`` each
    (``block_rows`` rows each instead, if given)."""
    n = work.size
    if block_rows:
        return _row_blocks(n, block_rows)
    total = np.cumsum(work)
    cuts = np.searchsorted(total, np.arange(SPARSE_BLOCK_WORK, total[-1], SPARSE_BLOCK_WORK), side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [n])))
    return [(int(start), int(stop)) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]


#: Runs the blocks of every search and Gram product instead of this process's threads
#: while set (:func:`blocks_run_by`): ``runner(compute, tasks)`` yields ``compute(task)``
#: for each task, in order — on a cluster, say (:mod:`cinerec.spark.blocks`).
BlockRunner = Callable[[Callable[[S], T], list[S]], Iterator[T]]
_block_runner: ContextVar[BlockRunner | None] = ContextVar("block_runner", default=None)


@contextmanager
def blocks_run_by(runner: BlockRunner) -> Iterator[None]:
    """Within the block, every neighbour search and Gram product hands its blocks to
    ``runner``; results are the same wherever blocks run (each block is independent)."""
    token = _block_runner.set(runner)
    try:
        yield
    finally:
        _block_runner.reset(token)


def _run_blocks(compute: Callable[[S], T], tasks: Iterable[S], n_tasks: int, n_jobs: int | None) -> Iterator[T]:
    """Results of ``compute`` over ``tasks``, in order, from ``n_jobs`` threads (or from
    the runner :func:`blocks_run_by` set).

    The heavy steps (the compiled sparse loop, BLAS products, sorting, selection)
    release the GIL, so threads use every core without copying the vectors. BLAS is
    held to one thread per block so that blocks do not oversubscribe the cores, and so
    that a product is computed the same way whatever ``n_jobs`` is. Tasks are taken from
    ``tasks`` only :data:`TASKS_AHEAD` per thread ahead of the result being read, so
    finished results never pile up in memory.
    """
    if (runner := _block_runner.get()) is not None:
        yield from runner(compute, list(tasks))
        return
    from threadpoolctl import threadpool_limits  # fitting only: queries never import it

    workers = max(1, min(n_jobs or available_cores(), n_tasks))
    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1:
            yield from map(compute, tasks)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="neighbours") as pool:
            running: deque[Future[T]] = deque()
            for task in tasks:
                running.append(pool.submit(compute, task))
                if len(running) > TASKS_AHEAD * workers:
                    yield running.popleft().result()
            while running:
                yield running.popleft().result()


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class _Rules:
    """What turns a block's raw products into its neighbour lists."""

    k: int
    scaling: Scaling | None
    min_product: np.float32
    min_similarity: np.float32


class _SparseBlocks:
    """Blocks of rows with sparse products, each run by the compiled loop
    (:func:`~cinerec.models.sparse_kernel.block_neighbors`).

    Rows are processed busiest first (most stored entries), renumbered so: the loop's
    accumulator is indexed by the rows again, and with the busiest ones first its hot
    end stays in the fastest CPU cache (a quarter less time on ml-25m's likes). The
    loop reports rows by their original numbers, so nothing else knows about the order.
    """

    def __init__(self, vectors: sp.csr_matrix, rules: _Rules, block_rows: int | None):
        from cinerec.models.sparse_kernel import block_neighbors  # fitting only: queries never load numba

        if vectors.nnz and float(vectors.data.min()) < 0:
            raise ValueError("sparse vectors must be non-negative (their products are summed as counts)")
        self.kernel = block_neighbors
        self.order = np.argsort(-np.diff(vectors.indptr), kind="stable").astype(np.int32)
        self.vectors = vectors[self.order]
        self.transposed = self.vectors.T.tocsr()
        source, target, self.shrinkage = (rules.scaling or Scaling.identity(vectors.shape[0])).factors()
        self.source, self.target = source[self.order], target[self.order]
        self.rules = rules
        self.blocks = _sparse_blocks(self.vectors, block_rows)

    def row_ids(self, block: tuple[int, int]) -> np.ndarray:
        return self.order[block[0]:block[1]]

    def __call__(self, block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        start, stop = block
        columns = np.empty((stop - start, self.rules.k), dtype=np.int32)
        values = np.empty((stop - start, self.rules.k), dtype=np.float32)
        vectors, transposed = self.vectors, self.transposed
        self.kernel(start, stop, vectors.indptr, vectors.indices, vectors.data,
                    transposed.indptr, transposed.indices, transposed.data,
                    self.source, self.target, self.shrinkage, self.rules.min_product, self.rules.min_similarity,
                    self.order, columns, values)
        return columns, values


def _sparse_product(left: sp.csr_matrix, right: sp.csr_matrix) -> sp.csr_matrix:
    """``left @ right`` as CSR (unsorted columns) in one pass instead of scipy's two.

    ``@`` first walks every multiply-add just to count the result's entries, a quarter
    of the time of the whole product. A row's multiply-adds (or the number of
    columns, if fewer) bound its entries and cost one gather, so this calls scipy's
    own product routine directly with buffers that large (memory never written costs
    nothing). Falls back to ``@`` should the routine move from where scipy has kept it
    for fifteen years.
    """
    try:
        from scipy.sparse._sparsetools import csr_matmat
    except ImportError:
        return sp.csr_matrix(left @ right)
    work = np.concatenate(([0], np.cumsum(np.diff(right.indptr)[left.indices], dtype=np.int64)))
    bound = int(np.minimum(work[left.indptr[1:]] - work[left.indptr[:-1]], right.shape[1]).sum())
    index_dtype = np.int32 if max(bound, right.shape[1]) < 2**31 else np.int64
    left_index = [left.indptr.astype(index_dtype, copy=False), left.indices.astype(index_dtype, copy=False)]
    right_index = [right.indptr.astype(index_dtype, copy=False), right.indices.astype(index_dtype, copy=False)]
    indptr = np.empty(left.shape[0] + 1, dtype=index_dtype)
    indices = np.empty(bound, dtype=index_dtype)
    data = np.empty(bound, dtype=np.result_type(left.dtype, right.dtype))
    try:
        csr_matmat(left.shape[0], right.shape[1], *left_index, left.data, *right_index, right.data,
                   indptr, indices, data)
    except (TypeError, ValueError):  # the routine's signature changed
        return sp.csr_matrix(left @ right)
    nnz = int(indptr[-1])
    return sp.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(left.shape[0], right.shape[1]))


class _DenseBlocks:
    """Blocks of rows with dense products (BLAS, plus any sparse part scattered in)."""

    def __init__(self, sparse: sp.csr_matrix | None, dense: np.ndarray, rules: _Rules, block_rows: int | None):
        self.sparse = sparse
        self.sparse_transposed = sparse.T.tocsr() if sparse is not None else None
        self.dense = dense
        self.dense_transposed = np.ascontiguousarray(dense.T)
        self.columns = np.arange(dense.shape[0])[None, :]
        self.rules = rules
        self.blocks = _row_blocks(dense.shape[0], block_rows or max(1, DENSE_BLOCK_CELLS // dense.shape[0]))

    def row_ids(self, block: tuple[int, int]) -> slice:
        return slice(*block)

    def __call__(self, block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        start, stop = block
        rules = self.rules
        products = self.dense[start:stop] @ self.dense_transposed
        if self.sparse is not None:  # sparse + dense adds in compiled code; fancy indexing is 5x slower
            products = sp.csr_array(_sparse_product(self.sparse[start:stop], self.sparse_transposed)) + products
        too_small = products < rules.min_product if rules.min_product > 0 else None
        if rules.scaling is not None:
            products = rules.scaling.apply(products, np.arange(start, stop)[:, None], self.columns)
        if too_small is not None:
            products[too_small] = -np.inf
        products[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # never your own neighbour
        above_floor = np.nextafter(np.float32(rules.min_similarity), np.float32(np.inf))
        floor = np.maximum(kth_best_lower_bound(products, rules.k), above_floor)
        flat = np.flatnonzero(products >= floor[:, None])  # 2-D np.nonzero is 20x slower
        rows, cols = np.divmod(flat, products.shape[1])
        return best_entries(rows, cols, products.ravel()[flat], stop - start, rules.k)


def gram_matrix(x: sp.csr_matrix, n_jobs: int | None = None) -> np.ndarray:
    """``xᵀx`` as a dense float32 ``(n_cols, n_cols)`` array, computed by blocks of rows of
    ``xᵀ`` on every core with the same one-pass sparse product as the neighbour lists
    (EASE's Gram matrix: at ML-25M scale the product, not the inversion, is the cost)."""
    compute = _GramBlocks(sp.csr_matrix(x, dtype=np.float32))
    gram = np.zeros((compute.transposed.shape[0], compute.transposed.shape[0]), dtype=np.float32)
    products = zip(compute.blocks, _run_blocks(compute, compute.blocks, len(compute.blocks), n_jobs), strict=True)
    for block, dense in progress(products, "products of likes", total=len(compute.blocks)):
        gram[block[0]:block[1]] = dense
    return gram


class _GramBlocks:
    """Blocks of rows of ``xᵀx`` as dense rows (a plain object, so that a block runner may
    ship it to other processes as it ships the neighbour searches' blocks)."""

    def __init__(self, x: sp.csr_matrix):
        self.columns = x
        self.transposed = x.T.tocsr()
        self.blocks = _sparse_blocks(self.transposed, None)

    def __call__(self, block: tuple[int, int]) -> np.ndarray:
        product = _sparse_product(self.transposed[block[0]:block[1]], self.columns)
        dense = np.zeros((block[1] - block[0], self.columns.shape[1]), dtype=np.float32)
        rows = np.repeat(np.arange(block[1] - block[0]), np.diff(product.indptr))
        dense[rows, product.indices] = product.data
        return dense
