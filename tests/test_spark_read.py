"""Spark reads every MovieLens layout's ratings as the local parser does: the same
ratings from ``u.data``, ``ratings.dat``, ``ratings.csv`` and ``ratings.parquet``, and
for a damaged file the same one-line error, with the same file and line (or part file
and row). A release named by URI is read through Hadoop's file systems, its errors
naming the URI.

Runs in the shared local-mode Spark session (the ``spark`` fixture); skips cleanly where
pyspark or a Java runtime is missing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cinerec.cli.main import main
from cinerec.data.readers import read_movielens
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.errors import CinerecError, DataError

pytestmark = pytest.mark.slow

#: Each layout's ratings file, its separator, and whether it starts with a header.
LAYOUTS = {"ml-100k": ("u.data", "\t", False), "ml-1m": ("ratings.dat", "::", False),
           "ml-latest": ("ratings.csv", ",", True)}
#: The line that each damage changes (counting a header).
LINE = 41

#: How each damage rewrites the fields (user, movie, rating, timestamp) of one row.
DAMAGES: dict[str, Callable[[list[str]], list[str]]] = {
    "rating off the scale": lambda f: [f[0], f[1], "7", f[3]],
    "user not a number": lambda f: ["abc", *f[1:]],
    "a field missing": lambda f: f[:3],
    "a field too many": lambda f: [*f, "9"],
    "negative movie": lambda f: [f[0], "-3", *f[2:]],
    "unknown movie": lambda f: [f[0], "999999", *f[2:]],
    "empty rating": lambda f: [f[0], f[1], "", f[3]],
    "user out of range": lambda f: ["99999999999", *f[1:]],
    "rating not a number": lambda f: [f[0], f[1], "four", f[3]],
    "unknown user": lambda f: ["99999", *f[1:]],
}


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("releases")
    made = {}
    for layout in LAYOUTS:
        made[layout] = root / layout
        generate(SynthConfig(users=60, movies=80, ratings=1_500, format=layout, seed=1), made[layout])
    return made


def damaged(release: Path, layout: str, damage: str, folder: Path) -> Path:
    copy = folder / release.name
    shutil.copytree(release, copy)
    name, separator, _ = LAYOUTS[layout]
    lines = (copy / name).read_text().splitlines()
    lines[LINE - 1] = separator.join(DAMAGES[damage](lines[LINE - 1].split(separator)))
    (copy / name).write_text("\n".join(lines) + "\n")
    return copy


def error_of(read: Callable[[], Any]) -> str:
    with pytest.raises(CinerecError) as caught:
        read()
    return str(caught.value)


def read_on_spark(spark: Any, path: str | Path) -> Any:
    from cinerec.spark.prepare import read_release

    with tempfile.TemporaryDirectory() as work:
        return read_release(spark, str(path), f"{Path(work).as_uri()}/ratings")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_the_same_ratings(spark: Any, releases: dict[str, Path], layout: str) -> None:
    local, on_spark = read_movielens(releases[layout]), read_on_spark(spark, releases[layout])
    pd.testing.assert_frame_equal(local.ratings, on_spark.ratings)
    pd.testing.assert_frame_equal(local.movies, on_spark.movies)
    assert local.warnings == on_spark.warnings


#: Every damage in the CSV layout, the layout of large collections; in the others, those
#: their separators or their users' list make different.
CASES = [("ml-latest", damage) for damage in DAMAGES if damage != "unknown user"] + [
    (layout, damage) for layout in ("ml-100k", "ml-1m")
    for damage in ("a field missing", "user not a number", "unknown user")]


@pytest.mark.parametrize(("layout", "damage"), CASES)
def test_a_damaged_row_is_the_same_one_line_error(spark: Any, releases: dict[str, Path], layout: str,
                                                  damage: str, tmp_path: Path) -> None:
    copy = damaged(releases[layout], layout, damage, tmp_path)
    local = error_of(lambda: read_movielens(copy))
    assert f":{LINE}: " in local, local  # the damage is found, at its line
    assert error_of(lambda: read_on_spark(spark, copy)) == local


def test_a_byte_order_mark_and_windows_line_ends_read_alike(spark: Any, releases: dict[str, Path],
                                                           tmp_path: Path) -> None:
    copy = tmp_path / "ml-latest"
    shutil.copytree(releases["ml-latest"], copy)
    text = (copy / "ratings.csv").read_text()
    (copy / "ratings.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    pd.testing.assert_frame_equal(read_on_spark(spark, copy).ratings, read_movielens(copy).ratings)


def test_a_file_of_no_ratings_is_refused_alike(spark: Any, releases: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "ml-latest"
    shutil.copytree(releases["ml-latest"], copy)
    (copy / "ratings.csv").write_text("userId,movieId,rating,timestamp\n\n")
    local = error_of(lambda: read_movielens(copy))
    assert local.endswith("lists no ratings")
    assert error_of(lambda: read_on_spark(spark, copy)) == local


def test_a_header_without_its_columns_is_refused_alike(spark: Any, releases: dict[str, Path],
                                                       tmp_path: Path) -> None:
    copy = tmp_path / "ml-latest"
    shutil.copytree(releases["ml-latest"], copy)
    lines = (copy / "ratings.csv").read_text().splitlines()
    (copy / "ratings.csv").write_text("\n".join(["user,movieId,rating,timestamp", *lines[1:]]) + "\n")
    local = error_of(lambda: read_movielens(copy))
    assert "header lacks column 'userId'" in local
    assert error_of(lambda: read_on_spark(spark, copy)) == local


def as_parquet(release: Path, folder: Path) -> Path:
    """The release with its ratings as Parquet instead of CSV."""
    copy = folder / release.name
    shutil.copytree(release, copy)
    pd.read_csv(copy / "ratings.csv").to_parquet(copy / "ratings.parquet", index=False)
    (copy / "ratings.csv").unlink()
    return copy


def test_parquet_ratings_read_alike(spark: Any, releases: dict[str, Path], tmp_path: Path) -> None:
    copy = as_parquet(releases["ml-latest"], tmp_path)
    expected = read_movielens(releases["ml-latest"]).ratings
    pd.testing.assert_frame_equal(read_movielens(copy).ratings, expected)
    pd.testing.assert_frame_equal(read_on_spark(spark, copy).ratings, expected)


def test_a_bad_parquet_row_names_its_row_alike(spark: Any, releases: dict[str, Path], tmp_path: Path) -> None:
    copy = as_parquet(releases["ml-latest"], tmp_path)
    ratings = pd.read_parquet(copy / "ratings.parquet")
    ratings.loc[LINE - 2, "rating"] = 7.0
    ratings.to_parquet(copy / "ratings.parquet", index=False)
    local = error_of(lambda: read_movielens(copy))
    assert local == f"{copy / 'ratings.parquet'}: row {LINE - 1}: rating 7 is outside 0.5–5 in steps of 0.5"
    assert error_of(lambda: read_on_spark(spark, copy)) == local


def test_a_release_named_by_uri_reads_alike(spark: Any, releases: dict[str, Path]) -> None:
    uri = releases["ml-1m"].as_uri()
    on_spark = read_on_spark(spark, uri)
    local = read_movielens(releases["ml-1m"])
    pd.testing.assert_frame_equal(on_spark.ratings, local.ratings)
    pd.testing.assert_frame_equal(on_spark.users, local.users)


def test_an_error_in_a_release_named_by_uri_names_the_uri(spark: Any, releases: dict[str, Path],
                                                          tmp_path: Path) -> None:
    copy = damaged(releases["ml-1m"], "ml-1m", "rating off the scale", tmp_path)
    assert error_of(lambda: read_on_spark(spark, copy.as_uri())) == \
        f"{copy.as_uri()}/ratings.dat:{LINE}: rating 7 is outside 1–5 in whole stars"
    lines = (copy / "movies.dat").read_text(encoding="latin-1").splitlines()
    lines[2] = "x::y"
    (copy / "movies.dat").write_text("\n".join(lines) + "\n", encoding="latin-1")
    local = error_of(lambda: read_movielens(copy))
    assert error_of(lambda: read_on_spark(spark, copy.as_uri())) == \
        local.replace(str(copy / "movies.dat"), f"{copy.as_uri()}/movies.dat")


def test_a_missing_uri_is_one_line(spark: Any, tmp_path: Path) -> None:
    assert error_of(lambda: read_on_spark(spark, (tmp_path / "nowhere").as_uri())) == \
        f"{(tmp_path / 'nowhere').as_uri()}: no such file or folder"


def test_build_on_spark_from_a_uri_is_the_local_model(spark: Any, releases: dict[str, Path], tmp_path: Path) -> None:
    from test_spark_build import assert_same_model

    assert main(["build", str(releases["ml-100k"]), "--out", str(tmp_path / "local"), "--no-report"]) == 0
    assert main(["build", releases["ml-100k"].as_uri(), "--out", str(tmp_path / "spark"), "--no-report",
                 "--engine", "spark"]) == 0
    assert_same_model(tmp_path / "local", tmp_path / "spark")


def test_a_bad_rating_through_the_command_is_one_line(spark: Any, releases: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    copy = damaged(releases["ml-latest"], "ml-latest", "rating off the scale", tmp_path)
    code = main(["build", str(copy), "--out", str(tmp_path / "model"), "--engine", "spark"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == f"cinerec: error: {copy / 'ratings.csv'}:{LINE}: rating 7 is outside 0.5–5 in steps of 0.5"
    assert not (tmp_path / "model").exists()


def test_data_errors_stay_data_errors(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(DataError):
        read_on_spark(spark, tmp_path / "nothing-here")


def test_a_scheme_spark_cannot_read_is_one_line_saying_so(spark: Any) -> None:
    error = error_of(lambda: read_on_spark(spark, "foo://bucket/ml-25m"))
    assert error.startswith('foo://bucket/ml-25m: cannot reach (No FileSystem for scheme "foo"') and "\n" not in error
    assert "connector" in error


def test_ratings_that_are_a_folder_at_a_uri_are_one_line(spark: Any, releases: dict[str, Path],
                                                         tmp_path: Path) -> None:
    copy = tmp_path / "ml-1m"
    shutil.copytree(releases["ml-1m"], copy)
    (copy / "ratings.dat").unlink()
    (copy / "ratings.dat").mkdir()
    assert error_of(lambda: read_on_spark(spark, copy.as_uri())) == \
        f"{copy.as_uri()}/ratings.dat: is a folder, not a file"


def test_a_command_uses_the_running_session_and_leaves_it_running(spark: Any) -> None:
    from cinerec.spark.session import spark_session

    with spark_session() as session:
        assert session is spark
    assert spark.range(3).count() == 3
