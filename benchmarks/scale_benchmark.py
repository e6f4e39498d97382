"""Issue 6's scale suite: cinerec at MovieLens-25M size beside its peers, and how it grows.

One command runs everything, at 1M, 5M and 25M ratings (synthetic releases of ML-25M's
shape with ml-1m-style demographics for 4% of the users, see :mod:`benchmarks.datasets`)::

    python -m benchmarks.scale_benchmark [--scales 1m 5m 25m] [--repeat 3] [--out bench-out]

At each scale, side by side in one run (every row in fresh processes, rounds interleaved,
medians reported; see :mod:`benchmarks.harness`):

* reading: the read suite's rows (:mod:`benchmarks.read_benchmark`), reused as they are;
* the whole ``cinerec build`` (warm Parquet cache, build report included as by
  default): seconds, peak RSS and the model directory's size, with each component's
  fit seconds (the build's own step timings) and the process's peak RSS reached by the
  end of each step — so the row that raises the peak is the one to look at;
* serving: ``Engine.load``; in-process latency p50/p99 of ``Engine.recommend`` for new
  people (5 liked movies and demographics), for newcomers who name one of the most-rated
  movies (the most fans to ask) and for known users, many queries in one process after one load; ``recommend_batch`` throughput for up to 10,000 known users;
* the peers on the same data (:mod:`benchmarks.peers_benchmark`): implicit's item-kNN
  and ALS fits (when importable) and the seed's dense similarity, extrapolated.

Each scale's full table goes to ``<out>/scale-<scale>.{md,json}``; then
``<out>/scale-summary.md`` sets the figures against the project's speed targets with each cost's
growth exponent (1.0 = linear in ratings), and ``<out>/scale-growth.png`` plots the
growth (:mod:`benchmarks.growth`). ``python -m benchmarks.run --suite scale`` runs one
scale with the other suites' generic table only.

The runner process stays on the standard library (the harness explains why): results
are read back from the JSON files, and the plot is drawn in a child.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import peers_benchmark, read_benchmark
from benchmarks.datasets import SCALES, DataShape, benchmark_data_dir, synthetic_release
from benchmarks.harness import (
    BenchmarkError, JsonValue, Measurement, Suite, SuitePlan, add_run_options, command_line, peak_rss, run_in_child,
    run_suite, write_results,
)
from benchmarks.peers_benchmark import TIMED

if TYPE_CHECKING:  # the runner stays on the standard library; children import these on use
    import numpy as np

    from cinerec.engine import Engine
    from cinerec.profile import Profile

LATENCY_QUERIES = 300
#: Queries answered (and not counted) after the first, so percentiles describe a warm engine.
WARMUP_QUERIES = 10
LIKED_MOVIES = 5
#: New people's liked movies are drawn from this many most-rated movies (people name known films).
POPULAR_POOL = 1_000
#: One-movie newcomers name one of this many most-rated movies: the most fans to ask.
BLOCKBUSTERS = 100
BATCH_USERS = 2_000
RECOMMENDATIONS = 10
SEED = 20261129
GB = 1e9
SUMMARY_FILE = "scale-summary.md"
GROWTH_FILE = "scale-growth.png"

DATA_MODULES = ("numpy", "pandas", "cinerec.data.readers", "cinerec.build")
ENGINE_MODULES = ("numpy", "pandas", "cinerec.engine", "cinerec.build", "cinerec.catalogue", "cinerec.profile",
                   "cinerec.models.also_liked", "cinerec.models.content", "cinerec.models.demographic",
                   "cinerec.models.ease", "cinerec.models.popular")


def model_dir(shape: DataShape) -> Path:
    """Where the build row writes its model, which the serving rows then open."""
    return benchmark_data_dir() / "models" / shape.key


def prepare(shape: DataShape) -> SuitePlan:
    """Ready the release (via the read suite: generated, Parquet cache warm) and plan every row.

    The build row must precede the serving rows (they open the model it writes), and a
    model left by an earlier run is removed first, so that no row ever measures a model
    built by other code.
    """
    read = read_benchmark.prepare(shape)
    folder = synthetic_release(shape)
    model = model_dir(shape)
    shutil.rmtree(model, ignore_errors=True)
    build = Measurement("build", "whole `cinerec build` (warm Parquet cache, with its report)",
                        "benchmarks.scale_benchmark:build_model_directory", (str(model), str(folder)), DATA_MODULES)
    serving = (
        Measurement("load", "`Engine.load` of the model directory", "benchmarks.scale_benchmark:load_model",
                    (str(model),), ENGINE_MODULES),
        Measurement("latency", f"{LATENCY_QUERIES} new (5 movies), {LATENCY_QUERIES} new (1 blockbuster) and "
                    f"{LATENCY_QUERIES} known-user `Engine.recommend` calls",
                    "benchmarks.scale_benchmark:query_latency", (str(model), LATENCY_QUERIES), ENGINE_MODULES),
        Measurement("batch", f"`recommend_batch` for-you, up to {BATCH_USERS:,} known users",
                    "benchmarks.scale_benchmark:batch_recommend", (str(model), BATCH_USERS), ENGINE_MODULES),
    )
    peers, peer_notes = peers_benchmark.measurements(folder)
    notes = (
        *read.notes,
        "Rows that must load data or a model first (latency, batch, peers) show the whole call in this "
        "table; the child also times the work alone (`timed_seconds` in the JSON), which is what "
        f"`{SUMMARY_FILE}` reports. The build row writes the model directory that the serving rows open.",
        *peer_notes,
    )
    return SuitePlan(read.data, (*read.measurements, build, *serving, *peers), notes)


SUITE = Suite("scale", "cinerec at MovieLens-25M scale", prepare)


# --------------------------------------------------------- run in child processes
def build_model_directory(out: str, *folders: str) -> dict[str, JsonValue]:
    """What ``cinerec build FOLDER [FOLDER ...] --out OUT`` runs (:func:`cinerec.build.build_model`'s
    read, which combines several releases, then :func:`~cinerec.build.build_from_dataset` with the
    CLI's default options), noting the process's peak RSS so far after reading and after each
    component's fit. ``out`` comes first so that any number of releases can follow.

    Reports the model's size on disk, the build's own step timings (``step:NAME``) and
    the peaks (``peak_after:NAME``, MiB).
    """
    import resource
    import time

    from cinerec.build import BuildOptions, build_from_dataset
    from cinerec.data.readers import load_datasets

    peaks: dict[str, JsonValue] = {}

    def note_peak(step: str, _seconds: float = 0.0) -> None:
        peaks[f"peak_after:{step}"] = (peak_rss() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**20

    started = time.perf_counter()
    dataset, _ = load_datasets(folders)
    read_seconds = time.perf_counter() - started
    note_peak("read")
    result = build_from_dataset(dataset, out, BuildOptions(), on_step=note_peak)
    files = [path for path in Path(out).rglob("*") if path.is_file()]
    return {"model_bytes": sum(path.stat().st_size for path in files), "files": len(files),
            "step:read": read_seconds, **{f"step:{step}": seconds for step, seconds in result.timings.items()},
            **peaks}


def load_model(model: str) -> dict[str, JsonValue]:
    from cinerec.engine import Engine

    engine = Engine.load(model)
    return {"movies": int(engine.movie_ids.size), "users": len(engine.users)}


def query_latency(model: str, queries: int) -> dict[str, JsonValue]:
    """Per-call latency of ``Engine.recommend`` (all four sections) after one load.

    New people name :data:`LIKED_MOVIES` of the most-rated movies and give all four
    demographics; one-movie newcomers name one of the :data:`BLOCKBUSTERS` most-rated
    movies, with demographics; known users are drawn from the model's users. The very
    first call (lazy caches, first page faults of the memory-mapped arrays) is reported apart.
    """
    import time

    import numpy as np

    from cinerec.engine import Engine

    engine = Engine.load(model)
    rng = np.random.default_rng(SEED)
    newcomers = [_new_person(engine, rng) for _ in range(queries + WARMUP_QUERIES)]
    one_movie = [_new_person(engine, rng, liked=1, pool=BLOCKBUSTERS) for _ in range(queries)]
    users = engine.users["user_id"].to_numpy()
    known = [_known_person(int(user)) for user in rng.choice(users, size=queries, replace=users.size < queries)]

    def latencies_ms(people: list[Profile]) -> np.ndarray:
        seconds = []
        for person in people:
            started = time.perf_counter()
            engine.recommend(person, n=RECOMMENDATIONS)
            seconds.append(time.perf_counter() - started)
        return np.asarray(seconds) * 1e3

    first_ms = float(latencies_ms(newcomers[:1])[0])
    latencies_ms(newcomers[1:WARMUP_QUERIES])
    timed = {"new": latencies_ms(newcomers[WARMUP_QUERIES:]), "new_one": latencies_ms(one_movie),
             "known": latencies_ms(known)}
    return {"queries": queries, "first_query_ms": first_ms,
            **{f"{who}_p{q}_ms": float(np.percentile(ms, q)) for who, ms in timed.items() for q in (50, 99)}}


def batch_recommend(model: str, users: int) -> dict[str, JsonValue]:
    """Top-10 *For you* for up to ``users`` known users in one ``recommend_batch`` call."""
    import time

    import numpy as np

    from cinerec.batch import recommend_batch
    from cinerec.engine import Engine

    engine = Engine.load(model)
    known = engine.users["user_id"].to_numpy()
    chosen = np.random.default_rng(SEED).choice(known, size=min(users, known.size), replace=False)
    people = [_known_person(int(user)) for user in chosen]
    started = time.perf_counter()
    rows = recommend_batch(engine, people, n=RECOMMENDATIONS, kind="for-you")
    seconds = time.perf_counter() - started
    return {TIMED: seconds, "users": len(people), "rows": len(rows), "users_per_second": len(people) / seconds}


def _new_person(engine: Engine, rng: np.random.Generator, liked: int = LIKED_MOVIES,
                pool: int = POPULAR_POOL) -> Profile:
    """A newcomer: ``liked`` of the ``pool`` most-rated movies liked, and all four demographics given."""
    import numpy as np

    from cinerec.data import vocabulary as vocab
    from cinerec.profile import Profile

    most_rated = np.argsort(-engine.movies["n_ratings"].to_numpy(), kind="stable")[:pool]
    liked = engine.movie_ids[rng.choice(most_rated, size=min(liked, most_rated.size), replace=False)]
    return Profile(liked=tuple(int(movie) for movie in liked), gender=str(rng.choice(vocab.GENDERS)),
                   age_band=str(rng.choice(vocab.AGE_BANDS)), occupation=str(rng.choice(vocab.OCCUPATIONS)),
                   zip=f"{int(rng.integers(10_000, 100_000)):05d}")


def _known_person(user_id: int) -> Profile:
    from cinerec.profile import Profile

    return Profile(user_id=user_id)


# ------------------------------------------------- reading results back (stdlib only)
@dataclass(frozen=True)
class ScaleRun:
    """One scale's suite result, as written to ``scale-<scale>.json``."""

    scale: str
    result: dict[str, Any]

    @classmethod
    def read(cls, out_dir: Path, scale: str) -> ScaleRun:
        path = out_dir / f"{SUITE.name}-{scale}.json"
        try:
            return cls(scale, json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise BenchmarkError(f"{path}: cannot read the {scale} results ({exc})") from None

    def has(self, name: str) -> bool:
        return any(m["name"] == name for m in self.result["measurements"])

    def _measurement(self, name: str) -> dict[str, Any]:
        return next(m for m in self.result["measurements"] if m["name"] == name)

    def fact(self, name: str, key: str) -> float | None:
        """Median over runs of a fact the child reported; ``None`` when the row is absent."""
        if not self.has(name):
            return None
        values = [run["facts"][key] for run in self._measurement(name)["runs"] if key in run["facts"]]
        return statistics.median(values) if values else None

    def seconds(self, name: str) -> float | None:
        """The row's own work: the child's ``timed_seconds`` where it reports one, else the call."""
        if not self.has(name):
            return None
        timed = self.fact(name, TIMED)
        return timed if timed is not None else self._measurement(name)["median_seconds"]

    def peak_mib(self, name: str) -> float | None:
        return self._measurement(name)["median_peak_rss_mib"] if self.has(name) else None

    @property
    def ratings(self) -> int:
        return int(self.fact("read_movielens", "ratings") or 0)

    def build_steps(self) -> list[str]:
        """The whole build's steps (read, each component, write, report) in the order it ran them."""
        return [key.removeprefix("step:") for key in self.first_facts("build") if key.startswith("step:")]

    def first_facts(self, name: str) -> dict[str, Any]:
        """The facts of a row's first run (what every run of the row reports alike); empty
        when the row is absent."""
        return self._measurement(name)["runs"][0]["facts"] if self.has(name) else {}

    def cost(self, name: str) -> float | None:
        """Seconds of a cost of :func:`cost_labels`: a row, a build step (``step:NAME``), or
        the seed's dense similarity's *extrapolated* full-catalogue time."""
        if name.startswith("step:"):
            return self.fact("build", name)
        if name == "seed_dense_cosine":
            return self.fact(name, "extrapolated_seconds")
        return self.seconds(name)

    def cost_peak_mib(self, name: str) -> float | None:
        """Peak RSS of a cost's process; for a build step, the build's peak so far after it."""
        if name.startswith("step:"):
            return self.fact("build", f"peak_after:{name.removeprefix('step:')}")
        return self.peak_mib(name)

    def load_range(self) -> tuple[float, float]:
        loads = [run["load_average"] for m in self.result["measurements"] for run in m["runs"]]
        return min(loads), max(loads)


def cost_labels(run: ScaleRun) -> dict[str, str]:
    """Every cost the growth table and plot follow, name → label, in table order."""
    return {"read_movielens": "read (cinerec parse + checks)", "load_dataset": "load parsed dataset",
            **{f"step:{step}": f"build step: {step}" for step in run.build_steps()}, "build": "whole cinerec build",
            "load": "Engine.load", **{name: name.replace("_", " ") for name in peers_benchmark.IMPLICIT_MODELS},
            "seed_dense_cosine": "seed dense cosine, full matrix (extrapolated)"}


def growth_series(runs: Sequence[ScaleRun]) -> dict[str, list[tuple[int, float]]]:
    """(ratings, seconds) at each scale for every cost of :func:`cost_labels` that all runs measured."""
    series = {}
    for name in cost_labels(runs[-1]):
        points = [(run.ratings, run.cost(name)) for run in runs]
        if all(seconds is not None for _, seconds in points):
            series[name] = points
    return series  # type: ignore[return-value]


def growth_exponent(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) on log(ratings): 1.0 = linear, 2.0 = quadratic."""
    usable = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in usable}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in usable)
    mean_y = statistics.fmean(y for _, y in usable)
    return (sum((x - mean_x) * (y - mean_y) for x, y in usable)
            / sum((x - mean_x) ** 2 for x, _ in usable))


# ------------------------------------------------------------------- the summary
#: Growth exponents up to this count as "about linear" (measurement noise at small scales).
ABOUT_LINEAR = 1.2


def summary_markdown(runs: Sequence[ScaleRun]) -> str:
    """Issue 6's targets at the largest scale, then every cost at every scale with its growth
    (with the command that measured them, as the results recorded it)."""
    largest = max(runs, key=lambda run: run.ratings)
    series = growth_series(runs)
    by_cost = sorted(largest.build_steps(), key=lambda step: -(largest.cost(f"step:{step}") or 0))
    steps = ", ".join(f"{step} {largest.cost(f'step:{step}'):.1f} s{peak_text(largest.cost_peak_mib(f'step:{step}'))}"
                      for step in by_cost)
    lines = [f"### cinerec at MovieLens-25M scale: targets ({largest.scale})", "",
             largest.result["data"], "",
             "| Target | measured | limit | met |", "|---|---:|---:|:-:|",
             *_target_rows(largest, growth_exponent(series.get("build", []))), "",
             f"Where the whole build's time and memory went (its own step timings, median, costliest first; "
             f"in brackets, the process's peak RSS so far in MiB at the end of each step): {steps}.", "",
             "#### Every cost at every scale", "",
             _scale_table(runs, series), "",
             _serving_table(runs), "",
             "Growth exponent: least-squares slope of log(seconds) on log(ratings) (1.0 = linear); plotted in "
             f"`{GROWTH_FILE}`. Seconds are medians of {largest.result['repeat']} fresh-process runs of the work "
             "alone (data or model loading excluded where a row needs it first); peak RSS is the whole process's "
             "(MiB, in brackets; for a build step, the build's peak so far at its end). Targets use decimal units (1 GB = 10⁹ bytes).", "",
             *(line for note in largest.result["notes"] for line in (note, "")),
             _environment_line(runs), "", *_commands(runs), ""]
    return "\n".join(lines)


def shown(value: float | None, spec: str, unit: str = "") -> str:
    """``value`` formatted, or a dash when it was not measured."""
    return "–" if value is None else f"{value:{spec}}{unit}"


def peak_text(mib: float | None) -> str:
    """" (1,234)": a peak RSS in MiB beside a time, or nothing where none was taken."""
    return "" if mib is None else f" ({mib:,.0f})"


#: Issue 6's limits at 25M ratings (seconds, decimal GB, milliseconds).
BUILD_SECONDS, BUILD_PEAK_GB, MODEL_GB, LOAD_SECONDS, P99_MS = 150.0, 8.0, 1.0, 2.0, 20.0


def target_row(label: str, value: float | None, limit: float | None, spec: str, unit: str, detail: str = "") -> str:
    """A row of a targets table: the measured value against its limit (none: only shown)."""
    met = "–" if value is None or limit is None else ("yes" if value <= limit else "**no**")
    return f"| {label} | {shown(value, spec, unit)}{detail} | {'–' if limit is None else f'{limit:g}{unit}'} | {met} |"


def build_target_rows(run: ScaleRun) -> list[str]:
    """The whole build's seconds, peak RSS and model directory against their limits."""
    peak_mib, model_bytes = run.peak_mib("build"), run.fact("build", "model_bytes")
    return [target_row("whole `cinerec build`", run.seconds("build"), BUILD_SECONDS, ".1f", " s"),
            target_row("whole build peak RSS", None if peak_mib is None else peak_mib * 2**20 / GB, BUILD_PEAK_GB,
                       ".2f", " GB"),
            target_row("model directory on disk", None if model_bytes is None else model_bytes / GB, MODEL_GB,
                       ".3f", " GB")]


def serving_target_rows(run: ScaleRun) -> list[str]:
    """Load time and recommendation p99 for new and known people against their limits."""
    rows = [target_row("`Engine.load`", run.seconds("load"), LOAD_SECONDS, ".2f", " s")]
    for who, label in (("new", "new user, 5 movies"), ("new_one", "new user, 1 blockbuster"),
                       ("known", "known user")):
        rows.append(target_row(f"recommend p99, {label}", run.fact("latency", f"{who}_p99_ms"), P99_MS, ".1f",
                               " ms", f" (p50 {shown(run.fact('latency', f'{who}_p50_ms'), '.1f')})"))
    return rows


def _target_rows(run: ScaleRun, build_exponent: float | None) -> list[str]:
    also_liked = run.cost("step:also_liked")
    bm25 = run.seconds("implicit_bm25")
    ratio = also_liked / bm25 if also_liked is not None and bm25 else None
    return [*build_target_rows(run),
            target_row("*also liked* fit / implicit BM25 item-kNN fit", ratio, 1.0, ".2f", "",
                       "" if ratio is None else f" ({also_liked:.1f} s / {bm25:.1f} s)"),
            *serving_target_rows(run),
            target_row("whole build growth exponent (1 = linear)", build_exponent, ABOUT_LINEAR, ".2f", "")]


def _scale_table(runs: Sequence[ScaleRun], series: dict[str, list[tuple[int, float]]]) -> str:
    header = " | ".join(f"{run.scale} ({run.ratings / 1e6:.1f}M ratings)" for run in runs)
    lines = [f"| Cost: seconds (peak RSS MiB) | {header} | growth exponent |", "|---|" + "---:|" * (len(runs) + 1)]
    labels = cost_labels(runs[-1])
    for name, points in series.items():
        cells = [f"{seconds:,.2f}{peak_text(run.cost_peak_mib(name))}" for run, (_, seconds) in zip(runs, points)]
        lines.append(f"| {labels[name]} | {' | '.join(cells)} | {shown(growth_exponent(points), '.2f')} |")
    return "\n".join(lines)


def _serving_table(runs: Sequence[ScaleRun]) -> str:
    lines = ["| Scale | model dir MB | load s | first query ms | new user p50 / p99 ms "
             "| new user, 1 blockbuster p50 / p99 ms | known user p50 / p99 ms "
             "| batch users/s | seed dense matrix, full (extrapolated) |", "|---|" + "---:|" * 8]
    for run in runs:
        model_bytes, dense_bytes = run.fact("build", "model_bytes"), run.fact("seed_dense_cosine", "full_matrix_bytes")
        latency = {key: shown(run.fact("latency", f"{key}_ms"), ".1f")
                   for key in ("first_query", "new_p50", "new_p99", "new_one_p50", "new_one_p99", "known_p50",
                               "known_p99")}
        lines.append(
            f"| {run.scale} | {shown(None if model_bytes is None else model_bytes / 1e6, ',.0f')} "
            f"| {shown(run.seconds('load'), '.2f')} | {latency['first_query']} "
            f"| {latency['new_p50']} / {latency['new_p99']} | {latency['new_one_p50']} / {latency['new_one_p99']} "
            f"| {latency['known_p50']} / {latency['known_p99']} "
            f"| {shown(run.fact('batch', 'users_per_second'), ',.0f')} "
            f"| {shown(None if dense_bytes is None else dense_bytes / GB, ',.2f', ' GB')}, "
            f"{shown(run.cost('seed_dense_cosine'), ',.0f', ' s')} |")
    return "\n".join(lines)


def _commands(runs: Sequence[ScaleRun]) -> list[str]:
    commands = list(dict.fromkeys(run.result["command"] for run in runs))
    return [f"Command: `{commands[0]}`"] if len(commands) == 1 else \
        ["Commands:", *(f"- {run.scale}: `{run.result['command']}`" for run in runs)]


def _environment_line(runs: Sequence[ScaleRun]) -> str:
    environment = runs[-1].result["environment"]
    versions = ", ".join(f"{name} {version}" for name, version in environment["versions"].items())
    loads = "; ".join(f"{run.scale} {low:.1f}–{high:.1f}" for run in runs for low, high in [run.load_range()])
    return (f"Machine: {environment['cpus']} CPUs, {environment['platform']}, Python {environment['python']}, "
            f"{versions}. Load average (1 min) as runs ended: {loads} (the runs' own threads count).")


# ------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_benchmark",
                                     description="Measure cinerec's build and queries at 1M, 5M and 25M ratings "
                                                 "beside implicit and the seed's dense similarity.")
    parser.add_argument("--scales", nargs="+", choices=list(SCALES), default=list(SCALES),
                        help="scales to run (default: all)")
    add_run_options(parser, "tables, JSON and the plot")
    parser.add_argument("--summary-only", action="store_true",
                        help="measure nothing: redo the summary and plot from the scales' JSON already in --out")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = command_line("benchmarks.scale_benchmark", argv)
    scales = sorted(dict.fromkeys(args.scales), key=lambda scale: SCALES[scale].ratings)
    try:
        for scale in scales if not args.summary_only else ():
            result = run_suite(SUITE, SCALES[scale], repeat=args.repeat, command=command)
            json_path, _ = write_results(result, args.out)
            print(f"(the {scale} table is in {json_path.with_suffix('.md')})", file=sys.stderr, flush=True)
        runs = [ScaleRun.read(args.out, scale) for scale in scales]
        summary = args.out / SUMMARY_FILE
        summary.write_text(summary_markdown(runs))
        run_in_child(Measurement("plot", "growth plot", "benchmarks.growth:plot_growth",
                                 (str(args.out), *scales), ("matplotlib.pyplot",)))
    except BenchmarkError as exc:
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        return 1
    print(summary.read_text(), flush=True)
    print(f"(written to {summary} and {args.out / GROWTH_FILE})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
