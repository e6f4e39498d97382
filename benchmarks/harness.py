"""Run each measurement several times, each in a fresh Python process, and report it.

Why a fresh process per run: peak memory is a property of a process, and a parse that
runs after another in the same interpreter inherits its heap, its allocator's free lists
and its warm import caches. So every run is ``python -m benchmarks.harness SPEC RESULT``:
the child imports the measurement's ``preload`` modules (so import time stays off the
clock), calls the target once under :func:`time.perf_counter` and writes what it saw to
``RESULT``. The parent collects the child's peak resident set from :func:`os.wait4`.

Linux folds the parent's own peak into a child's ``ru_maxrss`` at ``exec`` time, so the
parent must stay small: this module and everything the runner imports use the standard
library only, and heavy work (generating data, warming caches) also runs in children.
The parent's peak at spawn time is recorded as ``parent_peak_rss_mib``; a child's peak
below it would not be meaningful.

Runs are interleaved (round 1 of every measurement, then round 2, ...) so that a slow
spell on a shared machine spreads over all measurements instead of landing on one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.datasets import Combination, DataShape

    #: What a suite runs on: one synthetic release, or several combined.
    DataSpec = DataShape | Combination

#: The folder holding the ``benchmarks`` package: children need it on their import path.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT_DIR = Path("bench-out")
MIB = 2**20
#: ``ru_maxrss`` is in kibibytes on Linux and in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024
#: Library versions recorded with every result, read without importing the libraries.
_RECORDED_VERSIONS = ("numpy", "pandas", "pyarrow", "scipy")
_STDERR_FD = 2

JsonValue = str | int | float | bool | None


class BenchmarkError(RuntimeError):
    """A measurement failed in its process, or a suite could not be prepared."""


@dataclass(frozen=True)
class Measurement:
    """One thing to time: ``target`` (``"module:function"``) called with ``args``.

    The target runs in a child process and may return a small dict of facts about what
    it did (rows read, say), recorded beside the timing so that a reader can see every
    measurement of a suite handled the same data.
    """

    name: str
    label: str
    target: str
    args: tuple[JsonValue, ...] = ()
    #: Modules imported before the clock starts, so that import time is not measured.
    preload: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """One run of a measurement in its own process."""

    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    #: Peak resident set before the call: interpreter plus preloaded modules.
    startup_rss_bytes: int
    facts: dict[str, JsonValue]
    #: The machine's 1-minute load average as the run ended (this run's own threads included).
    load_average: float


@dataclass(frozen=True)
class MeasurementResult:
    measurement: Measurement
    runs: tuple[Run, ...]

    @property
    def median_seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def min_seconds(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def max_seconds(self) -> float:
        return max(run.seconds for run in self.runs)

    @property
    def median_cpu_seconds(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def median_peak_rss_mib(self) -> float:
        return statistics.median(run.peak_rss_bytes for run in self.runs) / MIB

    @property
    def median_startup_rss_mib(self) -> float:
        return statistics.median(run.startup_rss_bytes for run in self.runs) / MIB

    def summary(self) -> dict[str, object]:
        """Plain data for JSON: the measurement, its statistics and every run."""
        return {
            **asdict(self.measurement),
            "median_seconds": self.median_seconds,
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
            "median_cpu_seconds": self.median_cpu_seconds,
            "median_peak_rss_mib": self.median_peak_rss_mib,
            "median_startup_rss_mib": self.median_startup_rss_mib,
            "runs": [asdict(run) for run in self.runs],
        }


@dataclass(frozen=True)
class SuitePlan:
    """What a suite measures once its data is ready, and a sentence describing that data."""

    data: str
    measurements: tuple[Measurement, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """A named group of measurements compared side by side in one table.

    ``prepare(shape)`` makes data of that shape ready (generating or reusing it, warming
    caches, all in child processes) and returns the :class:`SuitePlan`.
    """

    name: str
    title: str
    prepare: Callable[[DataSpec], SuitePlan]


@dataclass(frozen=True)
class Environment:
    """Where and with what a suite ran, so that figures from different machines, or from a
    busy machine, are not taken for each other."""

    date: str
    cpus: int | None
    platform: str
    python: str
    versions: dict[str, str]
    #: 1-minute load average just before the first measured run.
    load_before: float
    #: The runner's own peak RSS: Linux counts it into every child's peak, so it is the floor.
    parent_peak_rss_mib: float

    @classmethod
    def current(cls, load_before: float) -> Environment:
        return cls(
            date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            cpus=os.cpu_count(),
            platform=platform.platform(terse=True),
            python=platform.python_version(),
            versions={name: _version(name) for name in _RECORDED_VERSIONS},
            load_before=load_before,
            parent_peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_UNIT / MIB, 1),
        )

    def describe(self) -> str:
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return f"{self.cpus} CPUs, {self.platform}, Python {self.python}, {versions}"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    title: str
    scale: str
    repeat: int
    command: str
    plan: SuitePlan
    results: tuple[MeasurementResult, ...]
    environment: Environment

    def to_json(self) -> dict[str, object]:
        return {
            "suite": self.suite, "title": self.title, "scale": self.scale, "repeat": self.repeat,
            "command": self.command, "data": self.plan.data, "notes": list(self.plan.notes),
            "environment": asdict(self.environment),
            "measurements": [result.summary() for result in self.results],
        }

    def load_range(self) -> tuple[float, float]:
        """Lowest and highest 1-minute load average seen at the end of a run."""
        loads = [run.load_average for result in self.results for run in result.runs]
        return min(loads), max(loads)

    def to_markdown(self) -> str:
        """A README-ready section: the table, what was measured and how, and the command."""
        rows = [
            f"| {result.measurement.label} | {result.median_seconds:.2f} | {result.min_seconds:.2f} | "
            f"{result.max_seconds:.2f} | {result.median_cpu_seconds:.2f} | {result.median_peak_rss_mib:,.0f} | "
            f"{result.median_startup_rss_mib:,.0f} |"
            for result in self.results
        ]
        lowest_load, highest_load = self.load_range()
        lines = [
            f"### {self.title} ({self.scale})",
            "",
            self.plan.data,
            "",
            "| Measurement | median s | min s | max s | CPU s (median) | peak RSS MiB (median) "
            "| RSS before the call MiB |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Each row: {self.repeat} runs, each in a fresh Python process, runs of all rows interleaved. "
            "Seconds are wall time of the call alone (libraries imported before the clock starts); "
            "CPU s adds user and system time over all threads; peak RSS is the process's maximum "
            "resident set, interpreter and libraries included (RSS before the call is their share).",
            "",
            *(line for note in self.plan.notes for line in (note, "")),
            f"Machine: {self.environment.describe()}. Load average (1 min): {self.environment.load_before:.2f} "
            f"before the runs, {lowest_load:.2f}–{highest_load:.2f} as runs ended (the runs' own threads count).",
            "",
            f"Command: `{self.command}`",
            "",
        ]
        return "\n".join(lines)


def add_run_options(parser: argparse.ArgumentParser, writes: str) -> None:
    """The ``--repeat`` and ``--out`` options every suite's command takes (``writes``: what
    lands in the folder, for the help text)."""
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per measurement (default: 3)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR,
                        help=f"folder for {writes} (default: {DEFAULT_OUT_DIR}/)")


def command_line(module: str, argv: Sequence[str] | None) -> str:
    """The command a results table names: ``python -m MODULE`` with this run's arguments."""
    return shlex.join(["python", "-m", module, *(sys.argv[1:] if argv is None else argv)])


def run_suite(suite: Suite, shape: DataSpec, *, repeat: int, command: str) -> SuiteResult:
    """Prepare ``suite`` on data of ``shape`` and run each of its measurements ``repeat`` times."""
    if repeat < 1:
        raise BenchmarkError(f"repeat must be at least 1, not {repeat}")
    plan = suite.prepare(shape)
    environment = Environment.current(load_before=_load_average())
    runs: dict[str, list[Run]] = {measurement.name: [] for measurement in plan.measurements}
    for _ in range(repeat):
        for measurement in plan.measurements:
            runs[measurement.name].append(run_in_child(measurement))
    results = tuple(MeasurementResult(m, tuple(runs[m.name])) for m in plan.measurements)
    return SuiteResult(suite.name, suite.title, shape.name, repeat, command, plan, results, environment)


def run_in_child(measurement: Measurement) -> Run:
    """Call the measurement's target once in a fresh Python process and return what it used."""
    with tempfile.TemporaryDirectory(prefix="cinerec-bench-") as scratch:
        result_path = Path(scratch) / "result.json"
        spec = json.dumps({"target": measurement.target, "args": list(measurement.args),
                           "preload": list(measurement.preload)})
        # The child's stdout goes to stderr (fd 2) so that the runner's stdout holds only the tables.
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.harness", spec, str(result_path)],
                                 env=_child_environment(), stdout=_STDERR_FD)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0 or not result_path.is_file():
            raise BenchmarkError(f"{measurement.name} ({measurement.target}) failed in its process "
                                 f"with exit status {child.returncode}; its error is printed above")
        reported = json.loads(result_path.read_text())
    # The child's own high-water mark when it could read it: the kernel's ru_maxrss also
    # counts the runner's pages at fork time, so a big runner (pytest) would inflate it.
    peak = reported.get("peak_rss_bytes") or usage.ru_maxrss * _MAXRSS_UNIT
    return Run(seconds=reported["seconds"], cpu_seconds=reported["cpu_seconds"],
               peak_rss_bytes=peak,
               startup_rss_bytes=reported["startup_rss_bytes"], facts=reported["facts"],
               load_average=_load_average())


def write_results(result: SuiteResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``<suite>-<scale>.json`` and ``.md`` under ``out_dir``, each replaced whole."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{result.suite}-{result.scale}"
    json_path = _write_atomically(out_dir / f"{stem}.json", json.dumps(result.to_json(), indent=2) + "\n")
    markdown_path = _write_atomically(out_dir / f"{stem}.md", result.to_markdown())
    return json_path, markdown_path


def _write_atomically(path: Path, text: str) -> Path:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_text(text)
    os.replace(staging, path)
    return path


def _child_environment() -> dict[str, str]:
    """The parent's environment with the project root first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(PROJECT_ROOT), env.get("PYTHONPATH"))))
    return env


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "absent"


# ------------------------------------------------------------------ the child side
def _child_main(argv: Sequence[str]) -> None:
    """Run one measurement: preload, time the call, write seconds and facts as JSON."""
    spec_text, result_path = argv
    spec = json.loads(spec_text)
    for module in spec["preload"]:
        importlib.import_module(module)
    module_name, function_name = spec["target"].split(":")
    target = getattr(importlib.import_module(module_name), function_name)
    startup_rss = peak_rss() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_UNIT
    cpu_started, started = time.process_time(), time.perf_counter()
    facts = target(*spec["args"])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    Path(result_path).write_text(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds,
                                             "startup_rss_bytes": startup_rss, "peak_rss_bytes": peak_rss(),
                                             "facts": facts or {}}))


def peak_rss(process: int | str = "self") -> int | None:
    """A process image's peak resident set (``VmHWM``; Linux): this process's, or the
    one whose pid is given; ``None`` where unknown (another system, or it has exited).

    Unlike ``ru_maxrss`` it starts afresh at ``exec``, so it never includes the pages of
    the process that spawned this one."""
    try:
        status = Path(f"/proc/{process}/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) * 1024 if line else None


if __name__ == "__main__":
    _child_main(sys.argv[1:])
