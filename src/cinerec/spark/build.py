"""``cinerec build --engine spark``: the model directory the local engine writes, with
the ratings read and prepared, the counts every component shares aggregated, and the
neighbour kernels' blocks run on Spark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cinerec.build import BuildOptions, BuildResult, build_model


def build_on_spark(paths: Sequence[str | Path], out: str | Path, options: BuildOptions,
                   master: str | None = None, work: str | None = None) -> BuildResult:
    """Read ``paths`` (several are combined) and build the model directory ``out`` on
    Spark (``master``: a cluster's URL; none: this machine's cores). The prepared ratings
    go to a folder inside ``work`` (a folder or URI this machine and the workers reach;
    none: :func:`~cinerec.spark.storage.work_folder`'s default), removed at the end."""
    from cinerec.artifacts import check_model_target
    from cinerec.models.aggregates import aggregates_computed_by
    from cinerec.models.neighbor_search import blocks_run_by
    from cinerec.spark.aggregates import SparkAggregates
    from cinerec.spark.blocks import SparkBlockRunner
    from cinerec.spark.session import spark_session
    from cinerec.spark.storage import HadoopStorage, work_folder

    check_model_target(out)  # before Spark starts: a refused target must cost nothing
    with spark_session(master) as spark:
        on_cluster = not spark.sparkContext.master.startswith("local")
        with work_folder(HadoopStorage(spark), work, on_cluster=on_cluster) as folder:
            counts = SparkAggregates(spark, folder)
            with blocks_run_by(SparkBlockRunner(spark)), aggregates_computed_by(counts):
                return build_model(paths, out, options, load=counts.read)
