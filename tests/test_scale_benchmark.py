"""Smoke tests of the scale suite at a tiny scale: structure and facts, never timings."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks import datasets, scale_benchmark
from benchmarks.datasets import DataShape
from benchmarks.growth import plot_growth
from benchmarks.scale_benchmark import GROWTH_FILE, SUMMARY_FILE, ScaleRun, growth_exponent, growth_series

TINY = DataShape("tiny", users=200, movies=150, ratings=6_000, tags=200, demographics_share=0.2)
READ_ROWS = ["read_movielens", "load_dataset", "pyarrow_read_csv", "pandas_read_csv"]
SERVING_ROWS = ["build", "load", "latency", "batch"]
IMPLICIT_ROWS = ["implicit_bm25", "implicit_als"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class TinyRun:
    out: Path
    cache: Path
    model: Path
    result: dict
    exit_status: int

    def rows(self) -> dict[str, dict]:
        return {m["name"]: m for m in self.result["measurements"]}

    def facts(self, name: str) -> dict:
        return self.rows()[name]["runs"][0]["facts"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyRun]:
    """The whole scale suite once, at a tiny scale, in a cache of its own (children inherit it)."""
    out = tmp_path_factory.mktemp("bench-out")
    cache = tmp_path_factory.mktemp("scale-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CINEREC_CACHE_DIR", str(cache))
        patch.setitem(datasets.SCALES, TINY.name, TINY)
        status = scale_benchmark.main(["--scales", "tiny", "--repeat", "1", "--out", str(out)])
        model = scale_benchmark.model_dir(TINY)
        result = json.loads((out / "scale-tiny.json").read_text())
        yield TinyRun(out, cache / "benchmarks", model, result, status)


@pytest.mark.slow
def test_every_row_runs_once_per_repeat(tiny_run: TinyRun) -> None:
    assert tiny_run.exit_status == 0
    names = list(tiny_run.rows())
    assert names[:len(READ_ROWS)] == READ_ROWS
    # the serving rows follow the build that writes their model
    assert names.index("build") < names.index("load") < names.index("latency") < names.index("batch")
    assert "seed_dense_cosine" in names
    assert all(name in names for name in SERVING_ROWS)
    implicit_present = importlib.util.find_spec("implicit") is not None
    assert all((name in names) == implicit_present for name in IMPLICIT_ROWS)
    assert any("implicit" in note for note in tiny_run.result["notes"])
    assert all(len(m["runs"]) == 1 for m in tiny_run.result["measurements"])


@pytest.mark.slow
def test_build_row_times_every_component_and_tracks_the_peak(tiny_run: TinyRun) -> None:
    from cinerec.build import BuildOptions
    from cinerec.data.readers import load_dataset

    facts = tiny_run.facts("build")
    steps = [key.removeprefix("step:") for key in facts if key.startswith("step:")]
    components = list(BuildOptions().components(load_dataset(datasets.synthetic_release(TINY, tiny_run.cache))))

    assert steps == ["read", "count", *components, "write", "report"]
    assert all(facts[f"step:{step}"] >= 0 for step in steps)
    peaks = [facts[f"peak_after:{step}"] for step in ("read", *components)]
    assert peaks == sorted(peaks)  # a peak so far never falls
    assert peaks[-1] * 2**20 <= tiny_run.rows()["build"]["runs"][0]["peak_rss_bytes"]


@pytest.mark.slow
def test_facts_describe_the_tiny_data_and_model(tiny_run: TinyRun) -> None:
    assert tiny_run.facts("read_movielens")["ratings"] == TINY.ratings
    assert tiny_run.facts("read_movielens")["users"] == TINY.users
    files = [path for path in tiny_run.model.rglob("*") if path.is_file()]
    assert tiny_run.facts("build")["model_bytes"] == sum(path.stat().st_size for path in files)
    assert tiny_run.facts("load") == {"movies": TINY.movies, "users": TINY.users}
    latency = tiny_run.facts("latency")
    for who in ("new", "new_one", "known"):
        assert 0 < latency[f"{who}_p50_ms"] <= latency[f"{who}_p99_ms"]
    batch = tiny_run.facts("batch")
    assert batch["users"] == TINY.users  # fewer users than the batch size: all of them
    assert 0 < batch["rows"] <= TINY.users * scale_benchmark.RECOMMENDATIONS
    dense = tiny_run.facts("seed_dense_cosine")
    assert dense["slice_movies"] == dense["movies"] == TINY.movies  # the slice covers the tiny catalogue
    assert dense["full_matrix_bytes"] == TINY.movies**2 * 4
    assert dense["extrapolated_seconds"] == pytest.approx(dense["timed_seconds"])


@pytest.mark.slow
def test_summary_sets_the_targets_and_names_the_command(tiny_run: TinyRun) -> None:
    summary = (tiny_run.out / SUMMARY_FILE).read_text()

    for target in ("whole `cinerec build`", "whole build peak RSS", "model directory on disk", "`Engine.load`",
                   "recommend p99, new user, 5 movies", "recommend p99, new user, 1 blockbuster",
                   "recommend p99, known user"):
        assert f"| {target} |" in summary
    assert "python -m benchmarks.scale_benchmark --scales tiny --repeat 1" in summary
    assert "Load average (1 min)" in summary
    assert (tiny_run.out / GROWTH_FILE).read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_growth_of_a_tenfold_copy_is_linear(tiny_run: TinyRun, tmp_path: Path) -> None:
    """A second 'scale' with ten times the ratings and ten times every time grows with slope 1."""
    shutil.copy(tiny_run.out / "scale-tiny.json", tmp_path / "scale-tiny.json")
    bigger = json.loads((tiny_run.out / "scale-tiny.json").read_text())
    for measurement in bigger["measurements"]:
        measurement["median_seconds"] *= 10
        for run in measurement["runs"]:
            run["facts"] = {key: value * 10 if key in ("timed_seconds", "extrapolated_seconds", "ratings")
                            or key.startswith("step:") else value for key, value in run["facts"].items()}
    (tmp_path / "scale-tenfold.json").write_text(json.dumps(bigger))

    runs = [ScaleRun.read(tmp_path, "tiny"), ScaleRun.read(tmp_path, "tenfold")]
    series = growth_series(runs)

    # build steps are timed to the millisecond, so a tiny one may read 0 s, which has no logarithm
    timed = {name: points for name, points in series.items() if all(seconds > 0 for _, seconds in points)}

    assert {"read_movielens", "step:also_liked", "build", "load", "seed_dense_cosine"} <= set(timed)
    assert all(growth_exponent(points) == pytest.approx(1.0) for points in timed.values())
    assert plot_growth(str(tmp_path), "tiny", "tenfold")["path"] == str(tmp_path / GROWTH_FILE)
    assert (tmp_path / GROWTH_FILE).read_bytes().startswith(PNG_MAGIC)


def test_growth_exponent_reads_the_power_law() -> None:
    ratings = [1_000_000, 5_000_000, 25_000_000]
    assert growth_exponent([(x, 3e-6 * x) for x in ratings]) == pytest.approx(1.0)
    assert growth_exponent([(x, 1e-12 * x**2) for x in ratings]) == pytest.approx(2.0)
    assert growth_exponent([(x, 7.0) for x in ratings]) == pytest.approx(0.0)
    assert growth_exponent([(1_000_000, 2.0)]) is None
    assert growth_exponent([(1, 1.0), (10, 10.0), (100, 50.0)]) == pytest.approx(0.8495, abs=1e-3)


def test_key_names_the_demographics_share_only_when_there_is_one() -> None:
    plain = DataShape("plain", users=10, movies=10, ratings=50, tags=0)
    described = DataShape("described", users=10, movies=10, ratings=50, tags=0, demographics_share=0.04)

    assert "-d" not in plain.key
    assert "-d0.04-" in described.key
    assert described.scaled("half", 25).demographics_share == 0.04
    assert datasets.ML_25M.demographics_share == pytest.approx(6_040 / 162_541, abs=0.01)
