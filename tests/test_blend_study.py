"""The blend study (benchmarks/blend_study.py) on two tiny synthetic releases: its grid
centres on the defaults, every setting is scored on both, and the ranking is by the
worst guarded lead. Nothing here asserts which blend wins on such small data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import blend_study
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.models.for_you import DEFAULT_WEIGHTS, default_weights


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("study")
    folders = [root / "a" / "ml-100k", root / "b" / "ml-100k"]
    for seed, folder in enumerate(folders):
        generate(SynthConfig(users=120, movies=200, ratings=5_000, format="ml-100k", seed=seed), folder)
    return folders


def test_the_grid_holds_the_defaults_and_scales_only_what_it_should() -> None:
    grid = blend_study.candidates()
    assert dict(DEFAULT_WEIGHTS) in grid
    assert len(grid) == len(blend_study.OTHER_FACTORS) * len(blend_study.MAINSTREAM_FACTORS)
    assert all(weights["collaborative"] == 1.0 for weights in grid)
    ratio = {w["collaborative_seen"] / DEFAULT_WEIGHTS["collaborative_seen"] for w in grid}
    assert sorted(ratio) == pytest.approx(sorted(blend_study.OTHER_FACTORS))


def test_the_grid_centres_on_the_defaults_for_the_data() -> None:
    dense = default_weights(400.0)
    assert dense["also_liked"] < DEFAULT_WEIGHTS["also_liked"]
    assert dense in blend_study.candidates(likings_per_movie=400.0)


def test_data_specs_take_an_optional_protocol() -> None:
    assert blend_study.parse_data("/data/ml-100k:temporal") == ("/data/ml-100k", "temporal")
    assert blend_study.parse_data("/data/ml-100k") == ("/data/ml-100k", "random")
    assert blend_study.parse_data("/data/odd:name") == ("/data/odd:name", "random")
    same_name = blend_study.labelled([("/a/ml-100k", "random"), ("/b/ml-100k", "random")])
    assert list(same_name) == ["/a/ml-100k:random", "/b/ml-100k:random"]
    assert list(blend_study.labelled([("/a/ml-100k", "random"), ("/a/ml-100k", "temporal")])) == \
        ["ml-100k:random", "ml-100k:temporal"]


def test_study_ranks_by_the_worst_lead_and_marks_the_defaults(releases: list[Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "study.json"
    assert blend_study.main([*map(str, releases), "--top", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(defaults)" in printed
    rows = json.loads(out.read_text())["settings"]
    # Only settings with a stronger mainstream neighbour are ranked (the strongest is a probe).
    assert {row["mainstream"] for row in rows} == set(blend_study.MAINSTREAM_FACTORS[:-1])
    assert any((row["l2"], row["others"], row["mainstream"]) == blend_study.DEFAULTS for row in rows)
    worst = [row["worst"] for row in rows]
    assert worst == sorted(worst, reverse=True)
    for row in rows:
        leads = [scores["lead"] for scores in row["validation"].values()]
        assert len(leads) == 2 and row["worst"] == min(leads)
        assert all(s["lead"] <= s["own_lead"] for s in row["validation"].values())
