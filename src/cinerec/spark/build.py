"""``cinerec build --engine spark``: the model directory the local engine writes, with
the ratings read and the neighbour kernels' blocks run on Spark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cinerec.build import BuildOptions, BuildResult, build_model


def build_on_spark(paths: Sequence[str | Path], out: str | Path, options: BuildOptions,
                   master: str | None = None) -> BuildResult:
    """Read ``paths`` (several are combined) and build the model directory ``out`` on
    Spark (``master``: a cluster's URL; none: this machine's cores)."""
    from cinerec.artifacts import check_model_target
    from cinerec.models.neighbor_search import blocks_run_by
    from cinerec.spark.blocks import SparkBlockRunner
    from cinerec.spark.prepare import read_release
    from cinerec.spark.session import spark_session

    check_model_target(out)  # before Spark starts: a refused target must cost nothing
    with spark_session(master) as spark, blocks_run_by(SparkBlockRunner(spark)):
        return build_model(paths, out, options, load=lambda path: read_release(spark, str(path)))
