"""How long the neighbour builds take at MovieLens scale, beside implicit's item-kNN.

Issue 6 asks that *also liked* be built no slower than implicit's ``BM25Recommender(K=100)``
fits on the same matrix, measured in the same run, and that the whole build fit in
150 s. This script measures, each in a fresh Python process (so peak memory is the
fit's own), on a synthetic release of the chosen MovieLens shape:

* ``content``: :class:`~cinerec.models.content.ContentSimilarity` ``fit`` (featurising
  the catalogue and the top-100 content neighbours);
* ``also_liked``: :class:`~cinerec.models.also_liked.AlsoLiked` ``fit`` (likes matrix and
  the top-100 *also liked* neighbours);
* ``implicit_bm25``: implicit's ``BM25Recommender(K=100).fit`` on the ratings matrix
  (skipped, with a note, when implicit cannot be imported; it is never a dependency
  of cinerec: install it anywhere and name the folder with ``--implicit-path``).

Rounds are interleaved (each measurement once, then again …) so a busy spell on a
shared machine spreads over all of them; the load average is recorded beside each
run. Reading and parsing the data is not timed: every child loads the parsed dataset
from cinerec's cache, and builds its rating matrix, before its clock starts.

Usage::

    python -m benchmarks.neighbors_benchmark --scale 25m [--repeat 3] [--data DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: The synthetic releases' shapes: MovieLens 25M and proportional fractions of it.
SCALES: dict[str, dict[str, int]] = {
    "25m": {"users": 162_541, "movies": 62_000, "ratings": 25_000_000, "tags": 1_000_000},
    "5m": {"users": 32_508, "movies": 12_400, "ratings": 5_000_000, "tags": 200_000},
    "1m": {"users": 6_502, "movies": 2_480, "ratings": 1_000_000, "tags": 40_000},
}
MEASUREMENTS = ("content", "also_liked", "implicit_bm25")
PREPARE = "prepare"
DEFAULT_IMPLICIT_PATH = Path("/tmp/implicit-lib")
NEIGHBOURS = 100
MIB = 2**20


@dataclass(frozen=True)
class RunResult:
    name: str
    seconds: float | None
    cpu_seconds: float | None
    peak_rss_mib: float
    load_before: float
    load_after: float
    note: str = ""


# ------------------------------------------------------------------------ data
def release_key(shape: dict[str, int], seed: int = 0) -> str:
    """Folder name of a synthetic release (the same as ``benchmarks.datasets`` uses)."""
    return f"ml-latest-u{shape['users']}-m{shape['movies']}-r{shape['ratings']}-t{shape['tags']}-seed{seed}"


def release_folder(scale: str, explicit: Path | None) -> Path:
    """``explicit`` if given; else a release of ``scale``'s shape already generated in
    cinerec's benchmark cache; else one generated now under ``/tmp/cinerec-bench``."""
    if explicit is not None:
        return explicit
    from cinerec.paths import cache_dir

    key = release_key(SCALES[scale])
    cached = cache_dir() / "benchmarks" / key
    if cached.is_dir():
        return cached
    folder = Path("/tmp/cinerec-bench") / key
    if not folder.is_dir():
        from cinerec.data.synthetic import SynthConfig, generate

        print(f"generating a synthetic release of the {scale} shape in {folder} …", file=sys.stderr)
        generate(SynthConfig(format="ml-latest", seed=0, **SCALES[scale]), folder)
    return folder


# ---------------------------------------------------------------- child side
def prepare(scale: str, explicit: Path | None) -> Path:
    """Find or generate the release and parse it once into cinerec's cache, so that no
    measured child pays for parsing (run in a child: the parent must stay small)."""
    from cinerec.data.readers import load_dataset

    folder = release_folder(scale, explicit)
    load_dataset(folder)
    return folder


def run_child(name: str, data: Path, implicit_path: Path) -> dict[str, object]:
    """Load the dataset (untimed), then time one fit; returns what the parent records."""
    from cinerec.data.readers import load_dataset

    dataset = load_dataset(data)
    if name == "implicit_bm25":
        if implicit_path.is_dir():
            sys.path.append(str(implicit_path))  # after the project's own numpy and scipy
        try:
            from implicit.nearest_neighbours import BM25Recommender
        except ImportError as exc:
            return {"seconds": None, "cpu_seconds": None, "note": f"implicit not importable ({exc})"}
        ratings = dataset.rating_matrix()
        model = BM25Recommender(K=NEIGHBOURS)
        return _timed(lambda: model.fit(ratings, show_progress=False))
    if name == "content":
        from cinerec.models.content import ContentSimilarity

        return _timed(lambda: ContentSimilarity(k=NEIGHBOURS).fit(dataset))
    if name == "also_liked":
        from cinerec.models.also_liked import AlsoLiked

        dataset.rating_matrix()  # built untimed, as for implicit: both fits start from the same matrix
        return _timed(lambda: AlsoLiked(k=NEIGHBOURS).fit(dataset))
    raise ValueError(f"unknown measurement {name!r}")


def _timed(fit: object) -> dict[str, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    fit()  # type: ignore[operator]
    return {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu, "note": ""}


# --------------------------------------------------------------- parent side
def measure(name: str, data: Path, implicit_path: Path) -> RunResult:
    """Run one measurement in a fresh process; its peak RSS comes from ``wait4``."""
    load_before = os.getloadavg()[0]
    output, peak_rss_bytes = _run_child_process([name, "--data", str(data), "--implicit-path", str(implicit_path)])
    facts = json.loads(output)
    return RunResult(name, facts["seconds"], facts["cpu_seconds"], peak_rss_bytes / MIB, load_before,
                     os.getloadavg()[0], facts["note"])


def _run_child_process(arguments: list[str]) -> tuple[str, int]:
    """Run ``--child ARGUMENTS`` in a fresh interpreter: ``(its last output line, its
    peak RSS in bytes)``. The parent imports no numpy or cinerec, so that its own small
    peak is all Linux can fold into the child's."""
    command = [sys.executable, "-m", "benchmarks.neighbors_benchmark", "--child", *arguments]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    output = child.stdout.read().decode() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(arguments[:1])} failed in its process (exit status {status})")
    return output.strip().splitlines()[-1], usage.ru_maxrss * 1024


def summarise(runs: list[RunResult]) -> list[dict[str, object]]:
    """Median seconds, CPU seconds and peak RSS per measurement, with the loads seen."""
    rows = []
    for name in dict.fromkeys(run.name for run in runs):
        mine = [run for run in runs if run.name == name]
        timed = [run for run in mine if run.seconds is not None]
        rows.append({
            "measurement": name,
            "median_seconds": statistics.median(run.seconds for run in timed) if timed else None,
            "median_cpu_seconds": statistics.median(run.cpu_seconds for run in timed) if timed else None,
            "median_peak_rss_mib": statistics.median(run.peak_rss_mib for run in mine),
            "seconds": [run.seconds for run in mine],
            "load_average": [(run.load_before, run.load_after) for run in mine],
            "note": mine[0].note,
        })
    return rows


def markdown(rows: list[dict[str, object]], command: str, data: Path) -> str:
    lines = ["| measurement | median s | median CPU s | peak RSS (MiB) | 1-min load before → after |",
             "|---|---:|---:|---:|---|"]
    for row in rows:
        seconds = "n/a" if row["median_seconds"] is None else f"{row['median_seconds']:.1f}"
        cpu = "n/a" if row["median_cpu_seconds"] is None else f"{row['median_cpu_seconds']:.1f}"
        loads = ", ".join(f"{before:.1f} → {after:.1f}" for before, after in row["load_average"])
        note = f" ({row['note']})" if row["note"] else ""
        lines.append(f"| {row['measurement']}{note} | {seconds} | {cpu} | {row['median_peak_rss_mib']:.0f} | {loads} |")
    by_name = {row["measurement"]: row for row in rows}
    also_liked, implicit = by_name.get("also_liked"), by_name.get("implicit_bm25")
    if also_liked and implicit and also_liked["median_seconds"] and implicit["median_seconds"]:
        per_round = ", ".join(f"{mine / theirs:.2f}" for mine, theirs in zip(also_liked["seconds"], implicit["seconds"])
                              if mine and theirs)
        lines.append(f"\n*also liked* / implicit BM25 = {also_liked['median_seconds'] / implicit['median_seconds']:.2f} "
                     f"(per round: {per_round}; target: ≤ 1.0)")
    lines.append(f"\nData: {data}. Command: `{command}`; {os.cpu_count()} CPUs.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="25m")
    parser.add_argument("--data", type=Path, help="a release folder to use instead of a synthetic one")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median reported)")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help="comma-separated measurements to run")
    parser.add_argument("--implicit-path", type=Path, default=DEFAULT_IMPLICIT_PATH,
                        help="folder implicit was pip-installed into with --target")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=(PREPARE, *MEASUREMENTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == PREPARE:
        print(json.dumps(str(prepare(args.scale, args.data))))
        return 0
    if args.child:
        print(json.dumps(run_child(args.child, args.data, args.implicit_path)))
        return 0
    data = Path(json.loads(_run_child_process([PREPARE, "--scale", args.scale]
                                              + (["--data", str(args.data)] if args.data else []))[0]))
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    runs = []
    for round_number in range(args.repeat):
        for name in names:
            run = measure(name, data, args.implicit_path)
            print(f"round {round_number + 1}: {name}: {run.seconds} s, peak {run.peak_rss_mib:.0f} MiB, "
                  f"load {run.load_before:.1f} → {run.load_after:.1f} {run.note}", file=sys.stderr, flush=True)
            runs.append(run)
    rows = summarise(runs)
    command = "python -m benchmarks.neighbors_benchmark " + " ".join(argv if argv is not None else sys.argv[1:])
    print(markdown(rows, command, data))
    if args.json:
        args.json.write_text(json.dumps({"command": command, "data": str(data), "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
