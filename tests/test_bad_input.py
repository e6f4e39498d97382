"""Bad MovieLens input: a DataError naming the file and line, or a counted warning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import movielens_files as files
from cinerec.data.readers import detect_format, read_movielens
from cinerec.errors import DataError

Writer = Callable[[Path], Path]

#: (writer, file, line to replace, its new content, expected fragment of the message)
BAD_LINES: dict[str, tuple[Writer, str, int, str | bytes, str]] = {
    "csv too few fields": (files.write_csv_release, "ratings.csv", 3, "1,2,4.5", "expected 4 fields, found 3"),
    "csv too many fields": (files.write_csv_release, "ratings.csv", 2, "1,1,4.0,964982703,9",
                            "expected 4 fields, found 5"),
    "csv non-numeric user id": (files.write_csv_release, "ratings.csv", 4, "x,7,5.0,964982224",
                                "userId: 'x' is not a whole number"),
    "csv rating out of range": (files.write_csv_release, "ratings.csv", 5, "2,4,7.0,964983815",
                                "rating 7 is outside 0.5–5"),
    "csv rating off the half-star scale": (files.write_csv_release, "ratings.csv", 2, "1,1,4.25,964982703",
                                           "rating 4.25 is outside 0.5–5 in steps of 0.5"),
    "csv missing rating": (files.write_csv_release, "ratings.csv", 3, "1,2,,964981247", "missing rating"),
    "csv movie not in catalogue": (files.write_csv_release, "ratings.csv", 6, "2,99,3.5,964982931",
                                   "movie 99 is not in movies.csv"),
    "csv invalid UTF-8 title": (files.write_csv_release, "movies.csv", 3, b'2,"Matrix, The \xff (1999)",Action',
                                "title: invalid UTF-8"),
    "csv invalid UTF-8 tag": (files.write_csv_release, "tags.csv", 2, b'1,2,"caf\xe9, dark",1445714994',
                              "tag: invalid UTF-8"),
    "csv non-numeric movie id": (files.write_csv_release, "movies.csv", 4, "4x,Seven (1995),Thriller",
                                 "movieId: '4x' is not a whole number"),
    "csv unknown genre": (files.write_csv_release, "movies.csv", 4, "4,Seven (1995),Mystery|Spaghetti",
                          "unknown genre 'Spaghetti'"),
    "csv movie listed twice": (files.write_csv_release, "movies.csv", 5, "4,Seven (1995),Thriller",
                               "movie id 4 is listed twice"),
    "csv header without rating": (files.write_csv_release, "ratings.csv", 1, "userId,movieId,stars,timestamp",
                                  "header lacks column 'rating'"),
    "genome relevance out of range": (files.write_csv_release, "genome-scores.csv", 3, "1,2,1.5",
                                      "relevance 1.5 is outside 0–1"),
    "genome unknown tag": (files.write_csv_release, "genome-scores.csv", 2, "1,9,0.5",
                           "tag 9 is not in genome-tags.csv"),
    "genome pair scored twice": (files.write_csv_release, "genome-scores.csv", 3, "1,1,0.5",
                                 "scored twice"),
    "ml-1m too few fields": (files.write_ml1m, "ratings.dat", 4, "1::4::3", "expected 4 fields, found 3"),
    "ml-1m half star": (files.write_ml1m, "ratings.dat", 2, "1::1::3.5::881250950",
                        "rating 3.5 is outside 1–5 in whole stars"),
    "ml-1m non-numeric movie id": (files.write_ml1m, "ratings.dat", 5, "2::abc::2::881250953",
                                   "movie_id: 'abc' is not a whole number"),
    "ml-1m unknown user": (files.write_ml1m, "ratings.dat", 8, "9::6::2::881250956", "user 9 is not in users.dat"),
    "ml-1m unknown age code": (files.write_ml1m, "users.dat", 2, "2::F::7::10::01234", "unknown age code 7"),
    "ml-1m unknown occupation code": (files.write_ml1m, "users.dat", 3, "3::F::50::21::T8H1N",
                                      "unknown occupation code 21"),
    "ml-1m bad gender": (files.write_ml1m, "users.dat", 1, "1::X::18::17::85711", "unknown gender 'X'"),
    "ml-10m non-numeric tag timestamp": (files.write_ml10m, "tags.dat", 2, "7::1::pixar::soon",
                                         "timestamp: 'soon' is not a whole number"),
    "ml-100k too few fields": (files.write_ml100k, "u.data", 7, "3\t2", "expected 4 fields, found 2"),
    "ml-100k rating zero": (files.write_ml100k, "u.data", 3, "1\t2\t0\t881250951", "rating 0 is outside 1–5"),
    "ml-100k non-numeric movie id": (files.write_ml100k, "u.item", 3, "x|Film (1995)|||" + "|0" * 19,
                                     "movie_id: 'x' is not a whole number"),
    "ml-100k unknown occupation": (files.write_ml100k, "u.user", 2, "2|15|F|astronaut|01234",
                                   "unknown occupation 'astronaut'"),
    "ml-100k impossible age": (files.write_ml100k, "u.user", 3, "3|0|F|librarian|T8H1N",
                               "age 0 is not an age in years"),
    "ml-100k genre flag not 0 or 1": (files.write_ml100k, "u.item", 2, "2|Matrix, The (1999)|||" + "|2" * 19,
                                      "genre flags must be 0 or 1"),
    "recbole header without rating": (files.write_recbole, "ml-100k.inter", 1,
                                      "user_id:token\titem_id:token\tstars:float\ttimestamp:float",
                                      "header lacks the rating field"),
    "recbole rating out of range": (files.write_recbole, "ml-100k.inter", 3, "1\t1\t6\t881250950",
                                    "rating 6 is outside 1–5"),
}


@pytest.mark.parametrize("case", BAD_LINES)
def test_bad_line_names_file_and_line(tmp_path: Path, case: str) -> None:
    writer, file_name, line, content, fragment = BAD_LINES[case]
    folder = writer(tmp_path / "data")
    files.replace_line(folder / file_name, line, content)
    with pytest.raises(DataError) as caught:
        read_movielens(folder)
    message = str(caught.value)
    assert f"{file_name}:{line}: " in message
    assert fragment in message
    assert caught.value.line == line and "\n" not in message


def test_blank_lines_still_give_the_physical_line(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    files.insert_line(folder / "ratings.csv", 3, "")
    files.insert_line(folder / "ratings.csv", 4, "\r")
    files.replace_line(folder / "ratings.csv", 6, "1,7,9.0,964982224")
    with pytest.raises(DataError, match=r"ratings\.csv:6: rating 9 is outside"):
        read_movielens(folder)
    files.replace_line(folder / "ratings.csv", 6, "1,7")
    with pytest.raises(DataError, match=r"ratings\.csv:6: expected 4 fields, found 2"):
        read_movielens(folder)


# ------------------------------------------------------------- missing files
@pytest.mark.parametrize(
    ("writer", "removed", "fragment"),
    [
        (files.write_ml1m, "ratings.dat", "ml-1m folder has no ratings.dat"),
        (files.write_ml1m, "movies.dat", "ml-1m folder has no movies.dat"),
        (files.write_ml10m, "movies.dat", "ml-10m folder has no movies.dat"),
        (files.write_ml100k, "u.user", "ml-100k folder has no u.user"),
        (files.write_csv_release, "movies.csv", "csv folder has no movies.csv"),
        (files.write_csv_release, "genome-tags.csv", "genome-scores.csv is present but genome-tags.csv is missing"),
        (files.write_recbole, "ml-100k.item", "recbole folder has no ml-100k.item"),
    ],
)
def test_missing_required_file(tmp_path: Path, writer: Writer, removed: str, fragment: str) -> None:
    folder = writer(tmp_path / "data")
    (folder / removed).unlink()
    with pytest.raises(DataError, match=fragment) as caught:
        read_movielens(folder)
    assert caught.value.path == folder


def test_folder_without_movielens_files_lists_what_was_expected(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "README.txt").write_text("holiday pictures")
    (folder / "beach.jpg").write_bytes(b"\xff\xd8")
    for attempt in (detect_format, read_movielens):
        with pytest.raises(DataError) as caught:
            attempt(folder)
        message = str(caught.value)
        assert "photos" in message
        assert all(name in message for name in ("u.data", "ratings.dat", "ratings.csv", ".inter"))


def test_missing_path_or_plain_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        read_movielens(tmp_path / "nowhere")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n")
    with pytest.raises(DataError, match="not a folder or a .zip archive"):
        read_movielens(tmp_path / "ratings.csv")


def test_empty_ratings_file(tmp_path: Path) -> None:
    folder = files.write_ml1m(tmp_path / "data")
    (folder / "ratings.dat").write_text("")
    with pytest.raises(DataError, match=r"ratings\.dat: the file is empty"):
        read_movielens(folder)


def test_recbole_folder_with_two_datasets_is_ambiguous(tmp_path: Path) -> None:
    folder = files.write_recbole(tmp_path / "atomic")
    files.write_recbole(folder, name="ml-1m")
    with pytest.raises(DataError, match="exactly one .inter file \\(found: ml-100k.inter, ml-1m.inter\\)"):
        read_movielens(folder)


def test_incomplete_genome_is_refused(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    lines = (folder / "genome-scores.csv").read_text().splitlines()
    (folder / "genome-scores.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataError, match=r"genome-scores\.csv: 1 \(movie, tag\) pairs have no score"):
        read_movielens(folder)


# ------------------------------------------------------------------ warnings
def test_duplicate_ratings_keep_the_latest_with_a_counted_warning(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    with (folder / "ratings.csv").open("a") as handle:
        handle.write("1,2,2.0,964981000\n")  # older than the 4.5 of line 3: dropped
        handle.write("1,1,3.0,964990000\n")  # newer than the 4.0 of line 2: kept
    dataset = read_movielens(folder)
    assert dataset.warnings == ("ratings.csv: 2 duplicate ratings; kept the latest of each",)
    ratings = dataset.ratings.set_index(["user_id", "movie_id"])
    assert len(ratings) == 6 and ratings.index.is_unique
    assert (ratings.at[(1, 1), "rating"], ratings.at[(1, 1), "timestamp"]) == (3.0, 964990000)
    assert ratings.at[(1, 2), "rating"] == 4.5


def test_tags_and_genome_rows_on_unknown_movies_are_dropped_and_counted(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    with (folder / "tags.csv").open("a") as handle:
        handle.write('3,42,"lost, forever",1445714999\n')
    with (folder / "genome-scores.csv").open("a") as handle:
        handle.write("".join(f"42,{tag},0.25\n" for tag in (1, 2, 3)))
    dataset = read_movielens(folder)
    assert dataset.warnings == ("tags.csv: 1 tag on movies missing from movies.csv; dropped",
                                "genome-scores.csv: 1 movie missing from movies.csv; dropped")
    assert 42 not in dataset.tags["movie_id"].tolist()
    assert dataset.genome is not None and dataset.genome.movie_ids.tolist() == [1, 2, 7]
    assert 3 not in dataset.users["user_id"].tolist()  # their only activity was the dropped tag
