"""``cinerec build --engine spark`` writes the model directory the local engine writes:
the same arrays, byte for byte, so every section answers 500 sampled people alike —
on the real ml-100k, on a synthetic release of a million ratings in ml-1m's ``.dat``
layout, and on a small ml-latest one (with a pair rated twice) — and
``recommend-batch --engine spark`` writes the local command's lists.

Runs in one shared Spark session in local mode (the ``spark`` fixture); skips cleanly
where pyspark or a Java runtime is missing (``pip install 'cinerec[spark]'``; CI
installs Debian's Java).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cinerec.cli.main import main
from cinerec.data.synthetic import SynthConfig, generate

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark")]

#: What differs between two builds of the same data by design: when and how long.
PER_BUILD = ("created", "timings", "files")
#: People asked for every section in each comparison.
PEOPLE = 500


def build_both(release: Path, root: Path, *on_spark: str) -> tuple[Path, Path]:
    """The local and the Spark model directories of ``release`` (``on_spark``: more
    arguments for the Spark build)."""
    local, spark = root / "local", root / "spark"
    assert main(["build", str(release), "--out", str(local), "--no-report"]) == 0
    assert main(["build", str(release), "--out", str(spark), "--no-report", "--engine", "spark", *on_spark]) == 0
    return local, spark


def assert_same_model(local: Path, spark: Path) -> None:
    manifests = [json.loads((model / "manifest.json").read_text()) for model in (local, spark)]
    assert {k: v for k, v in manifests[0].items() if k not in PER_BUILD} == \
        {k: v for k, v in manifests[1].items() if k not in PER_BUILD}
    assert manifests[0]["files"].keys() == manifests[1]["files"].keys()
    assert [name for name, digest in manifests[0]["files"].items() if manifests[1]["files"][name] != digest] == []


def sampled_people(model: Path, n: int, seed: int) -> list[object]:
    """Half people the model knows, half newcomers: a known person's facts with none to
    three movies they like, or no facts at all with one or two."""
    from cinerec.engine import Engine
    from cinerec.profile import Profile

    engine = Engine.load(model)
    rng = np.random.default_rng(seed)
    users = engine.users.sample(n, replace=len(engine.users) < n, random_state=seed)
    movies = engine.catalogue.movie_ids
    people: list[object] = []
    for position, row in enumerate(users.itertuples()):
        likes = tuple(int(movie) for movie in rng.choice(movies, size=rng.integers(0, 4), replace=False))
        facts = {name: (None if pd.isna(value) else value) for name, value in
                 (("gender", row.gender), ("age_band", row.age_band), ("occupation", row.occupation),
                  ("zip", row.zip))}
        if position % 2 == 0:
            people.append(Profile(user_id=int(row.user_id)))
        elif position % 4 == 1:
            people.append(Profile(liked=likes, **facts))
        else:
            people.append(Profile(liked=likes[:2] or (int(movies[position % len(movies)]),)))
    return people


def assert_same_sections(local: Path, spark: Path, seed: int) -> None:
    from cinerec.engine import Engine

    engines = [Engine.load(local), Engine.load(spark)]
    for person in sampled_people(local, PEOPLE, seed):
        answers = [engine.recommend(person, n=10) for engine in engines]  # type: ignore[arg-type]
        shown = [[(section.key, section.heading, [item.movie_id for item in section.items], section.note)
                  for section in answer.sections] for answer in answers]
        assert shown[0] == shown[1], person


def test_real_ml100k_builds_the_same_model(ml100k_path: Path, tmp_path: Path) -> None:
    local, spark = build_both(ml100k_path, tmp_path)
    assert_same_model(local, spark)
    assert_same_sections(local, spark, seed=1)


def test_a_million_ratings_in_dat_files_build_the_same_model(tmp_path: Path) -> None:
    release = tmp_path / "ml-1m"
    generate(SynthConfig(users=6_040, movies=3_706, ratings=1_000_000, format="ml-1m", seed=4), release)
    local, spark = build_both(release, tmp_path)
    assert_same_model(local, spark)
    assert_same_sections(local, spark, seed=2)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "ml-latest-small"
    generate(SynthConfig(users=200, movies=300, ratings=12_000, format="ml-latest", seed=6), folder)
    with (folder / "ratings.csv").open("a") as ratings:  # a pair rated twice: the later rating is kept
        first = (folder / "ratings.csv").read_text().splitlines()[1].split(",")
        ratings.write(f"{first[0]},{first[1]},0.5,{int(first[3]) + 1}\n")
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the Spark build is told to keep its prepared ratings."""
    return tmp_path_factory.mktemp("shared-work")


@pytest.fixture(scope="module")
def models(release: Path, work: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_both(release, tmp_path_factory.mktemp("models"), "--work", str(work))


def test_a_pair_rated_twice_is_kept_alike(models: tuple[Path, Path]) -> None:
    assert_same_model(*models)
    assert_same_sections(*models, seed=3)


def test_the_prepared_ratings_are_removed_from_the_work_folder(models: tuple[Path, Path], work: Path) -> None:
    assert list(work.iterdir()) == []


def test_the_spark_model_answers(models: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["recommend", "--model", str(models[1]), "--gender", "F", "--age", "30", "-n", "3"]) == 0
    assert "For you" in capsys.readouterr().out


def test_a_master_without_spark_is_refused(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", str(release), "--out", str(tmp_path / "model"), "--master", "spark://nowhere:7077"])
    assert code == 2 and "add --engine spark" in capsys.readouterr().err


def profiles(folder: Path, rows: list[str]) -> Path:
    path = folder / "profiles.csv"
    path.write_text("user_id,gender,age,likes\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_batch_on_spark_writes_the_local_lists(models: tuple[Path, Path], tmp_path: Path) -> None:
    people = profiles(tmp_path, [f"{user},F,30," for user in range(1, 41)] + ["900001,M,45,1|2", "900002,F,,3"])
    local_out, spark_out = tmp_path / "local.csv", tmp_path / "spark-out"
    assert main(["recommend-batch", "--model", str(models[0]), "--input", str(people), "--out", str(local_out)]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # e.g. PySpark's about a pandas it does not support
        assert main(["recommend-batch", "--model", str(models[0]), "--input", str(people), "--out",
                     str(spark_out), "--engine", "spark"]) == 0
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
