"""Model directories: atomic writes, manifest verification, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cinerec.artifacts import MANIFEST_FILE, ModelDirectory, ModelWriter
from cinerec.errors import ModelError
from cinerec.models.base import NotFittedError, Recommender


class Toy(Recommender):
    def __init__(self, k: int = 3, label: str = "x"):
        self.k = k
        self.label = label

    def fit(self, values: np.ndarray) -> "Toy":
        self.weights_ = np.asarray(values, dtype=np.float32)
        self.graph_ = sp.csr_matrix(np.eye(3, dtype=np.float32))
        self.names_ = ["a", "b"]
        return self


def _write(target: Path) -> Path:
    with ModelWriter(target) as writer:
        writer.add_component("toy", Toy(k=5).fit(np.arange(4)))
        writer.add_array("movie_ids", np.array([1, 2, 3], dtype=np.int32))
        writer.manifest["datasets"].append({"fingerprint": "abc"})
        return writer.commit()


def test_round_trip_restores_params_and_learned_state(tmp_path: Path) -> None:
    model_dir = ModelDirectory.open(_write(tmp_path / "model"))
    toy = model_dir.component("toy", Toy)
    assert toy.k == 5 and toy.names_ == ["a", "b"]
    np.testing.assert_array_equal(toy.weights_, np.arange(4, dtype=np.float32))
    assert isinstance(toy.weights_, np.memmap)
    assert (toy.graph_ != sp.eye(3)).nnz == 0
    assert model_dir.manifest["components"]["toy"] == {"class": "Toy", "params": {"k": 5, "label": "x"}}
    assert model_dir.array("movie_ids").tolist() == [1, 2, 3]
    assert "numpy" in model_dir.manifest["libraries"]


def test_failed_build_leaves_nothing_and_keeps_previous_model(tmp_path: Path) -> None:
    target = _write(tmp_path / "model")
    before = (target / MANIFEST_FILE).read_text()
    with pytest.raises(RuntimeError), ModelWriter(target) as writer:
        writer.add_array("partial", np.zeros(3))
        raise RuntimeError("build crashed")
    assert (target / MANIFEST_FILE).read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "toy" / "weights_.npy").unlink(), "missing"),
    (lambda d: (d / "movie_ids.npy").write_bytes((d / "movie_ids.npy").read_bytes()[:-1] + b"\x09"), "checksum"),
    (lambda d: (d / "movie_ids.npy").write_bytes(b"short"), "size"),
])
def test_altered_or_missing_file_is_refused(tmp_path: Path, damage, message: str) -> None:
    target = _write(tmp_path / "model")
    damage(target)
    with pytest.raises(ModelError, match=message):
        ModelDirectory.open(target)


def test_other_format_version_is_refused(tmp_path: Path) -> None:
    target = _write(tmp_path / "model")
    manifest = json.loads((target / MANIFEST_FILE).read_text())
    manifest["format_version"] = 99
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="format version 99"):
        ModelDirectory.open(target)


def test_not_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such model directory"):
        ModelDirectory.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="missing"):
        ModelDirectory.open(tmp_path / "empty")


def test_unfitted_model_refuses_to_save(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        Toy().save(tmp_path / "toy")


def test_unsavable_state_is_a_programming_error(tmp_path: Path) -> None:
    toy = Toy().fit(np.arange(2))
    toy.frame_ = object()
    with pytest.raises(TypeError, match="frame_"):
        toy.save(tmp_path / "toy")
