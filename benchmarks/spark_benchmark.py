"""The Spark engine against the local one on the same synthetic release: time, and
whether they write the same model and the same lists.

``python -m benchmarks.spark_benchmark [--scale 5m] [--people 20000] [--repeat 1]``

Runs, each as a user would, in a fresh process: ``cinerec build`` with ``--engine
local`` and with ``--engine spark`` (local mode: this machine's cores), then
``cinerec recommend-batch`` for the release's first ``--people`` users both ways. Prints
the wall times side by side (Spark's include starting its JVM) and whether the two model
directories hold the same files byte for byte and the two batches the same lists.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.datasets import SCALES, synthetic_release

ENGINES = ("local", "spark")


def timed(argv: list[str]) -> float:
    """Seconds one ``cinerec`` command takes, start to finish (a failure stops the run)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cinerec.cli.main", *argv], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def same_model(first: Path, second: Path) -> bool:
    """Whether two model directories hold the same files (their checksums) and settings."""
    per_build = ("created", "timings", "files")
    manifests = [json.loads((model / "manifest.json").read_text()) for model in (first, second)]
    return (manifests[0]["files"] == manifests[1]["files"]
            and {k: v for k, v in manifests[0].items() if k not in per_build}
            == {k: v for k, v in manifests[1].items() if k not in per_build})


def lists(path: Path) -> list[tuple[int, int, int]]:
    """``(user, rank, movie)`` of a recommendations file, or of a folder of CSV part files."""
    files = sorted(path.glob("part-*.csv")) if path.is_dir() else [path]
    rows = []
    for file in files:
        for line in file.read_text().splitlines()[1:]:
            user, rank, movie, _ = line.split(",")
            rows.append((int(user), int(rank), int(movie)))
    return sorted(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="5m", help="synthetic release (default 5m)")
    parser.add_argument("--people", type=int, default=20_000, help="people in the batch (default 20,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command (median reported)")
    args = parser.parse_args(argv)
    release = synthetic_release(SCALES[args.scale])
    seconds: dict[str, dict[str, float]] = {engine: {} for engine in ENGINES}
    with tempfile.TemporaryDirectory(prefix="cinerec-spark-bench-") as work:
        root = Path(work)
        profiles = root / "profiles.csv"
        profiles.write_text("user_id\n" + "".join(f"{user}\n" for user in range(1, args.people + 1)))
        for engine in ENGINES:
            builds, batches = [], []
            for run in range(args.repeat):
                model, out = root / f"model-{engine}-{run}", root / f"recs-{engine}-{run}"
                builds.append(timed(["build", str(release), "--out", str(model), "--no-report", "--engine", engine]))
                batches.append(timed(["recommend-batch", "--model", str(model), "--input", str(profiles), "--out",
                                      str(out if engine == "spark" else out.with_suffix(".csv")), "--engine",
                                      engine]))
            seconds[engine] = {"build": statistics.median(builds), "batch": statistics.median(batches)}
        identical_model = same_model(root / "model-local-0", root / "model-spark-0")
        identical_lists = lists(root / "recs-local-0.csv") == lists(root / "recs-spark-0")
    print(f"{SCALES[args.scale].describe()}; batch: {args.people:,} known users; median of {args.repeat} run(s)\n")
    print("| command | local s | spark s | spark ÷ local |\n|---|---:|---:|---:|")
    for step, label in (("build", "`cinerec build`"), ("batch", "`cinerec recommend-batch`")):
        local, spark = seconds["local"][step], seconds["spark"][step]
        print(f"| {label} | {local:.1f} | {spark:.1f} | {spark / local:.2f} |")
    print(f"\nsame model directory, byte for byte: {identical_model}; same lists: {identical_lists}")
    return 0 if identical_model and identical_lists else 1


if __name__ == "__main__":
    sys.exit(main())
