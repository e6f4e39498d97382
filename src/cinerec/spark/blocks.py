"""The blocks of cinerec's neighbour kernels as Spark tasks.

A neighbour search (and EASE's Gram product) is cut into blocks of movies whose work
is balanced (:mod:`cinerec.models.neighbor_search`); each block is independent, so
Spark tasks run them — a few consecutive blocks per task — with the same compiled kernel
on the same vectors, returning the same arrays they would return locally.

The vectors a block reads are large (at MovieLens 25M, 0.2 GB of likes twice over),
so they do not travel with the tasks nor as a broadcast that every worker process
unpacks into its own memory. They are written once as ``.npy`` files and handed to
Spark (``addFile``), which puts one copy on each node; every worker process on the
node memory-maps that copy, so the operating system holds the vectors once per node
however many workers read them. What travels with each task is the block's function
stripped of its arrays, a few hundred bytes. This is how Microsoft Recommenders' SAR+
shares its similarity matrix too: the cluster distributes, the kernel computes.
"""

from __future__ import annotations

import copy
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

S = TypeVar("S")
T = TypeVar("T")

#: Spark tasks per core: each runs a run of consecutive blocks (their work is balanced), so
#: a search of hundreds of blocks pays Spark's per-task cost a few times per core, not per block.
TASKS_PER_CORE = 4
#: Arrays smaller than this travel with the function (a memory map is not worth it).
SHARED_BYTES = 1 << 20
#: The parts that make a CSR matrix, in the order its constructor takes them.
CSR_PARTS = ("data", "indices", "indptr")

#: Each worker process's functions, by the token of their files: mapped once, used by every task.
_mapped: dict[str, Any] = {}


@dataclass(frozen=True)
class SharedFunction:
    """A block function whose large arrays live in files beside it: ``arrays`` names the
    file of each stripped attribute (``name`` → file, or for a CSR matrix its parts'
    files and its shape)."""

    token: str
    skeleton: Any
    arrays: dict[str, str]
    matrices: dict[str, tuple[tuple[str, str, str], tuple[int, int]]]

    def mapped(self, locate: Callable[[str], str]) -> Any:
        """The function with its arrays memory-mapped from the files ``locate`` finds
        (read-only: a block never writes to its inputs)."""
        if (function := _mapped.get(self.token)) is None:
            function = copy.copy(self.skeleton)
            for name, file in self.arrays.items():
                setattr(function, name, np.load(locate(file), mmap_mode="r"))
            for name, (files, shape) in self.matrices.items():
                parts = [np.load(locate(file), mmap_mode="r") for file in files]
                setattr(function, name, sp.csr_matrix(tuple(parts), shape=shape, copy=False))
            _mapped[self.token] = function
        return function


def shared(function: Any, folder: Path) -> tuple[SharedFunction, list[Path]]:
    """``function`` split into a skeleton and the files of its large arrays (written to
    ``folder``), which any process can map back (:meth:`SharedFunction.mapped`)."""
    token = uuid.uuid4().hex
    skeleton = copy.copy(function)
    arrays: dict[str, str] = {}
    matrices: dict[str, tuple[tuple[str, str, str], tuple[int, int]]] = {}
    files: list[Path] = []

    def written(name: str, array: np.ndarray) -> str:
        path = folder / f"cinerec-{token}-{name}.npy"
        np.save(path, np.ascontiguousarray(array), allow_pickle=False)
        files.append(path)
        return path.name

    for name, value in vars(function).items():
        if isinstance(value, np.ndarray) and value.nbytes >= SHARED_BYTES:
            arrays[name] = written(name, value)
        elif sp.issparse(value) and value.format == "csr" and value.data.nbytes >= SHARED_BYTES:
            parts = tuple(written(f"{name}.{part}", getattr(value, part)) for part in CSR_PARTS)
            matrices[name] = (parts, value.shape)  # type: ignore[assignment]
        else:
            continue
        setattr(skeleton, name, None)
    return SharedFunction(token, skeleton, arrays, matrices), files


class SparkBlockRunner:
    """A :data:`~cinerec.models.neighbor_search.BlockRunner` that runs the blocks as Spark
    tasks, :data:`TASKS_PER_CORE` per core of the cluster (use with
    :func:`~cinerec.models.neighbor_search.blocks_run_by`)."""

    def __init__(self, spark: SparkSession):
        self.context = spark.sparkContext

    def __call__(self, compute: Callable[[S], T], tasks: list[S]) -> Iterator[T]:
        if not tasks:
            return iter(())
        with self._on_every_node(compute) as function:
            slices = min(len(tasks), TASKS_PER_CORE * self.context.defaultParallelism)
            numbered = self.context.parallelize(list(enumerate(tasks)), numSlices=slices)
            results = dict(numbered.map(lambda item: (item[0], _run(function, item[1]))).collect())
        return (results[index] for index in range(len(tasks)))

    @contextmanager
    def _on_every_node(self, compute: Callable[[S], T]) -> Iterator[SharedFunction]:
        with tempfile.TemporaryDirectory(prefix="cinerec-blocks-") as folder:
            function, files = shared(compute, Path(folder))
            for file in files:
                self.context.addFile(str(file))  # one copy per node, fetched once
            yield function


def _run(function: SharedFunction, task: Any) -> Any:
    """One block, in a worker process, with the function's arrays mapped from this node's copy."""
    from pyspark import SparkFiles

    return function.mapped(SparkFiles.get)(task)
