"""What the build and the batch cost per unit of work, and what that makes of a billion ratings.

``python -m benchmarks.cost_model [--scale 25m] [--people 20000]``

Measures, on one synthetic release, in this process:

* reading: core-seconds per rating, locally and on Spark (local mode, writing the prepared
  Parquet; the session's start is timed apart, it is paid once per command);
* the counts components share (each person's mean, likings per movie and period): core-seconds
  per rating, locally and on Spark;
* *also liked*: core-seconds per co-liked pair — the compiled neighbour kernel's unit of
  work, ``Σ n_u²`` over people's like counts ``n_u``;
* EASE: core-seconds per co-liked pair among its modelled movies (the Gram product);
* batch scoring: core-seconds per person and per person × movie cell (For you).

Then extrapolates to a collection of ``--target`` ratings (default one billion) whose people
like as this release's people do (so pairs grow in proportion to ratings: ``Σ n_u² / Σ n_u``
depends only on how many likes a person has), on nodes of 8, 32 and 128 cores, with the
assumptions printed beside the figures. The estimate is a floor: it counts the measured
kernels and reading only, and assumes blocks spread evenly (they are cut by work).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks.datasets import SCALES, synthetic_release
from cinerec.models.neighbor_search import available_cores

T = TypeVar("T")
NODE_CORES = (8, 32, 128)


@dataclass(frozen=True)
class Costs:
    """Measured core-seconds per unit of work."""

    ratings: int
    read_local: float
    read_spark: float
    counts_local: float
    counts_spark: float
    spark_start_s: float
    pairs_per_rating: float
    also_liked_per_pair: float
    ease_pairs_per_rating: float
    ease_per_pair: float
    batch_per_person: float
    movies: int


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def co_liked_pairs(likes: object) -> int:
    """``Σ n_u²``: the multiply-adds of a movie × movie product over people's likes."""
    per_person = np.diff(likes.indptr).astype(np.int64)  # type: ignore[attr-defined]
    return int((per_person**2).sum())


def measure(scale: str, people: int) -> Costs:
    from cinerec.batch import recommend_batch
    from cinerec.build import BuildOptions, fit_engine
    from cinerec.data.readers import load_dataset
    from cinerec.models.also_liked import AlsoLiked
    from cinerec.models.ease import EASE, modelled_movies
    from cinerec.models.likes import likes_matrix
    from cinerec.profile import Profile
    from cinerec.models.aggregates import LocalAggregates
    from cinerec.spark.aggregates import SparkAggregates
    from cinerec.spark.session import spark_session

    n_cores = available_cores()
    release = synthetic_release(SCALES[scale])
    dataset, read_local = timed(lambda: load_dataset(release, use_cache=False))
    ratings = len(dataset.ratings)
    started = time.perf_counter()
    with spark_session() as spark:
        start_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as work:
            counts = SparkAggregates(spark, Path(work).as_uri())
            on_spark, read_spark = timed(lambda: counts.read(str(release)))
            _, counts_spark = timed(lambda: (counts.person_means(on_spark), counts.movie_counts(on_spark)))
    _, counts_local = timed(lambda: (LocalAggregates().person_means(dataset), LocalAggregates().movie_counts(dataset)))
    likes = likes_matrix(dataset)
    _, also_liked_s = timed(lambda: AlsoLiked().fit(dataset))
    modelled = modelled_movies(np.bincount(likes.indices, minlength=likes.shape[1]))
    _, ease_s = timed(lambda: EASE().fit(dataset))
    engine = fit_engine(dataset, BuildOptions(report=False))
    profiles = [Profile(user_id=int(user)) for user in dataset.users["user_id"].to_numpy()[:people]]
    _, batch_s = timed(lambda: recommend_batch(engine, profiles, n=10))
    pairs = co_liked_pairs(likes)
    ease_pairs = co_liked_pairs(likes[:, modelled].tocsr())
    return Costs(ratings=ratings, read_local=read_local * n_cores / ratings, read_spark=read_spark * n_cores / ratings,
                 counts_local=counts_local * n_cores / ratings, counts_spark=counts_spark * n_cores / ratings,
                 spark_start_s=start_s, pairs_per_rating=pairs / ratings,
                 also_liked_per_pair=also_liked_s * n_cores / pairs, ease_pairs_per_rating=ease_pairs / ratings,
                 ease_per_pair=ease_s * n_cores / ease_pairs, batch_per_person=batch_s * n_cores / len(profiles),
                 movies=int(engine.movie_ids.size))


def report(costs: Costs, target: float, people: float, movies: float) -> str:
    """The measured costs and the extrapolation, as markdown."""
    lines = ["| measured | per unit | core-seconds per unit |", "|---|---|---:|",
             f"| read, check, de-duplicate (local) | rating | {costs.read_local:.2e} |",
             f"| read, check, de-duplicate, write Parquet (Spark) | rating | {costs.read_spark:.2e} |",
             f"| shared counts: means, likings, periods (local) | rating | {costs.counts_local:.2e} |",
             f"| shared counts: means, likings, periods (Spark) | rating | {costs.counts_spark:.2e} |",
             f"| *also liked* neighbour kernel | co-liked pair | {costs.also_liked_per_pair:.2e} |",
             f"| EASE Gram product | co-liked pair (modelled movies) | {costs.ease_per_pair:.2e} |",
             f"| For you batch, top 10 | person ({costs.movies:,} movies) | {costs.batch_per_person:.2e} |",
             "", f"co-liked pairs per rating: {costs.pairs_per_rating:,.0f} (EASE's: "
             f"{costs.ease_pairs_per_rating:,.0f}); Spark session start: {costs.spark_start_s:.1f} s", ""]
    per_cell = costs.batch_per_person / costs.movies
    work = {"read, check, de-duplicate, write Parquet (Spark)": target * costs.read_spark,
            "shared counts (Spark)": target * costs.counts_spark,
            "*also liked* neighbours": target * costs.pairs_per_rating * costs.also_liked_per_pair,
            "EASE Gram product": target * costs.ease_pairs_per_rating * costs.ease_per_pair,
            f"batch for {people:,.0f} people × {movies:,.0f} movies": people * movies * per_cell}
    lines += [f"Estimate for {target:,.0f} ratings (core-hours, then wall time on 8, 32 and 128 cores):", "",
              "| step | core-hours | " + " | ".join(f"{n} cores" for n in NODE_CORES) + " |",
              "|---|---:|" + "---:|" * len(NODE_CORES)]
    for step, core_seconds in work.items():
        walls = " | ".join(duration(core_seconds / n) for n in NODE_CORES)
        lines.append(f"| {step} | {core_seconds / 3600:,.2f} | {walls} |")
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """Seconds as a person reads them: ``40 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:,.1f} h"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="5m", help="synthetic release (default 5m)")
    parser.add_argument("--people", type=int, default=20_000, help="people in the timed batch (default 20,000)")
    parser.add_argument("--target", type=float, default=1e9, help="ratings to extrapolate to (default 1e9)")
    parser.add_argument("--target-people", type=float, default=1e7, help="people at the target (default 1e7)")
    parser.add_argument("--target-movies", type=float, default=1e6, help="movies at the target (default 1e6)")
    args = parser.parse_args(argv)
    costs = measure(args.scale, args.people)
    print(f"{SCALES[args.scale].describe()}; {available_cores()} cores\n")
    print(report(costs, args.target, args.target_people, args.target_movies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
