"""A damaged model directory — even one whose manifest was rewritten to match the damage —
is refused at load in one line ("rebuild the model"), never met as a traceback mid-query."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from benchmarks.bad_input import halve, reseal
from cinerec.cli.main import main
from tiny_data import synthetic_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_model(tmp_path_factory, seed=4)


def edit_manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        manifest = json.loads((model / "manifest.json").read_text())
        change(manifest)
        (model / "manifest.json").write_text(json.dumps(manifest))
    return edit


DAMAGE: dict[str, tuple[Callable[[Path], None], bool, str]] = {
    # name: (what is done to the copy, whether the manifest is resealed, a fragment of the message)
    "a component's array cut short": (lambda m: halve(m / "popular" / "scores_.npy"), True, "damaged"),
    "neighbour lists cut short": (lambda m: halve(m / "also_liked" / "neighbors_.npy"), True, "damaged"),
    "the training history cut short": (lambda m: halve(m / "history_indptr.npy"), True, "damaged"),
    "a component's movies from another build": (
        lambda m: np.save(m / "fans" / "movie_ids_.npy", np.load(m / "fans" / "movie_ids_.npy")[::-1]), True,
        "list different movies"),
    "a corrupt catalogue": (lambda m: (m / "catalogue.parquet").write_bytes(b"PAR1" + b"\0" * 64), True,
                            "damaged"),
    "a model state that is not an object": (lambda m: (m / "content" / "state.json").write_text("[1, 2]"), True,
                                            "model state"),
    "a manifest that is a list": (lambda m: (m / "manifest.json").write_text("[]"), False, "not a cinerec model"),
    "a manifest without its file list": (edit_manifest(lambda d: d.pop("files")), False, "damaged"),
    "a manifest entry without a size": (edit_manifest(lambda d: d["files"].update({"movie_ids.npy": {}})), False,
                                        "no size and checksum"),
    "a manifest pointing outside the model": (
        edit_manifest(lambda d: d["files"].update({"../../etc/passwd": {"bytes": 1, "sha256": "0"}})), False,
        "outside the model"),
    "a manifest without components": (edit_manifest(lambda d: d.pop("components")), False, "damaged"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_model_is_one_line_at_load(model: Path, tmp_path: Path, case: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    damage, resealed, fragment = DAMAGE[case]
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    damage(copy)
    if resealed:
        reseal(copy)
    code = main(["recommend", "--model", str(copy), "--gender", "F", "--age", "30"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "Traceback" not in err, err
    assert err.startswith("cinerec: error: ") and fragment in err and str(copy) in err, err


def test_the_bad_input_benchmark_can_damage_every_model(model: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of the benchmark's model damages prepares its copy (they run only in the benchmark otherwise)."""
    from benchmarks import bad_input

    monkeypatch.setattr(bad_input, "MODEL_SOURCE", [model])
    cases = list(bad_input.model_cases())
    assert len(cases) >= 20
    for number, case in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        case.prepare(folder)  # raises on a broken preparation
