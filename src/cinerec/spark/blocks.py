"""The blocks of cinerec's neighbour kernels as Spark tasks.

A neighbour search (and EASE's Gram product) is cut into blocks of movies whose work
is balanced (:mod:`cinerec.models.neighbor_search`); each block is independent, so
each becomes a Spark task that runs the same compiled kernel on the same vectors and
returns the same arrays it would return locally. The block's function (a plain object
holding the vectors it reads) is broadcast once and loaded once per worker process, not
shipped with every task; the results, ``k`` neighbours per movie, come back to the driver
in block order. This is what
Microsoft Recommenders' SAR+ does too: the cluster distributes, the kernel computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

S = TypeVar("S")
T = TypeVar("T")


class SparkBlockRunner:
    """A :data:`~cinerec.models.neighbor_search.BlockRunner` that runs each block as one
    Spark task (use with :func:`~cinerec.models.neighbor_search.blocks_run_by`)."""

    def __init__(self, spark: SparkSession):
        self.context = spark.sparkContext

    def __call__(self, compute: Callable[[S], T], tasks: list[S]) -> Iterator[T]:
        if not tasks:
            return iter(())
        shared = self.context.broadcast(compute)  # each worker process loads it once
        try:
            numbered = self.context.parallelize(list(enumerate(tasks)), numSlices=len(tasks))
            results = dict(numbered.map(lambda item: (item[0], shared.value(item[1]))).collect())
        finally:
            shared.unpersist()
        return (results[index] for index in range(len(tasks)))
