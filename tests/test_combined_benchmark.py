"""The combined suite (MovieLens 1M + 25M) on a tiny pairing: plan, facts, summary.

The measured functions run in this process on two tiny synthetic releases (an ml-1m and an
ml-latest one), and the summary is drawn from a suite result built from what they
reported; nothing here asserts a timing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from benchmarks import combined_benchmark, datasets
from benchmarks.combined_benchmark import (
    SUITE, answers_by_release, every_release_answered, read_and_combine, release_labels, summary_markdown,
)
from benchmarks.datasets import COMBINATIONS, ML_1M, ML_25M, SCALES, Combination, DataShape
from benchmarks.harness import Environment, MeasurementResult, Run, SuitePlan, SuiteResult
from benchmarks.scale_benchmark import ScaleRun, build_model_directory
from cinerec.data.synthetic import GENERATOR_VERSION, SynthConfig, generate

TINY_1M = DataShape("tiny-1m", users=60, movies=90, ratings=2_400, tags=0, format="ml-1m", demographics_share=1.0)
TINY_LATEST = DataShape("tiny-latest", users=80, movies=120, ratings=3_000, tags=100)
TINY = Combination("tiny", (TINY_1M, TINY_LATEST))
ROWS = ["read_combine", "build", "load", "latency", "releases"]
ASKED = 5
COMMAND = "python -m benchmarks.combined_benchmark --combination tiny --repeat 1"


@dataclass(frozen=True)
class TinyPairing:
    cache: Path
    folders: tuple[str, ...]
    model: str
    plan: SuitePlan


@pytest.fixture(scope="module")
def pairing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyPairing]:
    """Both tiny releases generated in a cache of this module's own (children inherit it),
    and the suite planned on them."""
    cache = tmp_path_factory.mktemp("combined-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CINEREC_CACHE_DIR", str(cache))
        for shape in TINY.releases:
            generate(SynthConfig(users=shape.users, movies=shape.movies, ratings=shape.ratings, tags=shape.tags,
                                 format=shape.format, demographics_share=shape.demographics_share),
                     datasets.benchmark_data_dir() / shape.key)
        stale = combined_benchmark.model_dir(TINY) / "left-over"
        stale.mkdir(parents=True)
        plan = SUITE.prepare(TINY)  # type: ignore[arg-type]
        folders = tuple(str(folder) for folder in datasets.combination_folders(TINY))
        yield TinyPairing(cache, folders, str(combined_benchmark.model_dir(TINY)), plan)


@pytest.fixture(scope="module")
def measured(pairing: TinyPairing, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each row's facts, from its function called here, on the planned model directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CINEREC_CACHE_DIR", str(pairing.cache))
        return {"read_combine": read_and_combine(*pairing.folders),
                "build": build_model_directory(pairing.model, *pairing.folders),
                "load": {}, "latency": {"new_p50_ms": 2.0, "new_p99_ms": 9.0, "new_one_p50_ms": 3.0,
                                        "new_one_p99_ms": 12.0, "known_p50_ms": 1.0, "known_p99_ms": 30.0},
                "releases": answers_by_release(pairing.model, ASKED)}


def suite_run(plan: SuitePlan, facts: dict[str, dict]) -> ScaleRun:
    """What the runner reads back: a one-run suite result with these facts."""
    results = tuple(MeasurementResult(m, (Run(seconds=1.0, cpu_seconds=1.0, peak_rss_bytes=2**30, startup_rss_bytes=2**27,
                                              facts=facts[m.name], load_average=0.5),))
                    for m in plan.measurements)
    result = SuiteResult(SUITE.name, SUITE.title, TINY.name, 1, COMMAND, plan, results,
                         Environment.current(load_before=0.5))
    return ScaleRun(TINY.name, result.to_json())


def test_ml_1m_has_its_real_shape_and_pairs_with_the_cached_releases() -> None:
    assert (ML_1M.format, ML_1M.users, ML_1M.movies, ML_1M.ratings, ML_1M.tags) == ("ml-1m", 6_040, 3_706, 1_000_209, 0)
    big, small = COMBINATIONS["1m+25m"], COMBINATIONS["1m+1m"]
    assert big.releases[0] == small.releases[0] == ML_1M
    # the ml-latest releases are the scale suite's shapes without users.csv, so already generated ones are reused
    assert big.releases[1].key == replace(ML_25M, demographics_share=0.0).key == \
        f"ml-latest-u162541-m62000-r25000000-t1000000-seed0-g{GENERATOR_VERSION}"
    assert small.releases[1].key == replace(SCALES["1m"], demographics_share=0.0).key
    assert big.ratings == 26_000_209
    assert combined_benchmark.build_parser().parse_args([]).combination == "1m+25m"


def test_plan_builds_every_release_before_serving_from_a_fresh_model(pairing: TinyPairing) -> None:
    rows = {m.name: m for m in pairing.plan.measurements}
    model = pairing.model

    assert list(rows) == ROWS
    assert rows["read_combine"].args == pairing.folders
    assert rows["build"].args == (model, *pairing.folders)
    assert all(rows[name].args[0] == model for name in ("load", "latency", "releases"))
    assert not Path(model).exists()  # the stale model was removed, so no row opens a model built by other code
    for measurement in pairing.plan.measurements:
        module, function = measurement.target.split(":")
        assert callable(getattr(importlib.import_module(module), function))
    assert "ml-1m release" in pairing.plan.data and "ml-latest release" in pairing.plan.data


def test_read_and_combine_reports_what_combining_found(measured: dict[str, dict]) -> None:
    facts = measured["read_combine"]
    labels = [key.removeprefix("users:") for key in facts if key.startswith("users:")]

    assert labels == ["ml-1m", "csv"]
    assert facts["ratings"] == TINY.ratings == sum(facts[f"ratings:{label}"] for label in labels)
    assert facts["users"] == TINY_1M.users + TINY_LATEST.users == sum(facts[f"users:{label}"] for label in labels)
    assert facts["users_with_demographics:ml-1m"] == TINY_1M.users
    assert facts["users_with_demographics:csv"] == 0
    assert facts["matched_movies"] > 0
    assert facts["movies"] == facts["matched_movies"] + sum(facts[f"only_in:{label}"] for label in labels)
    assert facts["step:load"] >= 0 and facts["step:combine"] >= 0
    assert facts["peak_after:load"] <= facts["peak_after:combine"]


def test_known_users_of_both_releases_are_answered(measured: dict[str, dict]) -> None:
    facts = measured["releases"]

    assert facts["users:ml-1m"] == TINY_1M.users and facts["users:csv"] == TINY_LATEST.users
    for label in ("ml-1m", "csv"):
        assert facts[f"asked:{label}"] == ASKED
        assert facts[f"for_you:{label}"] == ASKED
    # only ml-1m's users told their demographics, so only they see people like them
    assert facts["people_like_you:ml-1m"] == ASKED
    assert facts["people_like_you:csv"] == 0
    assert measured["build"]["step:read"] >= 0 and measured["build"]["model_bytes"] > 0


def test_summary_sets_the_combined_build_against_the_targets(pairing: TinyPairing, measured: dict[str, dict]) -> None:
    run = suite_run(pairing.plan, measured)
    summary = summary_markdown(run)

    assert release_labels(run, "read_combine") == release_labels(run, "releases") == ["ml-1m", "csv"]
    assert every_release_answered(run) is True
    assert "| whole `cinerec build` | 1.0 s | 150 s | yes |" in summary
    assert "| whole build peak RSS | 1.07 GB | 8 GB | yes |" in summary
    assert "| recommend p99, new user, 5 movies | 9.0 ms (p50 2.0) | 20 ms | yes |" in summary
    assert "| recommend p99, new user, 1 blockbuster | 12.0 ms (p50 3.0) | 20 ms | yes |" in summary
    assert "| recommend p99, known user | 30.0 ms (p50 1.0) | 20 ms | **no** |" in summary
    assert "| known users of every release get *For you* | all | all | yes |" in summary
    assert f"Combining found {measured['read_combine']['matched_movies']:,} movies in more than one release" in summary
    assert f"ml-1m: {ASKED} of {ASKED} got a full *For you*" in summary
    assert f"Command: `{COMMAND}`" in summary


def test_summary_flags_a_release_whose_users_go_unanswered(pairing: TinyPairing, measured: dict[str, dict]) -> None:
    facts = {**measured, "releases": {**measured["releases"], "for_you:csv": ASKED - 1}}
    run = suite_run(pairing.plan, facts)

    assert every_release_answered(run) is False
    assert "| known users of every release get *For you* | not all | all | **no** |" in summary_markdown(run)
