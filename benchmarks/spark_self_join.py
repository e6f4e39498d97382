"""Each movie's 100 most co-liked movies on Spark, two ways: a DataFrame self-join of the
likes on the person with a top-k window, against cinerec's neighbour kernel run inside
Spark tasks (what ``--engine spark`` does), and the same kernel locally.

``python -m benchmarks.spark_self_join [--scale 1m] [--k 100]``

Spark in local mode on this machine's cores; wall time of each way and the shuffle bytes
Spark's status store counts for it. The self-join shuffles one row per co-liked pair
(``Σ n_u²`` over people's like counts); the kernel shuffles nothing. Both give the raw
co-like counts, and the benchmark checks that each movie's best count agrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from benchmarks.cost_model import co_liked_pairs
from benchmarks.datasets import SCALES, synthetic_release

T = TypeVar("T")


def shuffle_written(spark: Any) -> int:
    """Bytes every executor of this session has written to its shuffle so far."""
    executors = spark.sparkContext._jsc.sc().statusStore().executorList(False)
    return sum(int(executors.apply(i).totalShuffleWrite()) for i in range(executors.size()))


def measured(spark: Any | None, work: Callable[[], T]) -> tuple[T, float, int]:
    """``work()``, its wall seconds and the shuffle bytes written meanwhile."""
    before = shuffle_written(spark) if spark is not None else 0
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, seconds, (shuffle_written(spark) - before) if spark is not None else 0


def self_join_best(spark: Any, people: np.ndarray, movies: np.ndarray, k: int) -> pd.DataFrame:
    """``(movie, best co-like count)`` from the top-``k`` co-liked movies of each movie, by joins."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    likes = spark.createDataFrame(pd.DataFrame({"person": people, "movie": movies})).cache()
    likes.count()
    pairs = (likes.alias("a").join(likes.alias("b"), "person")
             .where(F.col("a.movie") != F.col("b.movie"))
             .groupBy(F.col("a.movie").alias("movie"), F.col("b.movie").alias("other")).count())
    ranked = pairs.withColumn("rank", F.row_number().over(
        Window.partitionBy("movie").orderBy(F.desc("count"), "other"))).where(F.col("rank") <= k)
    best = ranked.where(F.col("rank") == 1).select("movie", "count").toPandas()
    likes.unpersist()
    return best.sort_values("movie", ignore_index=True)


def main(argv: Sequence[str] | None = None) -> int:
    from cinerec.data.readers import load_dataset
    from cinerec.models.likes import likes_matrix
    from cinerec.models.neighbor_search import blocks_run_by, top_k_neighbors
    from cinerec.spark.blocks import SparkBlockRunner
    from cinerec.spark.session import spark_session

    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_self_join", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="1m", help="synthetic release (default 1m)")
    parser.add_argument("--k", type=int, default=100, help="neighbours per movie (default 100)")
    args = parser.parse_args(argv)
    likes = likes_matrix(load_dataset(synthetic_release(SCALES[args.scale])))
    by_movie = likes.T.tocsr()
    pairs = co_liked_pairs(likes)
    people = np.repeat(np.arange(likes.shape[0], dtype=np.int32), np.diff(likes.indptr))
    (local, local_counts), local_s, _ = measured(None, lambda: top_k_neighbors(by_movie, args.k))
    with spark_session() as spark:
        joined, join_s, join_bytes = measured(spark, lambda: self_join_best(spark, people, likes.indices, args.k))
        with blocks_run_by(SparkBlockRunner(spark)):
            (tasks, _), task_s, task_bytes = measured(spark, lambda: top_k_neighbors(by_movie, args.k))
    same = np.array_equal(local, tasks)
    best = pd.Series(np.zeros(by_movie.shape[0]), dtype=np.float64)
    best[joined["movie"].to_numpy()] = joined["count"].to_numpy()
    agree = bool(np.array_equal(best.to_numpy(), local_counts[:, 0].astype(np.float64)))
    print(f"{SCALES[args.scale].describe()}; {likes.nnz:,} likes, {pairs:,} co-liked pairs (Σ n_u²), k = {args.k}\n")
    print("| way | wall s | shuffle written MiB |\n|---|---:|---:|")
    print(f"| DataFrame self-join + top-k window (Spark) | {join_s:.1f} | {join_bytes / 2**20:,.1f} |")
    print(f"| cinerec's kernel in Spark tasks | {task_s:.1f} | {task_bytes / 2**20:,.1f} |")
    print(f"| cinerec's kernel, local | {local_s:.1f} | — |")
    print(f"\nkernel lists the same in tasks as locally: {same}; best co-like count per movie agrees: {agree}")
    return 0 if same and agree else 1


if __name__ == "__main__":
    sys.exit(main())
