"""Smoke tests of the benchmark harness: structure and process isolation, never timings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.datasets import ML_25M, SCALES, DataShape, synthetic_release
from benchmarks.harness import BenchmarkError, Measurement, run_in_child

TINY = DataShape("tiny", users=40, movies=80, ratings=1_200, tags=50)
READ_MEASUREMENTS = ["read_movielens", "load_dataset", "pyarrow_read_csv", "pandas_read_csv"]
MIB = 2**20


@pytest.fixture
def helper_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module children can import (the harness keeps the caller's PYTHONPATH)."""
    (tmp_path / "bench_targets.py").write_text(textwrap.dedent("""
        def hold(mib):
            block = b"x" * (mib * 2**20)
            return {"held_mib": len(block) // 2**20}

        def fail():
            raise ValueError("this measurement is broken")
    """))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return "bench_targets"


@pytest.mark.slow
def test_read_suite_runs_end_to_end_at_tiny_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(run.SCALES, TINY.name, TINY)
    out = tmp_path / "bench-out"

    assert run.main(["--suite", "read", "--scale", "tiny", "--repeat", "2", "--out", str(out)]) == 0

    result = json.loads((out / "read-tiny.json").read_text())
    assert (result["suite"], result["scale"], result["repeat"]) == ("read", "tiny", 2)
    assert [m["name"] for m in result["measurements"]] == READ_MEASUREMENTS
    for measurement in result["measurements"]:
        runs = measurement["runs"]
        assert len(runs) == 2
        assert measurement["min_seconds"] <= measurement["median_seconds"] <= measurement["max_seconds"]
        assert all(run_["seconds"] > 0 and run_["peak_rss_bytes"] >= run_["startup_rss_bytes"] > 0 for run_ in runs)
        # every row read the same ratings: the generated release, not some other data
        assert all(run_["facts"]["ratings"] == TINY.ratings for run_ in runs)
    cinerec_reads = [m for m in result["measurements"] if m["name"] in ("read_movielens", "load_dataset")]
    assert {m["runs"][0]["facts"]["movies"] for m in cinerec_reads} == {TINY.movies}
    assert result["environment"]["parent_peak_rss_mib"] > 0
    assert all(run_["load_average"] >= 0 for m in result["measurements"] for run_ in m["runs"])
    markdown = (out / "read-tiny.md").read_text()
    table_rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 1 + len(READ_MEASUREMENTS)
    assert "python -m benchmarks.run --suite read --scale tiny --repeat 2" in markdown


def test_release_is_generated_once_and_reused(tmp_path: Path) -> None:
    folder = synthetic_release(TINY, root=tmp_path)
    written = (folder / "ratings.csv").stat().st_mtime_ns

    assert folder.name == TINY.key
    assert synthetic_release(TINY, root=tmp_path) == folder
    assert (folder / "ratings.csv").stat().st_mtime_ns == written


def test_each_run_measures_its_own_process_peak(helper_module: str) -> None:
    big = run_in_child(Measurement("big", "holds 300 MiB", f"{helper_module}:hold", (300,)))
    small = run_in_child(Measurement("small", "holds nothing", f"{helper_module}:hold", (0,)))

    assert big.facts == {"held_mib": 300}
    assert big.peak_rss_bytes >= 300 * MIB
    # a later run does not inherit the earlier one's peak
    assert small.peak_rss_bytes < big.peak_rss_bytes - 200 * MIB


def test_a_failing_measurement_is_reported_by_name(helper_module: str) -> None:
    with pytest.raises(BenchmarkError, match=r"broken_one .*exit status 1"):
        run_in_child(Measurement("broken_one", "raises", f"{helper_module}:fail"))


def test_scales_keep_ml25m_proportions() -> None:
    assert SCALES["25m"] == ML_25M
    for name, shape in SCALES.items():
        assert shape.name == name
        assert shape.ratings / shape.users == pytest.approx(ML_25M.ratings / ML_25M.users, rel=1e-3)
        assert shape.tags / shape.ratings == pytest.approx(ML_25M.tags / ML_25M.ratings)
    assert len({shape.key for shape in SCALES.values()}) == len(SCALES)
    assert ML_25M.scaled("other", 1_000).key != ML_25M.scaled("other", 1_001).key
