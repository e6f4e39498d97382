"""``describe`` and ``cinerec data inspect`` on small datasets with known contents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import movielens_files
from cinerec.cli.main import main
from cinerec.data import readers
from cinerec.data import vocabulary as vocab
from cinerec.data.combine import combine
from cinerec.data.dataset import Dataset, Genome
from cinerec.data.inspect import (
    MILLISECONDS_WARNING,
    OTHER_ZIP_REGION,
    OUT_OF_RANGE,
    UNKNOWN,
    US_ZIP_REGIONS,
    describe,
    zip_region,
)
from cinerec.reports import html
from test_reports import internal_names

EVIL_TITLE = "<script>alert('x')</script>"

MOVIES = pd.DataFrame({
    "movie_id": [1, 2, 3, 4, 5],
    "title": ["Toy Story", "GoldenEye", "Casablanca", EVIL_TITLE, "Heat"],
    "year": [1995, 1995, 1942, None, 1995],
    "genres": [["Animation", "Children", "Comedy"], ["Action", "Adventure", "Thriller"],
               ["Drama", "Romance", "War"], [], ["Action", "Crime", "Drama"]],
})
USERS = pd.DataFrame({
    "user_id": [1, 2, 3, 4, 5],
    "gender": ["M", "F", "F", None, "M"],
    "age": [24, 31, 15, None, 60],
    "occupation": ["programmer", "writer", "K-12 student", None, "retired"],
    "zip": ["02139", "98101-1234", "T8H1N", None, "V3N4P"],
})
USERS["age_band"] = vocab.age_band_from_years(USERS["age"])
RATINGS = pd.DataFrame(
    [(1, 1, 5.0), (1, 2, 3.0), (1, 3, 4.0), (1, 4, 1.0), (2, 1, 4.0), (2, 3, 5.0),
     (3, 1, 4.5), (3, 2, 2.0), (4, 1, 3.0), (4, 3, 4.0), (4, 4, 0.5)],
    columns=["user_id", "movie_id", "rating"],
).assign(timestamp=lambda f: 880_000_000 + 86_400 * np.arange(len(f)))
TAGS = pd.DataFrame({
    "user_id": [1, 2, 2, 1, 3],
    "movie_id": [1, 1, 3, 2, 1],
    "tag": ["Pixar", " pixar", "classic", "Bond", "PIXAR "],
    "timestamp": [1, 2, 3, 4, 5],
})


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.from_frames(MOVIES, USERS, RATINGS, TAGS, releases=("ml-test",))


@pytest.fixture
def quick_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip rasterising plots (about 0.3 s each) in tests about what surrounds them;
    the report tests that look at plots render them for real."""
    one_pixel = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                              "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4c80000000049454e44ae426082")
    monkeypatch.setattr(html, "figure_to_png", lambda figure: one_pixel)


def test_counts_match_the_dataset(dataset: Dataset) -> None:
    description = describe(dataset)
    assert description.counts == dataset.counts()
    assert description.counts["ratings"] == len(RATINGS)
    assert description.counts["users_with_demographics"] == USERS[["gender", "zip"]].notna().any(axis=1).sum()


def test_rating_activity_includes_people_and_movies_without_ratings(dataset: Dataset) -> None:
    description = describe(dataset)

    per_user = RATINGS.groupby("user_id").size().reindex(USERS["user_id"], fill_value=0)
    per_movie = RATINGS.groupby("movie_id").size().reindex(MOVIES["movie_id"], fill_value=0)
    for summary, counts in ((description.ratings_per_user_summary, per_user),
                            (description.ratings_per_movie_summary, per_movie)):
        assert summary["min"] == counts.min()
        assert summary["median"] == pytest.approx(counts.median())
        assert summary["max"] == counts.max()
        assert summary["mean"] == pytest.approx(counts.mean(), abs=1e-4)
    assert description.ratings["users_without_ratings"] == (per_user == 0).sum()
    assert description.ratings["movies_without_ratings"] == (per_movie == 0).sum()
    assert description.ratings["mean"] == pytest.approx(RATINGS["rating"].mean(), abs=1e-4)
    assert description.ratings["density"] == pytest.approx(len(RATINGS) / (len(USERS) * len(MOVIES)))


def test_rating_values_histogram(dataset: Dataset) -> None:
    expected = {f"{value:g}": n for value, n in RATINGS["rating"].value_counts().sort_index().items()}
    assert describe(dataset).rating_values == expected
    assert list(describe(dataset).rating_values) == ["0.5", "1", "2", "3", "4", "4.5", "5"]


def test_most_rated_movies_show_titles_with_years(dataset: Dataset) -> None:
    top = describe(dataset).most_rated_movies
    per_movie = RATINGS.groupby("movie_id")["rating"].agg(["size", "mean"])
    assert top[0] == {"movie_id": 1, "title": "Toy Story (1995)", "ratings": per_movie.loc[1, "size"],
                      "mean_rating": pytest.approx(per_movie.loc[1, "mean"], abs=1e-4)}
    assert [m["ratings"] for m in top] == sorted(per_movie["size"], reverse=True)  # unrated Heat is left out


def test_genres_count_movies_and_their_ratings(dataset: Dataset) -> None:
    per_movie = RATINGS.groupby("movie_id").size()
    expected: dict[str, dict[str, int]] = {}
    for movie_id, genres in zip(MOVIES["movie_id"], MOVIES["genres"], strict=True):
        for genre in genres or ["(no genre)"]:
            entry = expected.setdefault(genre, {"movies": 0, "ratings": 0})
            entry["movies"] += 1
            entry["ratings"] += int(per_movie.get(movie_id, 0))

    genres = describe(dataset).genres

    assert genres == expected
    most_movies_first = sorted(expected, key=lambda g: (-expected[g]["movies"], -expected[g]["ratings"], g))
    assert list(genres) == most_movies_first


def test_ratings_per_month_include_months_without_ratings() -> None:
    ratings = RATINGS.assign(timestamp=[875_000_000, 875_000_100, *[880_000_000 + 86_400 * i for i in range(9)]])
    dataset = Dataset.from_frames(MOVIES, USERS, ratings, TAGS, releases=("ml-test",))

    months = describe(dataset).ratings_per_month

    # 1997-09-23, twice; then 1997-11-20 onwards, one a day
    assert months == {"1997-09": 2, "1997-10": 0, "1997-11": 9}


def test_long_tail_shares(dataset: Dataset) -> None:
    # Ratings per movie: 4, 2, 3, 2 and Heat's 0 of 11.
    shares = {"1%": 4 / 11, "10%": 4 / 11, "20%": 4 / 11, "50%": 7 / 11}  # the top 1, 1, 1 and 2 movies
    assert describe(dataset).long_tail == {top: pytest.approx(share, abs=1e-4) for top, share in shares.items()}


def test_millisecond_timestamps_are_read_as_such_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = movielens_files.write_csv_release(tmp_path / "ml-latest-small")
    ratings = folder / "ratings.csv"
    frame = pd.read_csv(ratings)
    frame.assign(timestamp=frame["timestamp"] * 1000).to_csv(ratings, index=False)

    status = main(["data", "inspect", str(folder), "--json", "--report", str(tmp_path / "report")])

    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert document["warnings"][-1] == MILLISECONDS_WARNING
    assert document["distributions"]["ratings"]["first"] == "2000-07-30"
    assert list(document["distributions"]["ratings_per_month"]) == ["2000-07"]
    assert "milliseconds" in (tmp_path / "report" / "index.html").read_text()


def test_dates_no_calendar_holds_are_said_to_be_out_of_range() -> None:
    ratings = RATINGS.assign(timestamp=[-10**17, *[880_000_000] * (len(RATINGS) - 2), 10**17 - 1])
    description = describe(Dataset.from_frames(MOVIES, USERS, ratings, TAGS, releases=("ml-test",)))

    assert description.ratings["first"] == description.ratings["last"] == OUT_OF_RANGE
    assert description.ratings_per_month == {}
    assert "too long a span to chart by month" in description.report().render()


def test_decades_and_unknown_years(dataset: Dataset) -> None:
    assert describe(dataset).decades == {"1940s": 1, "1990s": 3, UNKNOWN: 1}


def test_demographics(dataset: Dataset) -> None:
    description = describe(dataset)
    assert description.genders == {"F": 2, "M": 2, UNKNOWN: 1}
    assert description.age_bands == {"under 18": 1, "18-24": 1, "25-34": 1, "35-44": 0, "45-49": 0,
                                     "50-55": 0, "56+": 1, UNKNOWN: 1}
    assert description.occupations == {"K-12 student": 1, "programmer": 1, "retired": 1, "writer": 1, UNKNOWN: 1}
    assert description.zip_regions == {US_ZIP_REGIONS["0"]: 1, US_ZIP_REGIONS["9"]: 1, OTHER_ZIP_REGION: 2,
                                       UNKNOWN: 1}


@pytest.mark.parametrize(("zip_code", "region"), [
    ("02139", US_ZIP_REGIONS["0"]), ("55455", US_ZIP_REGIONS["5"]), ("98101-1234", US_ZIP_REGIONS["9"]),
    ("T8H1N", OTHER_ZIP_REGION), ("V3N4P", OTHER_ZIP_REGION), ("E2A4H", OTHER_ZIP_REGION),
    (None, None), (np.nan, None), ("  ", None),
])
def test_zip_region(zip_code: object, region: str | None) -> None:
    assert zip_region(zip_code) == region


def test_tags_are_normalised_before_counting(dataset: Dataset) -> None:
    description = describe(dataset)
    assert description.top_tags == {"pixar": 3, "bond": 1, "classic": 1}
    assert description.tagging == {"applications": len(TAGS), "distinct_tags": 3,
                                   "tagged_movies": TAGS["movie_id"].nunique(), "taggers": TAGS["user_id"].nunique()}


def test_genome_coverage() -> None:
    genome = Genome(movie_ids=np.array([1, 3], dtype=np.int32), tags=("pixar", "noir", "bond"),
                    relevance=np.zeros((2, 3), dtype=np.float32))
    dataset = Dataset.from_frames(MOVIES, USERS, RATINGS, TAGS, genome=genome, releases=("ml-test",))

    coverage = describe(dataset).genome

    covered_ratings = RATINGS["movie_id"].isin([1, 3]).sum()
    assert coverage == {"movies": 2, "tags": 3, "catalogue_share": pytest.approx(2 / len(MOVIES)),
                        "rating_share": pytest.approx(covered_ratings / len(RATINGS), abs=1e-4)}


def test_json_document_has_counts_on_top_and_is_plain_json(dataset: Dataset) -> None:
    document = json.loads(json.dumps(describe(dataset).to_json()))  # fails on numpy scalars

    for key in ("users", "movies", "ratings", "tags", "users_with_demographics", "releases", "fingerprint"):
        assert key in document
    assert document["users"] == len(USERS)
    assert document["releases"] == ["ml-test"]
    assert document["fingerprint"] == dataset.fingerprint
    assert document["distributions"]["genders"] == {"F": 2, "M": 2, UNKNOWN: 1}
    assert document["combination"] is None


def test_report_has_plots_and_escapes_titles(dataset: Dataset, tmp_path: Path) -> None:
    path = describe(dataset).report().write(tmp_path)
    html = path.read_text()

    # ratings, per month, 2 long tails and the concentration curve, genres, decades, 4 demographics, top tags
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 12
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Toy Story (1995)" in html
    assert "The top 10% of movies get 36% of the ratings" in html
    assert internal_names(html) == []


def test_release_without_demographics_says_so(tmp_path: Path) -> None:
    users = USERS[["user_id"]]
    dataset = Dataset.from_frames(MOVIES, users, RATINGS, releases=("ml-bare",))

    description = describe(dataset)
    html = description.report().render()

    assert description.age_bands == {UNKNOWN: len(users)}
    assert description.zip_regions == {UNKNOWN: len(users)}
    assert not description.has_demographics
    assert "does not describe its users" in html
    assert "has no tags" in html


@pytest.mark.usefixtures("quick_figures")
def test_combined_releases_are_described_side_by_side() -> None:
    first_ids, second_ids = {1, 2, 3}, {2, 3, 4, 5}
    renamed = MOVIES.assign(title=MOVIES["title"].replace({"Casablanca": "Casablanca: The Restoration"}))
    in_first = RATINGS["movie_id"].isin(list(first_ids)) & RATINGS["user_id"].isin([1, 2, 3])
    in_second = RATINGS["movie_id"].isin(list(second_ids)) & RATINGS["user_id"].isin([4, 5])
    first = Dataset.from_frames(MOVIES[MOVIES["movie_id"].isin(list(first_ids))], USERS[USERS["user_id"] <= 3],
                                RATINGS[in_first], releases=("ml-1m",))
    second = Dataset.from_frames(renamed[renamed["movie_id"].isin(list(second_ids))],
                                 USERS.loc[USERS["user_id"] > 3, ["user_id"]], RATINGS[in_second],
                                 releases=("ml-25m",))
    dataset, summary = combine([first, second])

    description = describe(dataset, summary)
    html = description.report().render()

    combination = description.to_json()["combination"]
    assert combination["matched_movies"] == len(first_ids & second_ids)
    assert combination["only_in"] == {"ml-1m": len(first_ids - second_ids), "ml-25m": len(second_ids - first_ids)}
    assert [row["movie_id"] for row in combination["title_disagreements"]] == [3]
    assert [(r["release"], r["users"], r["users_with_demographics"], r["ratings"]) for r in description.per_release] \
        == [("ml-1m", 3, 3, in_first.sum()), ("ml-25m", 2, 0, in_second.sum())]
    assert "Releases combined" in html and "Casablanca: The Restoration" in html
    assert "Not shown: 2 users with no known gender." in html  # ml-25m users do not dwarf the bars


# ------------------------------------------------------------------ command line
@pytest.fixture
def fake_reader(quick_figures: None, dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Serve the fixture dataset from ``load_datasets`` and record the paths asked for."""
    calls: list[list[Path]] = []

    def load_datasets(paths: list[Path]) -> tuple[Dataset, None]:
        calls.append(list(paths))
        return dataset, None

    monkeypatch.setattr(readers, "load_datasets", load_datasets)
    return calls


def test_cli_json_prints_only_json_and_writes_the_report(fake_reader: list[list[Path]], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "inspect", "a", "b", "--json", "--report", str(tmp_path / "report")])

    out, err = capsys.readouterr()
    document = json.loads(out)
    assert status == 0
    assert fake_reader == [[Path("a"), Path("b")]]
    assert document["users"] == len(USERS) and document["ratings"] == len(RATINGS)
    assert (tmp_path / "report" / "index.html").exists()
    assert str(tmp_path / "report" / "index.html") in err


def test_cli_tables_and_default_report_location(fake_reader: list[list[Path]], dataset: Dataset,
                                                isolated_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "inspect", "somewhere"])

    out = capsys.readouterr().out
    report = isolated_cache / "reports" / dataset.fingerprint / "index.html"
    assert status == 0
    assert report.exists()
    assert f"Report: {report}" in out
    assert "Toy Story (1995)" in out and EVIL_TITLE in out  # plain text, not rich markup
    assert "\x1b[" not in out  # no colour codes when piped
    assert re.search(r"users with demographics\s+4\b", out)


def test_cli_reports_an_unwritable_report_folder(fake_reader: list[list[Path]], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    occupied = tmp_path / "not-a-folder"
    occupied.write_text("a file where the report folder should go")

    status = main(["data", "inspect", "x", "--json", "--report", str(occupied)])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == f"cinerec: error: {occupied} exists and is not a folder; choose a folder for the report\n"
    assert occupied.read_text() == "a file where the report folder should go"


@pytest.mark.usefixtures("quick_figures")
def test_cli_combines_releases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ml1m = movielens_files.write_ml1m(tmp_path / "ml-1m")
    ml25m = movielens_files.write_csv_release(tmp_path / "ml-25m")
    expected, _ = readers.load_datasets([ml1m, ml25m])

    status = main(["data", "inspect", str(ml1m), str(ml25m), "--json", "--report", str(tmp_path / "report")])

    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert {key: document[key] for key in expected.counts()} == expected.counts()
    assert document["releases"] == ["ml-1m", "ml-25m"]
    assert [row["release"] for row in document["distributions"]["per_release"]] == ["ml-1m", "ml-25m"]
    assert document["combination"]["releases"] == ["ml-1m", "ml-25m"]
    assert "Releases combined" in (tmp_path / "report" / "index.html").read_text()


def test_cli_reports_unreadable_data_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "inspect", str(tmp_path / "missing"), "--report", str(tmp_path / "report")])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("cinerec: error: ") and err.count("\n") == 1
    assert not (tmp_path / "report").exists()


@pytest.mark.realdata
def test_cli_on_real_movielens_100k(ml100k_path: Path, isolated_cache: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "inspect", str(ml100k_path), "--json"])

    out, err = capsys.readouterr()
    document = json.loads(out)
    assert status == 0
    # 18 films listed twice are one movie each; 307 ratings of people who rated both go.
    assert (document["users"], document["movies"], document["ratings"]) == (943, 1664, 99_693)
    assert document["users_with_demographics"] == 943
    assert sum(document["distributions"]["rating_values"].values()) == 99_693
    assert sum(document["distributions"]["genders"].values()) == 943
    report = isolated_cache / "reports" / document["fingerprint"] / "index.html"
    assert report.exists() and str(report) in err
    assert "Star Wars (1977)" in report.read_text()
