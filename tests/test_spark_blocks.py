"""What a Spark task receives of a neighbour search's block function: a skeleton of a
few hundred bytes and files of its large arrays, which a worker memory-maps (one copy
per node, shared by its workers) and runs with the same results as the whole function.

Needs neither Spark nor Java: the files are mapped here as a worker maps its node's copy.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from cinerec.models.neighbor_search import Scaling, _GramBlocks, _Rules, _SparseBlocks
from cinerec.spark.blocks import SHARED_BYTES, shared


def likes(seed: int) -> sp.csr_matrix:
    """A 0/1 people × movies matrix whose parts exceed the size worth mapping."""
    rng = np.random.default_rng(seed)
    matrix = sp.random(3_000, 800, density=0.15, format="csr", dtype=np.float32, random_state=rng)
    matrix.data[:] = 1
    assert matrix.data.nbytes >= SHARED_BYTES
    return matrix


def mapped_from_file(array: np.ndarray) -> bool:
    """Whether ``array`` is a read-only view of a memory-mapped file (not a copy)."""
    base: object = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return not array.flags.writeable
        base = getattr(base, "base", None)
    return False


def test_a_gram_block_function_maps_its_arrays_and_computes_alike(tmp_path: Path) -> None:
    whole = _GramBlocks(likes(1))
    function, files = shared(whole, tmp_path)
    assert {file.parent for file in files} == {tmp_path} and len(files) == 6  # two CSR matrices, three parts each
    assert function.skeleton.columns is None and function.skeleton.transposed is None
    mapped = function.mapped(lambda name: str(tmp_path / name))
    assert all(mapped_from_file(getattr(mapped.columns, part)) for part in ("data", "indices", "indptr"))
    for block in whole.blocks:
        np.testing.assert_array_equal(mapped(block), whole(block))


def test_a_neighbour_search_block_function_maps_and_computes_alike(tmp_path: Path) -> None:
    vectors = likes(2).T.tocsr()
    counts = np.asarray(vectors.sum(axis=1)).ravel().astype(np.float32) + 1
    rules = _Rules(k=10, scaling=Scaling(np.sqrt(counts), np.sqrt(counts), 5.0), min_product=np.float32(1),
                   min_similarity=np.float32(0))
    whole = _SparseBlocks(vectors, rules, block_rows=100)
    function, _ = shared(whole, tmp_path)
    mapped = function.mapped(lambda name: str(tmp_path / name))
    assert mapped is function.mapped(lambda name: str(tmp_path / name))  # mapped once per process
    assert mapped_from_file(mapped.vectors.data) and mapped_from_file(mapped.transposed.indices)
    for block in whole.blocks:
        for ours, theirs in zip(mapped(block), whole(block), strict=True):
            np.testing.assert_array_equal(ours, theirs)
