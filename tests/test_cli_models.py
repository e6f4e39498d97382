"""The model commands as a person uses them: build, recommend, similar, recommend-batch, demo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cinerec.artifacts import MODEL_FORMAT_VERSION
from cinerec.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cinerec: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


pytestmark = pytest.mark.realdata


def test_build_writes_a_verified_model_with_a_report(ml100k_path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "build", ml100k_path, "--out", tmp_path / "model", "--similar-k", "20")
    assert code == 0 and "Build report:" in out
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert manifest["components"]["content"]["params"]["k"] == 20
    assert manifest["datasets"][0]["counts"]["ratings"] == 99_693  # ml-100k's 18 double listings merged
    assert set(manifest["components"]) == {"popular", "content", "also_liked", "people_like_you", "collaborative",
                                            "collaborative_seen", "mainstream", "rising", "fans"}
    assert manifest["for_you"]["named_half"] > 0 and manifest["for_you"]["blend"]["weights"]["collaborative"] == 1.0
    report = (tmp_path / "model" / "report" / "index.html").read_text()
    assert ("data:image/png;base64" in report or "<svg" in report) and "groups of similar people" in report
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_recommend_as_michael(ml100k_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "recommend", "--model", ml100k_model, "--like", "die hard", "--gender", "M",
                       "--age", "32", "--occupation", "software engineer", "--zip", "87103", "-n", "5")
    assert code == 0
    for heading in ("Similar to what you like", "People who liked Die Hard (1988) also liked",
                    "Popular with people like you", "For you"):
        assert heading in out
    assert "Die Hard 2 (1990)" in out and "because you liked Die Hard (1988)" in out
    assert out.count("Die Hard (1988)") == out.count("liked Die Hard (1988)") + out.count("fans of Die Hard (1988)")


def test_recommend_json_and_notes(ml100k_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "recommend", "--model", ml100k_model, "--like", "shawshank redemtion",
                       "--like", "cape fear", "--json", "-n", "3")
    assert code == 0
    doc = json.loads(out)
    assert [s["key"] for s in doc["sections"]] == ["similar", "also_liked", "people_like_you", "for_you"]
    assert any("Shawshank" in n for n in doc["notes"]) and any("Cape Fear" in n for n in doc["notes"])
    assert len(doc["sections"][0]["items"]) == 3 and doc["sections"][2]["items"] == []


def test_similar_command(ml100k_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "similar", "--model", ml100k_model, "Die Hard (1988)", "-n", "10")
    assert code == 0 and "Die Hard 2 (1990)" in out and "Die Hard: With a Vengeance (1995)" in out


def test_recommend_batch_for_every_user(ml100k_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiles = tmp_path / "profiles.csv"
    rows = ["user_id,gender,age,occupation,zip,likes"] + [f"{u},,,,," for u in range(1, 944)]
    rows.append("5001,F,23,nurse,10001,144|50")
    profiles.write_text("\n".join(rows) + "\n")
    code, out, _ = run(capsys, "recommend-batch", "--model", ml100k_model, "--input", profiles,
                       "--out", tmp_path / "recs.csv", "-n", "5")
    assert code == 0 and "944 people" in out
    recs = pd.read_csv(tmp_path / "recs.csv")
    assert list(recs.columns) == ["user_id", "rank", "movie_id", "score"]
    assert len(recs) == 944 * 5 and set(recs["rank"]) == {1, 2, 3, 4, 5}
    new_person = recs[recs["user_id"] == 5001]["movie_id"]
    assert not {144, 50} & set(new_person)


@pytest.mark.parametrize("args, fragments", [
    (["--like", "zzqxv wwkj"], ["no movie called"]),
    (["--age", "430"], ["age must be between"]),
    (["--age", "old"], ["age must be a number"]),
    (["--gender", "x"], ["gender must be M or F"]),
    (["--occupation", "?!"], ["unknown occupation"]),
    (["--zip", "hello"], ["zip must be"]),
    ([], ["tell me"]),
    (["--user-id", "99999"], ["no such user"]),
    (["--like", "die hard", "--dislike", "Die Hard (1988)"], ["both liked and disliked"]),
])
def test_bad_profiles_are_one_line_errors(ml100k_model: Path, capsys: pytest.CaptureFixture[str],
                                          args: list[str], fragments: list[str]) -> None:
    code, _, err = run(capsys, "recommend", "--model", ml100k_model, *args)
    assert_one_line_error(code, err, *fragments)


def test_an_occupation_movielens_does_not_know_is_counted_as_other(ml100k_model: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "recommend", "--model", ml100k_model, "--occupation", "astronaut wizard",
                         "--like", "die hard")
    assert code == 0 and "For you" in out
    assert "'astronaut wizard' is not one of MovieLens' occupations; counted as other" in out + err


def _damaged_copy(model: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(model, copy)
    return copy


@pytest.mark.parametrize("damage, fragment", [
    (lambda d: (d / "content" / "neighbors_.npy").unlink(), "missing"),
    (lambda d: (d / "also_liked" / "similarities_.npy").write_bytes(
        (d / "also_liked" / "similarities_.npy").read_bytes()[:-4] + b"\x00\x00\x80\x7f"), "altered"),
    (lambda d: (d / "manifest.json").write_text((d / "manifest.json").read_text().replace(
        f'"format_version": {MODEL_FORMAT_VERSION}', '"format_version": 77')), "format version 77"),
    (lambda d: (d / "manifest.json").unlink(), "not a cinerec model directory"),
])
def test_damaged_model_directories_are_refused(ml100k_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               damage, fragment: str) -> None:
    model = _damaged_copy(ml100k_model, tmp_path)
    damage(model)
    code, _, err = run(capsys, "recommend", "--model", model, "--like", "die hard")
    assert_one_line_error(code, err, fragment)


@pytest.mark.parametrize("content, fragment", [
    ("gender\nM\n", "needs a user_id column"),
    ("user_id,likes\n1,\n2,abc\n", "profiles.csv:3"),
    ("user_id,age\n1,\n2,999\n", "profiles.csv:3: age must be"),
    ("user_id,likes\n99999,\n", "profiles.csv:2: user 99999 is not in the model"),
    ("user_id,likes\n5000,999999\n", "profiles.csv:2: movie id 999999"),
    ("user_id,colour\n1,red\n", "unknown column 'colour'"),
])
def test_bad_batch_input_names_the_line(ml100k_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        content: str, fragment: str) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text(content)
    code, _, err = run(capsys, "recommend-batch", "--model", ml100k_model, "--input", profiles,
                       "--out", tmp_path / "recs.csv")
    assert_one_line_error(code, err, fragment)
    assert not (tmp_path / "recs.csv").exists()


def test_demo_runs_the_seed_example(ml100k_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cinerec.demo._obtain_ml100k", lambda base: (ml100k_path, False))
    code, out, _ = run(capsys, "demo", "--dir", tmp_path)
    assert code == 0
    assert "Michael" in out and "Die Hard (1988)" in out and "For you" in out
    assert (tmp_path / "models" / "ml-100k" / "report" / "index.html").exists()
    assert "Build report:" in out and "Data report:" in out


def test_demo_rebuilds_a_model_it_cannot_use(ml100k_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cinerec.demo._obtain_ml100k", lambda base: (ml100k_path, False))
    assert run(capsys, "demo", "--dir", tmp_path)[0] == 0
    state = tmp_path / "models" / "ml-100k" / "people_like_you" / "state.json"
    state.write_text(state.read_text().replace('"params": {', '"params": {"retired_option": 1, '))
    code, out, err = run(capsys, "demo", "--dir", tmp_path)
    assert code == 0 and "For you" in out and "Building the recommenders" in err
