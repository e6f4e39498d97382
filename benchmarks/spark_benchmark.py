"""The Spark engine against the local one on the same synthetic release: time, CPU,
memory and Spark's own task metrics, and whether they write the same model and the same
lists.

``python -m benchmarks.spark_benchmark [--scale 5m ...] [--people N] [--repeat 1]``

Runs, each as a user would, in a fresh process: ``cinerec build`` with ``--engine
local`` and with ``--engine spark`` (local mode: this machine's cores), then
``cinerec recommend-batch`` for the release's first ``--people`` users (default: all) both ways. While a
command runs, its whole process tree (the cinerec Python process; for Spark also the JVM
it launches through ``spark-submit`` and the Python workers the JVM forks) is sampled
from ``/proc`` every tenth of a second. Spark commands also write Spark's event log,
switched on from outside through ``PYSPARK_SUBMIT_ARGS`` so cinerec's session code is the
one users run. Prints, per scale, one table (medians over ``--repeat`` runs):

* wall s: the command, start to exit (Spark's includes starting its JVM);
* CPU s: user + system CPU of every process in the tree, each counted to its last sample;
* driver MiB: peak RSS of the cinerec Python process (the kernel's ``VmHWM``);
* JVM MiB: peak RSS of the largest JVM (``VmHWM``; the short-lived launcher JVM of
  ``spark-submit`` is smaller);
* workers MiB: peak of the summed RSS of the Python processes under the JVM (forked
  workers share pages with their daemon, so the sum overstates what they really hold);
* tree MiB: peak of the summed RSS of the whole tree at one sample (at least the largest
  single process's peak);
* from the event log, over all tasks: tasks (task attempts ended), task run s (executor
  run time), task CPU s (executor CPU time: the JVM task threads' CPU, not the Python
  workers'), shuffle write MiB and shuffle read MiB (local + remote bytes), and JVM heap
  MiB: the largest heap in use that executor metrics report (polled every 100 ms).

The row "spark ÷ local" divides every measure both engines have. Exits 1 unless the two
model directories hold the same files byte for byte and the two batches the same lists.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from benchmarks.datasets import SCALES, synthetic_release
from benchmarks.harness import MIB, BenchmarkError, peak_rss

ENGINES = ("local", "spark")
STEPS = {"build": "`cinerec build`", "batch": "`cinerec recommend-batch`"}
#: Seconds between two samples of a command's process tree.
SAMPLE_SECONDS = 0.1
#: Seconds the JVM and its workers get to exit once the cinerec process has.
EXIT_GRACE_SECONDS = 60.0
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
#: Spark settings for a measured run, besides the log's folder: one uncompressed JSON-lines
#: file (Spark 4 compresses and rolls event logs by default), with executor memory polled
#: every 100 ms (by default only at heartbeats, every 10 s) and its peaks logged per stage.
EVENT_LOG_SETTINGS = {
    "spark.eventLog.enabled": "true",
    "spark.eventLog.compress": "false",
    "spark.eventLog.rolling.enabled": "false",
    "spark.eventLog.logStageExecutorMetrics": "true",
    "spark.executor.metrics.pollingInterval": "100ms",
}


@dataclass(frozen=True)
class Column:
    """One measure of the table: its key in a run's measures, heading, unit and format."""

    key: str
    heading: str
    unit: float = 1.0
    digits: int = 1


COLUMNS = (
    Column("wall", "wall s"),
    Column("cpu", "CPU s"),
    Column("driver", "driver MiB", MIB, 0),
    Column("jvm", "JVM MiB", MIB, 0),
    Column("workers", "workers MiB", MIB, 0),
    Column("tree", "tree MiB", MIB, 0),
    Column("tasks", "tasks", digits=0),
    Column("task_run", "task run s"),
    Column("task_cpu", "task CPU s"),
    Column("shuffle_write", "shuffle write MiB", MIB),
    Column("shuffle_read", "shuffle read MiB", MIB),
    Column("heap", "JVM heap MiB", MIB, 0),
)

#: A run's measures by :class:`Column` key; a measure an engine lacks is absent.
Measures = dict[str, float]


# ------------------------------------------------------------------ process tree

class ProcStat(NamedTuple):
    """What ``/proc/PID/stat`` says of a process."""

    name: str
    parent: int
    started: int  # clock ticks after boot: tells a reused pid from the process it tracked
    cpu_seconds: float
    rss_bytes: int


def proc_stat(pid: int) -> ProcStat | None:
    """``/proc/PID/stat`` of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name_ends = text.rindex(")")  # the name may hold spaces and parentheses
    fields = text[name_ends + 2:].split()  # fields[0] is proc(5)'s field 3, the state
    return ProcStat(name=text[text.index("(") + 1:name_ends], parent=int(fields[1]), started=int(fields[19]),
                    cpu_seconds=(int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND,
                    rss_bytes=int(fields[21]) * _PAGE_BYTES)


def all_processes() -> dict[int, ProcStat]:
    """Every process on the machine now, by pid."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def role_of(process: ProcStat, parent_role: str) -> str:
    """A new member's role, given its parent's: a JVM, a Python worker under a JVM, or other."""
    if process.name == "java":
        return "jvm"
    return "workers" if parent_role in ("jvm", "workers") and process.name.startswith("python") else "other"


@dataclass
class Member:
    """One process of a watched tree, as last sampled."""

    #: "driver" (the root), "jvm" (named java), "workers" (Python under a JVM) or "other"
    #: (spark-submit's shells, a JVM's helper commands).
    role: str
    started: int
    cpu_seconds: float = 0.0
    peak_bytes: int = 0


class ProcessTree:
    """A process and everything it starts, directly or not, sampled from ``/proc``.

    A process is a member from the sample that first sees it under a member until it is
    gone, even once orphaned (the JVM outlives the cinerec process that started it).
    Its CPU time counts as last seen, so a process that exits early still counts (less
    its last tenth of a second); one that lives less than a sample is missed."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.live: dict[int, Member] = {}
        self.gone: list[Member] = []
        #: Peak of the summed RSS of the members in each role, and of all ("tree").
        self.peak_sums: dict[str, int] = {}

    def sample(self) -> None:
        """Look at every member once: adopt new children, drop the exited, update counts."""
        processes = all_processes()
        for pid in [pid for pid, member in self.live.items()
                    if pid not in processes or processes[pid].started != member.started]:
            self.gone.append(self.live.pop(pid))
        for pid, member in self.live.items():
            if processes[pid].name == "java":  # spark-submit's shell becomes the JVM by exec
                member.role = "jvm"
        self._adopt(processes)
        sums = {"tree": 0}
        for pid, member in self.live.items():
            stat = processes[pid]
            member.cpu_seconds = stat.cpu_seconds
            member.peak_bytes = max(member.peak_bytes, stat.rss_bytes, peak_rss(pid) or 0)
            sums[member.role] = sums.get(member.role, 0) + stat.rss_bytes
            sums["tree"] += stat.rss_bytes
        for role, total in sums.items():
            self.peak_sums[role] = max(self.peak_sums.get(role, 0), total)

    def _adopt(self, processes: dict[int, ProcStat]) -> None:
        """Make members of the root (first time) and of new descendants of live members."""
        if not self.live and not self.gone and self.root in processes:
            self.live[self.root] = Member("driver", processes[self.root].started)
        children: dict[int, list[int]] = {}
        for pid, stat in processes.items():
            children.setdefault(stat.parent, []).append(pid)
        parents = list(self.live)
        while parents:
            parent = parents.pop()
            for child in children.get(parent, []):
                if child not in self.live:
                    self.live[child] = Member(role_of(processes[child], self.live[parent].role),
                                              processes[child].started)
                    parents.append(child)

    def alive(self) -> bool:
        """Whether a member was still running at the last sample."""
        return bool(self.live)

    def measures(self) -> Measures:
        """CPU seconds of the tree and the peaks the table reports (JVM and workers only
        where there were some)."""
        members = [*self.live.values(), *self.gone]
        jvms = [member.peak_bytes for member in members if member.role == "jvm"]
        found = {
            "cpu": sum(member.cpu_seconds for member in members),
            "driver": max(member.peak_bytes for member in members if member.role == "driver"),
            "tree": max(self.peak_sums["tree"], *(member.peak_bytes for member in members)),
        }
        if jvms:
            found["jvm"] = max(jvms)
        if "workers" in self.peak_sums:
            found["workers"] = self.peak_sums["workers"]
        return found


def run_watched(argv: list[str], env: dict[str, str]) -> Measures:
    """Run one ``cinerec`` command in a fresh process (a failure stops the run); its wall
    seconds and its process tree's CPU and peak memory, counted until the whole tree has
    exited (or :data:`EXIT_GRACE_SECONDS` after the cinerec process)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "cinerec.cli.main", *argv], stdout=subprocess.DEVNULL,
                               env=env)
    tree = ProcessTree(process.pid)
    exited = os.pidfd_open(process.pid)  # readable once the process exits, before it is reaped
    try:
        while not select.select([exited], [], [], SAMPLE_SECONDS)[0]:
            tree.sample()
        wall = time.perf_counter() - started
        tree.sample()  # unreaped, the exited process still shows its final CPU times
    finally:
        os.close(exited)
    if process.wait():
        raise subprocess.CalledProcessError(process.returncode, process.args)
    deadline = time.monotonic() + EXIT_GRACE_SECONDS
    while tree.alive() and time.monotonic() < deadline:
        time.sleep(SAMPLE_SECONDS)
        tree.sample()
    return {"wall": wall, **tree.measures()}


# ------------------------------------------------------------------ Spark event log

def event_log_env(folder: Path) -> dict[str, str]:
    """This process's environment plus ``PYSPARK_SUBMIT_ARGS`` writing an event log to
    ``folder``: pyspark adds these arguments to the ``spark-submit`` that starts its JVM,
    whose configuration then holds them alongside the session builder's settings."""
    settings = {**EVENT_LOG_SETTINGS, "spark.eventLog.dir": folder.as_uri()}
    arguments = [part for key, value in settings.items() for part in ("--conf", f"{key}={value}")]
    return {**os.environ, "PYSPARK_SUBMIT_ARGS": shlex.join([*arguments, "pyspark-shell"])}


def events(folder: Path) -> Iterator[dict[str, Any]]:
    """The events of the one Spark application that logged to ``folder``."""
    logs = [path for path in folder.iterdir() if not path.name.startswith(".")]
    if len(logs) != 1:
        raise BenchmarkError(f"expected one Spark event log in {folder}, found {len(logs)}: did "
                             "PYSPARK_SUBMIT_ARGS reach Spark?")
    with logs[0].open() as lines:
        for line in lines:
            yield json.loads(line)


def heap_readings(event: dict[str, Any]) -> list[int]:
    """Peaks of JVM heap in use that an event's executor metrics report, if it has any:
    a task's (``SparkListenerTaskEnd``), an executor's per stage
    (``SparkListenerStageExecutorMetrics``) or the driver's (``…ExecutorMetricsUpdate``)."""
    metrics = [event.get("Task Executor Metrics"), event.get("Executor Metrics"),
               *(update.get("Executor Metrics") for update in event.get("Executor Metrics Updated", []))]
    return [found["JVMHeapMemory"] for found in metrics if found and found.get("JVMHeapMemory", 0) > 0]


def spark_measures(folder: Path) -> Measures:
    """Task totals over the event log in ``folder``, and the largest heap it reports."""
    totals = dict.fromkeys(("tasks", "task_run", "task_cpu", "shuffle_write", "shuffle_read"), 0.0)
    heap: list[int] = []
    for event in events(folder):
        heap += heap_readings(event)
        if event["Event"] != "SparkListenerTaskEnd":
            continue
        metrics = event.get("Task Metrics") or {}
        read, written = metrics.get("Shuffle Read Metrics", {}), metrics.get("Shuffle Write Metrics", {})
        totals["tasks"] += 1
        totals["task_run"] += metrics.get("Executor Run Time", 0) / 1e3  # milliseconds
        totals["task_cpu"] += metrics.get("Executor CPU Time", 0) / 1e9  # nanoseconds
        totals["shuffle_write"] += written.get("Shuffle Bytes Written", 0)
        totals["shuffle_read"] += read.get("Remote Bytes Read", 0) + read.get("Local Bytes Read", 0)
    return {**totals, "heap": max(heap)} if heap else totals


# ------------------------------------------------------------------ runs and checks

def measured(argv: list[str], engine: str, events_folder: Path) -> Measures:
    """One command's measures; a Spark command's include its event log's, in ``events_folder``."""
    if engine == "local":
        return run_watched(argv, dict(os.environ))
    events_folder.mkdir()
    return {**run_watched(argv, event_log_env(events_folder)), **spark_measures(events_folder)}


def medians(runs: list[Measures]) -> Measures:
    """Each measure's median over the runs that have it."""
    keys = {key for run in runs for key in run}
    return {key: statistics.median(run[key] for run in runs if key in run) for key in keys}


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


# ------------------------------------------------------------------ report

def cell(value: float | None, column: Column) -> str:
    """A measure in its column's unit and format; "—" for one the engine lacks."""
    return "—" if value is None else f"{value / column.unit:,.{column.digits}f}"


def ratio(spark: float | None, local: float | None) -> str:
    """Spark's measure over the local one's, where both engines have it."""
    return "—" if spark is None or not local else f"{spark / local:.2f}"


def table(results: dict[str, dict[str, Measures]]) -> str:
    """Markdown: per command, a row per engine and their ratio; a column per measure."""
    lines = ["| command | engine | " + " | ".join(column.heading for column in COLUMNS) + " |",
             "|---|---|" + "---:|" * len(COLUMNS)]
    for step, label in STEPS.items():
        local, spark = results["local"][step], results["spark"][step]
        for name, engine in (("local", local), ("spark", spark)):
            cells = [cell(engine.get(column.key), column) for column in COLUMNS]
            lines.append(f"| {label if name == 'local' else ''} | {name} | " + " | ".join(cells) + " |")
        cells = [ratio(spark.get(column.key), local.get(column.key)) for column in COLUMNS]
        lines.append("| | spark ÷ local | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def benchmark_scale(scale: str, people: int | None, repeat: int) -> bool:
    """Run and print one scale's table; whether both engines wrote the same model and lists."""
    release = synthetic_release(SCALES[scale])
    results: dict[str, dict[str, Measures]] = {}
    with tempfile.TemporaryDirectory(prefix="cinerec-spark-bench-") as work:
        root = Path(work)
        profiles = root / "profiles.csv"
        people = min(people or SCALES[scale].users, SCALES[scale].users)
        profiles.write_text("user_id\n" + "".join(f"{user}\n" for user in range(1, people + 1)))
        for engine in ENGINES:
            runs: dict[str, list[Measures]] = {step: [] for step in STEPS}
            for run in range(repeat):
                model, out = root / f"model-{engine}-{run}", root / f"recs-{engine}-{run}"
                out = out if engine == "spark" else out.with_suffix(".csv")
                argv = {"build": ["build", str(release), "--out", str(model), "--no-report", "--engine", engine],
                        "batch": ["recommend-batch", "--model", str(model), "--input", str(profiles), "--out",
                                  str(out), "--engine", engine]}
                for step in STEPS:
                    runs[step].append(measured(argv[step], engine, root / f"events-{step}-{run}"))
            results[engine] = {step: medians(measures) for step, measures in runs.items()}
        identical_model = same_model(root / "model-local-0", root / "model-spark-0")
        identical_lists = lists(root / "recs-local-0.csv") == lists(root / "recs-spark-0")
    print(f"{SCALES[scale].describe()}; batch: {people:,} known users; median of {repeat} run(s)\n")
    print(table(results))
    print(f"\nsame model directory, byte for byte: {identical_model}; same lists: {identical_lists}\n")
    return identical_model and identical_lists


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), nargs="+", default=["5m"],
                        help="synthetic release(s), a table each (default 5m)")
    parser.add_argument("--people", type=int, default=None,
                        help="people in the batch (default: every user of the release)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command (medians reported)")
    args = parser.parse_args(argv)
    identical = [benchmark_scale(scale, args.people, args.repeat) for scale in args.scale]
    return 0 if all(identical) else 1


if __name__ == "__main__":
    sys.exit(main())
