"""Issue 6's combined build: MovieLens 1M + 25M as ``cinerec build ML1M ML25M`` makes it.

The seed paired ml-1m (6,040 users with demographics) with ml-25m (tags, recent movies),
and so do our users; the scale suite (:mod:`benchmarks.scale_benchmark`) measures one
release per scale. This suite measures the pairing itself, on synthetic releases of both
shapes (:data:`benchmarks.datasets.COMBINATIONS`)::

    python -m benchmarks.combined_benchmark [--combination 1m+25m] [--repeat 3] [--out bench-out]

Side by side in one run (every row in fresh processes, rounds interleaved, medians; see
:mod:`benchmarks.harness`):

* reading both releases from their warm Parquet caches and combining them (users kept
  apart per release, movies joined by MovieLens id), with what combining found: matched
  movies, users and ratings per release; the combine's own seconds and memory apart;
* the whole ``cinerec build`` of both folders: seconds, peak RSS, the model directory's
  size and the build's step timings, as in the scale suite;
* ``Engine.load``; ``Engine.recommend`` latency (p50, p99) for new people (five movies, or
  one blockbuster) and known ones;
* that known users of *every* release get a full *For you* list.

The suite's table goes to ``<out>/combined-<name>.{md,json}``; the figures set against
the speed targets go to ``<out>/combined-<name>-summary.md`` and to standard output.
The runner stays on the standard library (the harness explains why).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.datasets import COMBINATIONS, Combination, benchmark_data_dir, combination_folders
from benchmarks.harness import (
    MIB, BenchmarkError, JsonValue, Measurement, Suite, SuitePlan, add_run_options, command_line, peak_rss,
    run_in_child, run_suite, write_results,
)
from benchmarks.scale_benchmark import (  # its rows' preloads and targets, so both suites measure alike
    DATA_MODULES, ENGINE_MODULES, LATENCY_QUERIES, RECOMMENDATIONS, SEED, ScaleRun, build_target_rows, peak_text,
    serving_target_rows, shown, target_row,
)

DEFAULT_COMBINATION = "1m+25m"
#: Known users asked per release in the every-release check.
USERS_PER_RELEASE = 50


def model_dir(combination: Combination) -> Path:
    """Where the build row writes the combined model, which the serving rows then open."""
    return benchmark_data_dir() / "models" / combination.key


def prepare(combination: Combination) -> SuitePlan:
    """Ready every release (generated, Parquet cache warm) and plan the rows.

    As in the scale suite, the build row precedes the serving rows that open its model,
    and a model left by an earlier run is removed first.
    """
    folders = [str(folder) for folder in combination_folders(combination)]
    for folder in folders:
        run_in_child(Measurement("warm_cache", f"fill the Parquet cache of {folder}",
                                 "benchmarks.read_benchmark:warm_cache", (folder,)))
    model = str(model_dir(combination))
    shutil.rmtree(model, ignore_errors=True)
    measurements = (
        Measurement("read_combine", "read every release (warm Parquet cache) and combine them",
                    "benchmarks.combined_benchmark:read_and_combine", tuple(folders), DATA_MODULES),
        Measurement("build", "whole `cinerec build` of every release (warm Parquet cache, with its report)",
                    "benchmarks.scale_benchmark:build_model_directory", (model, *folders), DATA_MODULES),
        Measurement("load", "`Engine.load` of the model directory", "benchmarks.scale_benchmark:load_model",
                    (model,), ENGINE_MODULES),
        Measurement("latency", f"{LATENCY_QUERIES} new (5 movies), {LATENCY_QUERIES} new (1 blockbuster) and "
                    f"{LATENCY_QUERIES} known-user `Engine.recommend` calls",
                    "benchmarks.scale_benchmark:query_latency", (model, LATENCY_QUERIES), ENGINE_MODULES),
        Measurement("releases", f"`Engine.recommend` for {USERS_PER_RELEASE} known users of each release",
                    "benchmarks.combined_benchmark:answers_by_release", (model, USERS_PER_RELEASE),
                    ENGINE_MODULES),
    )
    data = (f"Data: a {combination.describe()}, combined as `cinerec build` combines several folders "
            "(users kept apart per release, movies joined by MovieLens id). A warm-up read fills each "
            "release's Parquet cache before the runs.")
    notes = ("The read row times loading each release and combining them apart (`step:load`, `step:combine` "
             "in the JSON); the build row's `step:read` is the same work inside the build. The build row "
             "writes the model directory that the serving rows open.",
             "The synthetic releases draw their catalogues independently, so every movie id they share is "
             "titled differently in each (real ml-1m and ml-25m mostly agree); combining lists each such pair.")
    return SuitePlan(data, measurements, notes)


SUITE = Suite("combined", "cinerec on combined MovieLens releases", prepare)


# --------------------------------------------------------- run in child processes
def read_and_combine(*folders: str) -> dict[str, JsonValue]:
    """:func:`~cinerec.data.readers.load_datasets` in its two steps — each release from its
    Parquet cache, then :func:`~cinerec.data.combine.combine` — so that combining's own
    seconds and memory show, with what it found (``only_in:``, ``users:``, ``ratings:``
    per release label)."""
    import time

    from cinerec.data.combine import combine
    from cinerec.data.readers import load_dataset

    started = time.perf_counter()
    datasets = [load_dataset(folder) for folder in folders]
    loaded, peak_loaded = time.perf_counter(), peak_rss()
    combined, summary = combine(datasets)
    combined_at, peak_combined = time.perf_counter(), peak_rss()
    facts: dict[str, JsonValue] = {
        "step:load": loaded - started, "step:combine": combined_at - loaded,
        "peak_after:load": None if peak_loaded is None else peak_loaded / MIB,
        "peak_after:combine": None if peak_combined is None else peak_combined / MIB,
        "matched_movies": summary.matched_movies, "title_disagreements": len(summary.title_disagreements),
        **{name: value for name, value in combined.counts().items() if name in ("users", "movies", "ratings", "tags")},
    }
    for label, dataset in zip(summary.releases, datasets):
        counts = dataset.counts()
        facts |= {f"only_in:{label}": summary.only_in[label], f"users:{label}": counts["users"],
                  f"ratings:{label}": counts["ratings"],
                  f"users_with_demographics:{label}": counts["users_with_demographics"]}
    return facts


def answers_by_release(model: str, per_release: int) -> dict[str, JsonValue]:
    """Ask for the four sections for up to ``per_release`` known users of each release.

    Reports per release (``users:``, ``asked:``) how many got a full *For you* list
    (``for_you:``) and a *people like you* list (``people_like_you:``; it needs
    demographics, which only some releases carry).
    """
    import numpy as np

    from cinerec.engine import Engine
    from cinerec.profile import Profile

    engine = Engine.load(model)
    rng = np.random.default_rng(SEED)
    facts: dict[str, JsonValue] = {}
    for release, user_ids in engine.users.groupby("release", sort=False, observed=True)["user_id"]:
        chosen = rng.choice(user_ids.to_numpy(), size=min(per_release, len(user_ids)), replace=False)
        answers = [engine.recommend(Profile(user_id=int(user)), n=RECOMMENDATIONS) for user in chosen]
        facts |= {
            f"users:{release}": len(user_ids), f"asked:{release}": len(answers),
            f"for_you:{release}": sum(len(a.section("for_you").items) == RECOMMENDATIONS for a in answers),
            f"people_like_you:{release}": sum(bool(a.section("people_like_you").items) for a in answers),
        }
    return facts


# ------------------------------------------------- the summary (stdlib only)
def release_labels(run: ScaleRun, measurement: str) -> list[str]:
    """The release labels a row reported facts for (keys ``users:LABEL``), in its order."""
    facts = run.first_facts(measurement)
    return [key.removeprefix("users:") for key in facts if key.startswith("users:")]


def every_release_answered(run: ScaleRun) -> bool | None:
    """Whether every asked known user of every release got a full *For you* list."""
    labels = release_labels(run, "releases")
    if not labels:
        return None
    facts = run.first_facts("releases")
    return all(facts[f"for_you:{label}"] == facts[f"asked:{label}"] > 0 for label in labels)


def summary_markdown(run: ScaleRun) -> str:
    """The combined build's figures against the speed targets, what combining found, and
    where the build's time went (with the command, as the results recorded it)."""
    result = run.result
    steps = sorted(run.build_steps(), key=lambda step: -(run.cost(f"step:{step}") or 0))
    step_text = ", ".join(f"{step} {run.cost(f'step:{step}'):.1f} s{peak_text(run.cost_peak_mib(f'step:{step}'))}"
                          for step in steps)
    lowest, highest = run.load_range()
    lines = [f"### {result['title']}: targets ({run.scale})", "", result["data"], "",
             "| Target | measured | limit | met |", "|---|---:|---:|:-:|", *_target_rows(run), "",
             _combine_line(run), "", _releases_line(run), "",
             f"Where the whole build's time and memory went (its own step timings, median, costliest first; "
             f"in brackets, the process's peak RSS so far in MiB at the end of each step): {step_text}.", "",
             f"Medians of {result['repeat']} fresh-process runs; targets use decimal units (1 GB = 10⁹ bytes). "
             f"Load average (1 min) as runs ended: {lowest:.1f}–{highest:.1f} on {result['environment']['cpus']} "
             "CPUs (the runs' own threads count).", "",
             f"Command: `{result['command']}`", ""]
    return "\n".join(lines)


def _target_rows(run: ScaleRun) -> list[str]:
    combining = (f" (combine alone {shown(run.fact('read_combine', 'step:combine'), '.1f')} s; "
                 f"peak {shown(run.peak_mib('read_combine'), ',.0f')} MiB, "
                 f"{shown(run.fact('read_combine', 'peak_after:combine'), ',.0f')} MiB by the end of the combine)")
    answered = every_release_answered(run)
    answered_cell, met = ("–", "–") if answered is None else ("all", "yes") if answered else ("not all", "**no**")
    return [target_row("read both releases + combine (warm cache)", run.seconds("read_combine"), None, ".1f", " s",
                       combining),
            *build_target_rows(run), *serving_target_rows(run),
            f"| known users of every release get *For you* | {answered_cell} | all | {met} |"]


def _combine_line(run: ScaleRun) -> str:
    labels = release_labels(run, "read_combine")
    if not labels:
        return "Combining: not measured."
    per_release = "; ".join(
        f"{label}: {run.fact('read_combine', f'users:{label}'):,.0f} users "
        f"({run.fact('read_combine', f'users_with_demographics:{label}'):,.0f} with demographics), "
        f"{run.fact('read_combine', f'ratings:{label}'):,.0f} ratings, "
        f"{run.fact('read_combine', f'only_in:{label}'):,.0f} movies only here" for label in labels)
    return (f"Combining found {run.fact('read_combine', 'matched_movies'):,.0f} movies in more than one release "
            f"({run.fact('read_combine', 'title_disagreements'):,.0f} titled differently) and gave "
            f"{run.fact('read_combine', 'users'):,.0f} users, {run.fact('read_combine', 'movies'):,.0f} movies and "
            f"{run.fact('read_combine', 'ratings'):,.0f} ratings in all. Per release — {per_release}.")


def _releases_line(run: ScaleRun) -> str:
    labels = release_labels(run, "releases")
    if not labels:
        return "Known users per release: not measured."
    facts = run.first_facts("releases")
    answers = "; ".join(f"{label}: {facts[f'for_you:{label}']} of {facts[f'asked:{label}']} got a full *For you*, "
                        f"{facts[f'people_like_you:{label}']} a *people like you* list" for label in labels)
    return f"Known users asked per release (every release's users must be answered): {answers}."


# ------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.combined_benchmark",
                                     description="Measure cinerec's build and queries on MovieLens 1M and 25M "
                                                 "combined, as `cinerec build ML1M ML25M` makes them.")
    parser.add_argument("--combination", choices=list(COMBINATIONS), default=DEFAULT_COMBINATION,
                        help=f"releases to combine (default: {DEFAULT_COMBINATION})")
    add_run_options(parser, "the tables and JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = command_line("benchmarks.combined_benchmark", argv)
    try:
        result = run_suite(SUITE, COMBINATIONS[args.combination], repeat=args.repeat, command=command)
    except BenchmarkError as exc:
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        return 1
    json_path, markdown_path = write_results(result, args.out)
    summary = summary_markdown(ScaleRun(result.scale, result.to_json()))
    summary_path = args.out / f"{SUITE.name}-{result.scale}-summary.md"
    summary_path.write_text(summary)
    print(summary, flush=True)
    print(f"(written to {summary_path}, {markdown_path} and {json_path})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
