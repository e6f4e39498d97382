"""The blocks of cinerec's neighbour kernels as Spark tasks.

A neighbour search (and EASE's Gram product) is cut into blocks of movies whose work
is balanced (:mod:`cinerec.models.neighbor_search`); each block is independent, so
each becomes a Spark task that runs the same compiled kernel on the same vectors and
returns the same arrays it would return locally. The block's function and the vectors
it reads are broadcast once per executor, not shipped with every task; the results,
``k`` neighbours per movie, come back to the driver in block order. This is what
Microsoft Recommenders' SAR+ does too: the cluster distributes, the kernel computes.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

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
        from pyspark import cloudpickle  # closures too, as Spark ships functions

        shared = self.context.broadcast(cloudpickle.dumps(compute))
        key = uuid.uuid4().hex
        try:
            numbered = self.context.parallelize(list(enumerate(tasks)), numSlices=len(tasks))
            results = dict(numbered.map(lambda item: (item[0], _compute(key, shared)(item[1]))).collect())
        finally:
            shared.unpersist()
        return (results[index] for index in range(len(tasks)))


#: Each worker process's unpickled block function, by search (one search at a time).
_functions: dict[str, Callable] = {}


def _compute(key: str, shared: Any) -> Callable:
    """The block function of search ``key`` that broadcast ``shared`` carries, unpickled
    once per worker process (its vectors are the bulk of it)."""
    if key not in _functions:
        _functions.clear()  # the previous search's vectors can go
        _functions[key] = pickle.loads(shared.value)
    return _functions[key]
