"""A model directory keeps every part's settings, typed: it answers as it was built after
the code's defaults change, refuses settings edited into the wrong type, and refuses a
cinerec whose parts take other settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cinerec.engine import Engine
from cinerec.errors import ModelError
from cinerec.models import for_you
from cinerec.models.also_liked import AlsoLiked
from cinerec.models.fans import Fans
from cinerec.profile import Profile
from tiny_data import synthetic_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_model(tmp_path_factory, seed=8)


def answers(engine: Engine) -> list[list[int]]:
    liked = tuple(int(movie) for movie in engine.movie_ids[:2])
    recommendations = engine.recommend(Profile(liked=liked, gender="F", age_band="25-34"), n=10)
    return [[item.movie_id for item in section.items] for section in recommendations.sections]


def test_a_model_answers_as_built_after_the_defaults_change(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = answers(Engine.load(model))
    monkeypatch.setattr(AlsoLiked.__init__, "__defaults__", (3, 0.9, 0.0, 1, 1.0))
    monkeypatch.setattr(Fans.__init__, "__defaults__", (1.0, 2.0, 5, 10, 0.0, "seen", 1.0))
    monkeypatch.setitem(for_you.DEFAULT_WEIGHTS, "collaborative", 0.01)
    assert answers(Engine.load(model)) == before


def test_a_setting_edited_into_the_wrong_type_is_one_line(model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["for_you"]["named_half"] = "ten"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="named_half is 'ten'"):
        Engine.load(copy)


def test_a_cinerec_whose_parts_take_other_settings_refuses_the_model(model: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from cinerec.models import config

    class NewerFans(Fans):  # what a later cinerec's Fans might take
        def __init__(self, overlap_power: float = 3.0, novelty: float = 0.0) -> None:
            super().__init__(overlap_power=overlap_power)
            self.novelty = novelty

    original = config.settings_types
    monkeypatch.setattr(config, "settings_types", lambda cls: original(NewerFans if cls is Fans else cls))
    with pytest.raises(ModelError, match="other settings; rebuild it"):
        Engine.load(model)
