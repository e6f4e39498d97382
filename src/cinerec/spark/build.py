"""``cinerec build --engine spark``: the model directory the local engine writes, with
the ratings read and the neighbour kernels' blocks run on Spark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cinerec.build import BuildOptions, BuildResult, build_from_dataset, copy_on_write
from cinerec.progress import note, status


def build_on_spark(paths: Sequence[str | Path], out: str | Path, options: BuildOptions,
                   master: str | None = None) -> BuildResult:
    """Read ``paths`` (several are combined) and build the model directory ``out`` on
    Spark (``master``: a cluster's URL; none: this machine's cores)."""
    from cinerec.artifacts import check_model_target
    from cinerec.data.combine import combine
    from cinerec.models.neighbor_search import blocks_run_by
    from cinerec.spark.blocks import SparkBlockRunner
    from cinerec.spark.prepare import read_release
    from cinerec.spark.session import spark_session

    check_model_target(out)  # before Spark starts: a refused target must cost nothing
    with spark_session(master) as spark, copy_on_write():
        with status("Reading MovieLens on Spark…"):
            datasets = [read_release(spark, str(path)) for path in paths]
        dataset, summary = combine(datasets) if len(datasets) > 1 else (datasets[0], None)
        if summary is not None:
            for line in summary.lines():
                note(line)
        with blocks_run_by(SparkBlockRunner(spark)):
            return build_from_dataset(dataset, out, options)
