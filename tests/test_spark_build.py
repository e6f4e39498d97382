"""``cinerec build --engine spark`` writes the model directory the local engine writes:
the same arrays, byte for byte, and the same one-line errors for bad ratings.

Runs Spark in local mode (this machine's cores); skips cleanly where pyspark or a Java
runtime is missing (``pip install 'cinerec[spark]'``; CI installs Debian's Java).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cinerec.cli.main import main
from cinerec.data.synthetic import SynthConfig, generate

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'cinerec[spark]'")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (CI installs default-jre-headless)", allow_module_level=True)

pytestmark = pytest.mark.slow

#: What differs between two builds of the same data by design: when and how long.
PER_BUILD = ("created", "timings", "files")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "ml-latest-small"
    generate(SynthConfig(users=200, movies=300, ratings=12_000, format="ml-latest", seed=6), folder)
    with (folder / "ratings.csv").open("a") as ratings:  # a pair rated twice: the later rating is kept
        first = (folder / "ratings.csv").read_text().splitlines()[1].split(",")
        ratings.write(f"{first[0]},{first[1]},0.5,{int(first[3]) + 1}\n")
    return folder


@pytest.fixture(scope="module")
def models(release: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("models")
    assert main(["build", str(release), "--out", str(root / "local"), "--no-report"]) == 0
    assert main(["build", str(release), "--out", str(root / "spark"), "--no-report", "--engine", "spark"]) == 0
    return root / "local", root / "spark"


def test_spark_builds_the_same_model_directory(models: tuple[Path, Path]) -> None:
    local, spark = (json.loads((model / "manifest.json").read_text()) for model in models)
    assert {k: v for k, v in local.items() if k not in PER_BUILD} == \
        {k: v for k, v in spark.items() if k not in PER_BUILD}
    assert local["files"].keys() == spark["files"].keys()
    differing = [name for name in local["files"] if local["files"][name] != spark["files"][name]]
    assert differing == []


def test_the_spark_model_answers(models: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["recommend", "--model", str(models[1]), "--gender", "F", "--age", "30", "-n", "3"]) == 0
    assert "For you" in capsys.readouterr().out


def test_a_bad_rating_is_one_line_with_its_line(release: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "ml-latest-small"
    shutil.copytree(release, copy)
    lines = (copy / "ratings.csv").read_text().splitlines()
    user, movie, _, time = lines[40].split(",")
    lines[40] = f"{user},{movie},7,{time}"
    (copy / "ratings.csv").write_text("\n".join(lines) + "\n")
    code = main(["build", str(copy), "--out", str(tmp_path / "model"), "--engine", "spark"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == f"cinerec: error: {copy / 'ratings.csv'}:41: rating 7 is outside 0.5–5 in steps of 0.5"
    assert not (tmp_path / "model").exists()


def test_a_master_without_spark_is_refused(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", str(release), "--out", str(tmp_path / "model"), "--master", "spark://nowhere:7077"])
    assert code == 2 and "add --engine spark" in capsys.readouterr().err


def profiles(folder: Path, rows: list[str]) -> Path:
    path = folder / "profiles.csv"
    path.write_text("user_id,gender,age,likes\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_batch_on_spark_writes_the_local_lists(models: tuple[Path, Path], tmp_path: Path) -> None:
    import pandas as pd

    people = profiles(tmp_path, [f"{user},F,30," for user in range(1, 41)] + ["900001,M,45,1|2", "900002,F,,3"])
    local_out, spark_out = tmp_path / "local.csv", tmp_path / "spark-out"
    assert main(["recommend-batch", "--model", str(models[0]), "--input", str(people), "--out", str(local_out)]) == 0
    assert main(["recommend-batch", "--model", str(models[0]), "--input", str(people), "--out", str(spark_out),
                 "--engine", "spark"]) == 0
    local = pd.read_csv(local_out).sort_values(["user_id", "rank"], ignore_index=True)
    types = {"user_id": "int64", "rank": "int64", "movie_id": "int64", "score": "float64"}
    spark = pd.concat(pd.read_csv(part, dtype=types) for part in spark_out.glob("part-*.csv")).sort_values(
        ["user_id", "rank"], ignore_index=True)
    pd.testing.assert_frame_equal(local[["user_id", "rank", "movie_id"]], spark[["user_id", "rank", "movie_id"]])
    assert (local["score"] - spark["score"]).abs().max() < 1e-5


def test_batch_on_spark_refuses_a_bad_row_and_writes_nothing(models: tuple[Path, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    people = profiles(tmp_path, ["1,F,30,", "2,F,thirty,"])
    code = main(["recommend-batch", "--model", str(models[0]), "--input", str(people), "--out",
                 str(tmp_path / "out"), "--engine", "spark"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "the row of user 2" in err and "thirty" in err, err
    assert not (tmp_path / "out").exists()
