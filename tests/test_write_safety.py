"""Commands that write never destroy what they did not write, and fail in one line before
any work; killed builds leave nothing for good; terminals get no control characters;
oversized requests are bounded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cinerec.cli.main import main
from cinerec.data.readers import load_dataset
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.batch import recommend_batch
from cinerec.build import fit_engine
from cinerec.models import demographic
from cinerec.profile import Profile


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "ml-100k"
    generate(SynthConfig(users=120, movies=150, ratings=5_000, format="ml-100k", seed=2), folder)
    return folder


def one_line_error(capsys: pytest.CaptureFixture[str], code: int, *fragments: str) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and err.startswith("cinerec: error: "), err
    assert "Traceback" not in err and all(fragment in err for fragment in fragments), err
    return err


def listing(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_build_refuses_a_folder_of_someone_else_s_files(release: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "thesis"
    target.mkdir()
    (target / "thesis.txt").write_text("four years of work")
    before = listing(tmp_path)
    one_line_error(capsys, main(["build", str(release), "--out", str(target), "--no-report"]),
                   str(target), "holds no cinerec model")
    assert listing(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_build_refuses_an_existing_file_and_a_path_under_one(release: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    one_line_error(capsys, main(["build", str(release), "--out", str(notes)]), "is not a folder")
    one_line_error(capsys, main(["build", str(release), "--out", str(notes / "model")]), "it is a file")
    assert notes.read_text() == "keep me" and [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_build_to_a_place_nothing_can_be_written_is_one_line(release: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_error(capsys, main(["build", str(release), "--out", "/proc/cinerec-model"]), "/proc")


def test_build_replaces_its_own_model_and_clears_what_killed_builds_left(release: Path, tmp_path: Path) -> None:
    target = tmp_path / "model"
    assert main(["build", str(release), "--out", str(target), "--no-report"]) == 0
    (target / "left-by-the-first-build").touch()  # gone once the second build has replaced the model
    dead = _a_dead_pid()
    stale = tmp_path / f".model.building-{dead}-abc123"
    stale.mkdir()
    (stale / "half.npy").write_bytes(b"x" * 100)
    alive = tmp_path / f".model.building-{os.getpid()}-xyz"  # a build still running: left alone
    alive.mkdir()
    assert main(["build", str(release), "--out", str(target), "--no-report"]) == 0
    assert (target / "manifest.json").is_file() and not (target / "left-by-the-first-build").exists()
    assert not stale.exists() and alive.exists()


def _a_dead_pid() -> int:
    """A process id no process has: beyond the kernel's largest where it says so (a pid
    just freed may be handed to another process before the build looks)."""
    pid_max = Path("/proc/sys/kernel/pid_max")
    if pid_max.exists():
        return int(pid_max.read_text()) + 1
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_huge_list_length_is_the_catalogue(release: Path) -> None:
    engine = fit_engine(load_dataset(release, use_cache=False))
    recs = engine.recommend(Profile(liked=(int(engine.movie_ids[0]),), gender="F"), n=1_000_000_000)
    assert all(len(section.items) <= engine.movie_ids.size for section in recs.sections)
    rows = recommend_batch(engine, [Profile(user_id=1)], n=1_000_000_000)
    assert 0 < len(rows) <= engine.movie_ids.size


def test_people_like_you_answers_any_number_of_distinct_people(release: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    engine = fit_engine(load_dataset(release, use_cache=False))
    # A cache that holds three lists: many distinct people evict entries mid-block.
    monkeypatch.setattr(demographic, "SCORE_CACHE_BYTES", 3 * 4 * engine.movie_ids.size)
    people = [Profile(gender=gender, age_band=band, zip=f"{zip_code:05d}")
              for gender in ("M", "F") for band in ("18-24", "25-34", "35-44") for zip_code in range(10_000, 10_400, 7)]
    rows = recommend_batch(engine, people, n=5, kind="people-like-you")
    assert len(rows) == 5 * len(people)
    assert len(engine.people_like_you.__dict__.get("_score_cache", {})) <= 3
    # A person already kept, asked again beside more new people than the cache holds.
    again = [Profile(gender="F"), *people[:2], Profile(gender="F"), *people[-4:]]
    for block in ([Profile(gender="F")], again):
        assert len(engine.people_like_you.score(engine.query_batch(block))) == len(block)


def test_printed_titles_and_errors_carry_no_control_characters(release: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from cinerec.cli.render import print_movie_list
    from cinerec.sections import Recommendation

    print_movie_list("Like \x1b]0;owned\x07 this", [Recommendation(1, "Evil\x1b[2J Title\x9b", 1999, ("Drama",), 1.0,
                                                                     "because\x07 you liked it")])
    out = capsys.readouterr().out
    assert not any(ord(char) < 32 and char != "\n" or 127 <= ord(char) < 160 for char in out)
    assert "Evil[2J Title" in out
    model = tmp_path / "model"
    assert main(["build", str(release), "--out", str(model), "--no-report"]) == 0
    capsys.readouterr()
    code = main(["recommend", "--model", str(model), "--like", "zzqx\x1b]0;hacked\x07yy"])
    err = one_line_error(capsys, code)
    assert "\x1b" not in err and "\x07" not in err


def test_an_occupation_of_thousands_of_words_is_refused_at_once(release: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model"
    assert main(["build", str(release), "--out", str(model), "--no-report"]) == 0
    capsys.readouterr()
    code = main(["recommend", "--model", str(model), "--occupation", " ".join(["astronaut"] * 3_000)])
    one_line_error(capsys, code, "occupation must be at most 60 characters")


def test_stale_folders_of_other_targets_are_not_touched(tmp_path: Path) -> None:
    from cinerec.artifacts import remove_stale_staging

    other = tmp_path / f".other.building-{_a_dead_pid()}-x"
    other.mkdir()
    assert remove_stale_staging(tmp_path / "model") == [] and other.exists()


@pytest.fixture(scope="module")
def model(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("models") / "model"
    assert main(["build", str(release), "--out", str(target), "--no-report"]) == 0
    return target


def profiles_file(folder: Path, rows: str) -> Path:
    path = folder / "profiles.csv"
    path.write_text("user_id,gender,likes\n" + rows)
    return path


def test_batch_output_replaces_only_its_own_file(model: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    profiles = profiles_file(tmp_path, "1,F,\n")
    budget = tmp_path / "budget.csv"
    budget.write_text("month,spent\n1,200\n")
    one_line_error(capsys, main(["recommend-batch", "--model", str(model), "--input", str(profiles),
                                 "--out", str(budget)]), "not written by cinerec")
    assert budget.read_text() == "month,spent\n1,200\n"
    one_line_error(capsys, main(["recommend-batch", "--model", str(model), "--input", str(profiles),
                                 "--out", str(tmp_path)]), "is a folder")
    recs = tmp_path / "recs.csv"
    for _ in range(2):  # written, then replaced: it is cinerec's own
        assert main(["recommend-batch", "--model", str(model), "--input", str(profiles), "--out", str(recs)]) == 0
    assert recs.read_text().startswith("user_id,rank,movie_id,score\n")


@pytest.mark.parametrize(("rows", "fragment"), [
    ("1,F,²\n", "likes must be movie ids"),
    ("1,F,123456789012345678901234567890123456789\n", "likes must be movie ids"),
    ("123456789012345678901234567890123456789,F,\n", "user id must be a whole number from 1"),
    ("-4,F,\n", "user id must be a whole number from 1"),
])
def test_batch_rows_with_impossible_ids_name_the_line(model: Path, tmp_path: Path, rows: str, fragment: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["recommend-batch", "--model", str(model), "--input", str(profiles_file(tmp_path, rows)),
                 "--out", str(tmp_path / "recs.csv")])
    one_line_error(capsys, code, "profiles.csv:2:", fragment)
    assert not (tmp_path / "recs.csv").exists()


def test_batch_input_that_is_a_folder_is_one_line(model: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["recommend-batch", "--model", str(model), "--input", str(tmp_path), "--out",
                 str(tmp_path / "recs.csv")])
    one_line_error(capsys, code, "is a folder")


def test_reports_replace_only_cinerec_s_own(release: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>my home page</h1>")
    (site / "results.json").write_text('{"budget": 1}')
    before = listing(tmp_path)
    one_line_error(capsys, main(["data", "inspect", str(release), "--report", str(site)]), "index.html",
                   "not written by cinerec")
    one_line_error(capsys, main(["evaluate", str(release), "--no-tune", "--models", "popular", "--out", str(site)]),
                   "not written by cinerec")
    assert listing(tmp_path) == before
    report = tmp_path / "report"
    for _ in range(2):  # written, then replaced: it is cinerec's own
        assert main(["data", "inspect", str(release), "--report", str(report)]) == 0
    assert "cinerec" in (report / "index.html").read_text()


@pytest.mark.parametrize(("argv", "fragment"), [
    (["bogus"], "invalid choice: 'bogus'"),
    (["recommend"], "required: --model"),
    (["recommend", "--model", "m", "--user-id", "1" * 40], "must be from 1 to 2,147,483,647"),
    (["recommend", "--model", "m", "-n", "²"], "expected a whole number"),
    (["build", "data", "--out", "m", "--seed", "-1"], "must be from 0 to 4,294,967,295"),
    (["data", "synth", "--out", "s", "--users", "9" * 30], "must be from 0"),
])
def test_usage_errors_are_one_line_too(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    one_line_error(capsys, exit_.value.code, fragment, "--help")
