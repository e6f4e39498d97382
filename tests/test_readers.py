"""Every MovieLens format read into the canonical Dataset; detection; the Parquet cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import movielens_files as files
from cinerec.data import readers
from cinerec.data.dataset import Dataset
from cinerec.data.readers import FORMATS, detect_format, load_dataset, load_datasets, read_movielens
from cinerec.errors import DataError

#: The fixture world's ratings, as (user, movie, stars), sorted by user then movie.
SORTED_RATINGS = [(1, 1, 4), (1, 2, 5), (1, 4, 3), (1, 6, 2), (2, 1, 5), (2, 3, 2), (3, 2, 4), (3, 5, 1)]
FIXTURE_TITLES = ["Toy Story", "The Matrix", "The City of Lost Children", "Se7en", "Les Misérables",
                  "Unknown Pleasures"]
FIXTURE_GENRES = [["Animation", "Children", "Comedy"], ["Action", "Sci-Fi", "Thriller"], ["Adventure", "Sci-Fi"],
                  ["Crime", "Thriller"], ["Drama", "Musical"], []]
#: (gender, age band, occupation, zip) of users 1-3, whether described by ml-100k or by ml-1m codes.
FIXTURE_DEMOGRAPHICS = [("M", "18-24", "technician/engineer", "85711"), ("F", "under 18", "K-12 student", "01234"),
                        ("F", "50-55", "academic/educator", "T8H1N")]

WRITERS = {
    "ml-100k": files.write_ml100k,
    "ml-1m": files.write_ml1m,
    "ml-10m": files.write_ml10m,
    "csv": files.write_csv_release,
    "recbole": files.write_recbole,
}


def assert_canonical_dtypes(dataset: Dataset) -> None:
    assert dataset.ratings.dtypes.astype(str).tolist() == ["int32", "int32", "float32", "int64"]
    assert dataset.tags["user_id"].dtype == np.int32 and dataset.tags["timestamp"].dtype == np.int64
    assert dataset.movies["movie_id"].dtype == np.int32 and str(dataset.movies["year"].dtype) == "Int16"
    assert dataset.users["user_id"].dtype == np.int32


# ------------------------------------------------------------------ real ml-100k
def _ml100k_merged_by_hand(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """u.item's ids (each mapped to the lowest id listed with the same raw title) and
    u.data with every movie on its kept id, a person's ratings of one film reduced to
    their latest (a tie: the kept id's), sorted by user then movie — computed here with
    pandas, independently of the reader."""
    items = pd.read_csv(folder / "u.item", sep="|", header=None, encoding="latin-1", usecols=[0, 1],
                        names=["movie_id", "raw_title"])
    items["kept"] = items.groupby("raw_title")["movie_id"].transform("min")
    ratings = pd.read_csv(folder / "u.data", sep="\t", header=None,
                          names=["user_id", "movie_id", "rating", "timestamp"])
    ratings = ratings.merge(items[["movie_id", "kept"]], on="movie_id")
    ratings["on_kept"] = ratings["movie_id"] == ratings["kept"]
    latest = (ratings.sort_values(["user_id", "kept", "timestamp", "on_kept"])
              .drop_duplicates(["user_id", "kept"], keep="last"))
    latest = latest.assign(movie_id=latest["kept"])[["user_id", "movie_id", "rating", "timestamp"]]
    return items, latest.sort_values(["user_id", "movie_id"], ignore_index=True)


@pytest.mark.realdata
def test_real_ml100k(ml100k_path: Path) -> None:
    dataset = read_movielens(ml100k_path)
    assert dataset.releases == ("ml-100k",)
    items, expected = _ml100k_merged_by_hand(ml100k_path)
    assert (len(dataset.ratings), dataset.n_users, dataset.n_movies) == (len(expected), 943, items["kept"].nunique())
    assert dataset.users[["gender", "age_band", "occupation"]].notna().all().all()
    assert dataset.users["age"].notna().all()
    assert_canonical_dtypes(dataset)
    movies = dataset.movies.set_index("movie_id")
    assert (movies.at[1, "title"], movies.at[1, "year"], movies.at[1, "genres"]) == \
        ("Toy Story", 1995, ["Animation", "Children", "Comedy"])
    assert movies.at[12, "raw_title"] == "Usual Suspects, The (1995)"
    assert movies.at[12, "title"] == "The Usual Suspects"
    assert (movies.at[11, "title"], movies.at[11, "alt_titles"]) == ("Seven", ["Se7en"])
    assert set(np.unique(dataset.ratings["rating"])) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert not dataset.ratings.duplicated(["user_id", "movie_id"]).any()


@pytest.mark.realdata
def test_real_ml100k_films_listed_twice_are_merged(ml100k_path: Path) -> None:
    dataset = read_movielens(ml100k_path)
    items, expected = _ml100k_merged_by_hand(ml100k_path)
    merged_away = items.loc[items["movie_id"] != items["kept"], "movie_id"]
    assert len(merged_away) > 0  # "Chasing Amy (1997)", "Nightwatch (1997)", ... are listed twice
    assert dataset.movies["movie_id"].tolist() == sorted(items["kept"].unique())
    assert not set(merged_away) & set(dataset.ratings["movie_id"])
    assert not dataset.movies.duplicated(["raw_title", "year"]).any()
    pd.testing.assert_frame_equal(dataset.ratings, expected.astype(dataset.ratings.dtypes.to_dict()))
    for title in ("Chasing Amy (1997)", "Nightwatch (1997)"):
        assert (dataset.movies["raw_title"] == title).sum() == 1
    (warning,) = dataset.warnings
    assert warning.startswith(f"u.item: {len(merged_away)} duplicate movies (the same title and year under another id) "
                              "merged into the lowest id")
    assert f"{100_000 - len(expected)} ratings by people who had rated both dropped" in warning
    assert "\n" not in warning


@pytest.mark.realdata
def test_real_ml100k_young_students_are_k12(ml100k_path: Path) -> None:
    rows = [line.split("|") for line in (ml100k_path / "u.user").read_text(encoding="latin-1").splitlines()]
    young_students = {int(row[0]) for row in rows if row[3] == "student" and int(row[1]) < 18}
    users = read_movielens(ml100k_path).users.set_index("user_id")
    assert young_students
    assert set(users.index[users["occupation"] == "K-12 student"]) == young_students


# ------------------------------------------------------------ written fixtures
@pytest.mark.parametrize("release_format", ["ml-100k", "ml-1m", "recbole"])
def test_releases_with_demographics_agree(tmp_path: Path, release_format: str) -> None:
    dataset = read_movielens(WRITERS[release_format](tmp_path / "data"))
    assert_canonical_dtypes(dataset)
    assert list(dataset.ratings[["user_id", "movie_id", "rating"]].itertuples(index=False, name=None)) == \
        SORTED_RATINGS
    assert dataset.movies["title"].tolist() == FIXTURE_TITLES
    assert dataset.movies["genres"].tolist() == FIXTURE_GENRES
    assert dataset.movies["alt_titles"].tolist()[2] == ["La Cité des enfants perdus"]
    assert dataset.movies["year"].tolist()[:5] == [1995, 1999, 1995, 1995, 1995]
    users = dataset.users[["gender", "age_band", "occupation", "zip"]].astype(object)
    assert list(users.itertuples(index=False, name=None)) == FIXTURE_DEMOGRAPHICS
    assert dataset.tags.empty and dataset.genome is None and dataset.warnings == ()


#: A second Se7en (id 9) and a second Matrix (id 8): (id, raw title without year, year, ml-100k genres).
LISTED_AGAIN = ((9, "Se7en", 1995, ("Crime", "Mystery")), (8, "Matrix, The", 1999, ("Action",)))
#: Their ratings, testing every rule of the merge: user 1 rated Se7en 4 stars as movie 4 at
#: ...952 and later as movie 9 (the later one wins); user 2 rated only the second Se7en
#: and only the second Matrix (both move onto the kept id); user 3 rated the Matrix as
#: movie 2 at the same second as movie 8 (a tie: the kept id's rating wins).
RATINGS_OF_THE_SECOND_IDS = ((1, 9, 1, 881250999), (2, 9, 2, 881250999), (3, 8, 1, 881250955), (2, 8, 5, 881250000))


def _list_films_twice(folder: Path, release_format: str) -> None:
    """Append :data:`LISTED_AGAIN` and :data:`RATINGS_OF_THE_SECOND_IDS` to a written ml-100k or RecBole fixture."""
    if release_format == "ml-100k":
        item_file, inter_file = "u.item", "u.data"
        items = [f"{movie_id}|{title} ({year})|01-Jan-{year}||http://x|"
                 + "|".join("1" if genre in genres else "0" for genre in files.ML100K_GENRES)
                 for movie_id, title, year, genres in LISTED_AGAIN]
    else:
        item_file, inter_file = "ml-100k.item", "ml-100k.inter"
        items = [f"{movie_id}\t{title}\t{year}\t{' '.join(genres)}" for movie_id, title, year, genres in LISTED_AGAIN]
    with (folder / item_file).open("a", encoding="latin-1") as handle:
        handle.writelines(line + "\n" for line in items)
    with (folder / inter_file).open("a") as handle:
        handle.writelines("\t".join(map(str, row)) + "\n" for row in RATINGS_OF_THE_SECOND_IDS)


@pytest.mark.parametrize("release_format", ["ml-100k", "recbole"])
def test_films_listed_twice_are_merged_into_the_lower_id(tmp_path: Path, release_format: str) -> None:
    folder = WRITERS[release_format](tmp_path / "data")
    _list_films_twice(folder, release_format)
    dataset = read_movielens(folder)
    assert dataset.movies["movie_id"].tolist() == [1, 2, 3, 4, 5, 6]
    se7en = dataset.movies.set_index("movie_id").loc[4]
    assert se7en["genres"] == ["Crime", "Thriller", "Mystery"]  # the kept id's genres first, then the other's
    ratings = {(u, m): (r, t) for u, m, r, t in dataset.ratings.itertuples(index=False, name=None)}
    assert ratings[(1, 4)] == (1.0, 881250999)  # the latest of the two
    assert ratings[(2, 4)] == (2.0, 881250999)  # moved onto the kept id
    assert ratings[(3, 2)] == (4.0, 881250955)  # a tie: the kept id's
    assert ratings[(2, 2)] == (5.0, 881250000)
    assert len(dataset.ratings) == len(SORTED_RATINGS) + 2
    item_file = "u.item" if release_format == "ml-100k" else "ml-100k.item"
    assert dataset.warnings == (f"{item_file}: 2 duplicate movies (the same title and year under another id) "
                                "merged into the lowest id; 2 ratings by people who had rated both dropped, "
                                "keeping their latest",)
    assert not dataset.ratings.duplicated(["user_id", "movie_id"]).any()


def test_a_remake_in_another_year_is_not_merged(tmp_path: Path) -> None:
    folder = files.write_ml100k(tmp_path / "data")
    flags = "|".join("0" for _ in files.ML100K_GENRES)
    with (folder / "u.item").open("a", encoding="latin-1") as handle:
        handle.write(f"7|Toy Story (2095)|01-Jan-2095||http://x|{flags}\n")
    dataset = read_movielens(folder)
    assert dataset.n_movies == 7 and dataset.warnings == ()


def test_ml100k_ages_and_release_date_year(tmp_path: Path) -> None:
    dataset = read_movielens(files.write_ml100k(tmp_path / "data"))
    assert dataset.users["age"].tolist() == [24, 15, 53]
    # "Unknown Pleasures" has no year in its title: it comes from the release date
    assert dataset.movies["year"].tolist()[5] == 1997


def test_ml1m_has_no_ages_in_years(tmp_path: Path) -> None:
    dataset = read_movielens(files.write_ml1m(tmp_path / "ml-1m"))
    assert dataset.releases == ("ml-1m",)
    assert dataset.users["age"].isna().all()
    assert pd.isna(dataset.movies["year"].tolist()[5])


def test_ml10m_half_stars_tags_and_users_from_activity(tmp_path: Path) -> None:
    dataset = read_movielens(files.write_ml10m(tmp_path / "ml-10M100K"))
    assert dataset.releases == ("ml-10m",)
    assert dataset.ratings["rating"].tolist() == [stars - 0.5 for _, _, stars in SORTED_RATINGS]
    assert list(dataset.tags[["user_id", "movie_id", "tag"]].itertuples(index=False, name=None)) == \
        [(1, 2, "mind-bending"), (7, 1, "pixar, classic")]
    assert dataset.users["user_id"].tolist() == [1, 2, 3, 7]
    assert dataset.users_with_demographics() == 0
    assert (dataset.users["release"] == "ml-10m").all()


def test_csv_release_with_quotes_and_genome(tmp_path: Path) -> None:
    dataset = read_movielens(files.write_csv_release(tmp_path / "ml-latest-small"))
    assert dataset.releases == ("ml-latest-small",)
    assert_canonical_dtypes(dataset)
    movies = dataset.movies.set_index("movie_id")
    assert movies.index.tolist() == [1, 2, 4, 7, 8, 9]
    assert movies.at[2, "title"] == "The Matrix"
    assert (movies.at[4, "title"], movies.at[4, "alt_titles"]) == ("Seven", ["Se7en"])
    assert movies.at[7, "title"] == "The Good, the Bad and the Ugly"
    assert movies.at[7, "alt_titles"] == ["Il Buono, il brutto, il cattivo"]
    assert (movies.at[8, "title"], movies.at[8, "year"]) == ('"Great Performances" Cats', 1998)
    assert pd.isna(movies.at[9, "year"]) and movies.at[9, "genres"] == []
    assert movies.at[1, "genres"] == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    assert dataset.ratings["rating"].tolist() == [4.0, 4.5, 5.0, 0.5, 3.5, 2.0]
    assert dataset.tags["tag"].tolist() == ["dark, twisted", "Sergio Leone", "pixar"]
    assert dataset.users["user_id"].tolist() == [1, 2, 5, 9]
    genome = dataset.genome
    assert genome is not None
    assert genome.movie_ids.tolist() == [1, 2, 7]
    assert genome.tags == ("007", "dark, gritty", "atmospheric")
    assert genome.relevance.dtype == np.float32
    expected = [[files.genome_relevance(m, t) for t in (1, 2, 3)] for m in files.GENOME_MOVIES]
    np.testing.assert_array_equal(genome.relevance, np.asarray(expected, dtype=np.float32))


def test_csv_release_without_genome_or_tags(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data", genome=False)
    (folder / "tags.csv").unlink()
    dataset = read_movielens(folder)
    assert dataset.releases == ("csv",)
    assert dataset.genome is None and dataset.tags.empty
    assert dataset.users["user_id"].tolist() == [1, 2, 5]


def _ratings_as_parquet_parts(folder: Path, parts: int) -> pd.DataFrame:
    """Move ``ratings.csv`` into ``ratings.parquet/`` as ``parts`` part files (Spark's form)."""
    ratings = pd.read_csv(folder / "ratings.csv")
    (folder / "ratings.parquet").mkdir()
    for number, rows in enumerate(np.array_split(np.arange(len(ratings)), parts)):
        ratings.iloc[rows].to_parquet(folder / "ratings.parquet" / f"part-{number:05d}.parquet", index=False)
    (folder / "ratings.parquet" / "_SUCCESS").touch()
    (folder / "ratings.csv").unlink()
    return ratings


def test_ratings_kept_as_parquet_parts_read_as_csv(tmp_path: Path) -> None:
    expected = read_movielens(files.write_csv_release(tmp_path / "csv")).ratings
    folder = files.write_csv_release(tmp_path / "data")
    _ratings_as_parquet_parts(folder, 2)
    pd.testing.assert_frame_equal(read_movielens(folder).ratings, expected)


def test_a_bad_parquet_row_names_its_part_and_row(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    ratings = _ratings_as_parquet_parts(folder, 2)
    second = folder / "ratings.parquet" / "part-00001.parquet"
    part = pd.read_parquet(second)
    part.loc[1, "rating"] = 7.0
    part.to_parquet(second, index=False)
    assert len(part) < len(ratings)
    with pytest.raises(DataError, match=r"part-00001\.parquet: row 2: rating 7 is outside"):
        read_movielens(folder)


def test_a_parquet_id_too_large_is_one_line(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    ratings = _ratings_as_parquet_parts(folder, 1)
    ratings["userId"] = ratings["userId"].astype("int64") + 2**40
    ratings.to_parquet(folder / "ratings.parquet" / "part-00000.parquet", index=False)
    with pytest.raises(DataError, match=r"part-00000\.parquet: column 'userId' \(int64\) does not hold int32"):
        read_movielens(folder)


def test_recbole_without_user_file(tmp_path: Path) -> None:
    dataset = read_movielens(files.write_recbole(tmp_path / "atomic", name="movies", with_users=False))
    assert dataset.releases == ("recbole",)
    assert dataset.users["user_id"].tolist() == [1, 2, 3]
    assert dataset.users_with_demographics() == 0
    assert len(dataset.ratings) == len(SORTED_RATINGS)


# ------------------------------------------------------------------- detection
@pytest.mark.parametrize("release_format", FORMATS)
def test_detect_format_from_files(tmp_path: Path, release_format: str) -> None:
    assert detect_format(WRITERS[release_format](tmp_path / "data")) == release_format


@pytest.mark.parametrize(("folder_name", "release_format"), [("ml-25m", "ml-1m"), ("ml-1m", "ml-100k"),
                                                             ("ml-100k", "csv"), ("ml-latest", "ml-10m")])
def test_misleading_folder_name_is_ignored(tmp_path: Path, folder_name: str, release_format: str) -> None:
    folder = WRITERS[release_format](tmp_path / folder_name)
    assert detect_format(folder) == release_format
    assert read_movielens(folder).releases == (release_format,)


@pytest.mark.parametrize(("folder_name", "release"), [("ml-100k", "ml-100k"), ("atomic", "recbole")])
def test_recbole_copy_of_ml100k_is_named_after_it(tmp_path: Path, folder_name: str, release: str) -> None:
    assert read_movielens(files.write_recbole(tmp_path / folder_name)).releases == (release,)


def test_single_release_subfolder_is_followed(tmp_path: Path) -> None:
    files.write_ml10m(tmp_path / "download" / "ml-10M100K")
    (tmp_path / "download" / ".DS_Store").write_text("")
    assert detect_format(tmp_path / "download") == "ml-10m"
    assert read_movielens(tmp_path / "download").releases == ("ml-10m",)


def test_zip_with_top_folder(tmp_path: Path) -> None:
    archive = files.zip_folder(files.write_csv_release(tmp_path / "src"), tmp_path / "download.zip",
                               top="ml-latest-small")
    assert detect_format(archive) == "csv"
    dataset = read_movielens(archive)
    assert dataset.releases == ("ml-latest-small",)
    assert dataset.genome is not None and len(dataset.ratings) == 6


def test_flat_zip_is_named_after_the_archive_and_extracted_once(tmp_path: Path, isolated_cache: Path) -> None:
    archive = files.zip_folder(files.write_ml1m(tmp_path / "src"), tmp_path / "ml-1m.zip")
    assert read_movielens(archive).releases == ("ml-1m",)
    extracted = list((isolated_cache / "unzipped").iterdir())
    assert len(extracted) == 1
    marker = extracted[0] / "marker.txt"
    marker.write_text("still here")
    assert detect_format(archive) == "ml-1m"
    assert marker.exists()


# ------------------------------------------------------------------ the cache
def _refuse_to_parse(folder: Path, release: str) -> Dataset:
    raise AssertionError(f"re-parsed {folder}")


def test_second_load_uses_the_parquet_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              isolated_cache: Path) -> None:
    folder = files.write_csv_release(tmp_path / "ml-25m")
    first = load_dataset(folder)
    assert len(list((isolated_cache / "parsed").iterdir())) == 1
    monkeypatch.setitem(readers._READERS, "csv", _refuse_to_parse)
    second = load_dataset(folder)
    assert second.fingerprint == first.fingerprint
    assert second.releases == ("ml-25m",)
    assert second.tags["tag"].tolist() == first.tags["tag"].tolist()
    assert second.genome is not None and second.genome.tags == first.genome.tags


def test_changed_source_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = files.write_csv_release(tmp_path / "ml-25m")
    load_dataset(folder)
    with (folder / "ratings.csv").open("a") as handle:
        handle.write("5,1,3.0,964980999\n")
    monkeypatch.setitem(readers._READERS, "csv", _refuse_to_parse)
    with pytest.raises(AssertionError, match="re-parsed"):
        load_dataset(folder)


def test_zip_load_is_cached_without_extracting_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     isolated_cache: Path) -> None:
    archive = files.zip_folder(files.write_ml100k(tmp_path / "src"), tmp_path / "ml-100k.zip", top="ml-100k")
    first = load_dataset(archive)
    for extracted in (isolated_cache / "unzipped").iterdir():
        for file in extracted.rglob("*"):
            if file.is_file():
                file.unlink()
    monkeypatch.setitem(readers._READERS, "ml-100k", _refuse_to_parse)
    assert load_dataset(archive).fingerprint == first.fingerprint


def test_use_cache_false_writes_nothing(tmp_path: Path, isolated_cache: Path) -> None:
    dataset = load_dataset(files.write_ml1m(tmp_path / "ml-1m"), use_cache=False)
    assert dataset.n_users == 3
    assert not (isolated_cache / "parsed").exists()


def test_saved_dataset_folder_is_loaded_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = read_movielens(files.write_ml1m(tmp_path / "ml-1m"))
    saved = dataset.save(tmp_path / "saved")
    for release_format in FORMATS:
        monkeypatch.setitem(readers._READERS, release_format, _refuse_to_parse)
    loaded = load_dataset(saved)
    assert loaded.fingerprint == dataset.fingerprint
    assert loaded.users["occupation"].tolist() == dataset.users["occupation"].tolist()


def test_cache_from_another_format_version_is_replaced(tmp_path: Path, isolated_cache: Path) -> None:
    folder = files.write_ml1m(tmp_path / "ml-1m")
    load_dataset(folder)
    (meta,) = (isolated_cache / "parsed").glob("*/dataset.json")
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format_version": 0}))
    assert load_dataset(folder).n_users == 3
    assert json.loads(meta.read_text())["format_version"] != 0


def test_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(self: Dataset, directory: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Dataset, "save", refuse)
    assert load_dataset(files.write_ml1m(tmp_path / "ml-1m")).n_users == 3
    assert "could not cache the parsed data" in capsys.readouterr().err


def test_damaged_cache_is_parsed_again(tmp_path: Path, isolated_cache: Path) -> None:
    folder = files.write_ml1m(tmp_path / "ml-1m")
    first = load_dataset(folder)
    (ratings,) = (isolated_cache / "parsed").glob("*/ratings.parquet")
    ratings.write_bytes(ratings.read_bytes()[:100])
    assert load_dataset(folder).fingerprint == first.fingerprint
    assert load_dataset(folder).fingerprint == first.fingerprint  # from the rewritten cache


def test_damaged_saved_dataset_names_the_table(tmp_path: Path) -> None:
    saved = read_movielens(files.write_ml1m(tmp_path / "ml-1m")).save(tmp_path / "saved")
    (saved / "movies.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"movies\.parquet: not a readable table of a saved dataset") as caught:
        load_dataset(saved)
    assert "\n" not in str(caught.value)


def test_a_folder_named_like_a_signature_file_is_not_another_format(tmp_path: Path) -> None:
    folder = files.write_ml1m(tmp_path / "ml-1m")
    (folder / "users.dat").unlink()
    (folder / "users.dat").mkdir()
    assert detect_format(folder) == "ml-1m"
    with pytest.raises(DataError, match=r"users\.dat: is a folder, not a file"):
        read_movielens(folder)


def test_load_datasets_needs_a_path() -> None:
    with pytest.raises(DataError, match="no dataset given"):
        load_datasets([])


def test_load_datasets_one_and_several(tmp_path: Path) -> None:
    single, summary = load_datasets([files.write_ml1m(tmp_path / "ml-1m")])
    assert summary is None and single.releases == ("ml-1m",)
    combined, summary = load_datasets([tmp_path / "ml-1m", files.write_csv_release(tmp_path / "ml-25m")])
    assert summary is not None and combined.releases == ("ml-1m", "ml-25m")
    assert combined.n_users == 3 + 4


def test_optional_users_csv_of_synthetic_csv_releases(tmp_path: Path) -> None:
    from cinerec.data.synthetic import SynthConfig, generate

    generate(SynthConfig(format="ml-latest", users=200, movies=100, ratings=5_000, seed=2,
                         demographics_share=0.25), tmp_path / "synth")
    dataset = read_movielens(tmp_path / "synth")
    described = pd.read_csv(tmp_path / "synth" / "users.csv")
    assert dataset.users_with_demographics() == len(described) > 0
    row = dataset.users.set_index("user_id").loc[int(described["userId"].iloc[0])]
    assert row["gender"] == described["gender"].iloc[0] and row["occupation"] == described["occupation"].iloc[0]


def test_bad_users_csv_names_the_line(tmp_path: Path) -> None:
    from cinerec.data.synthetic import SynthConfig, generate

    generate(SynthConfig(format="ml-latest", users=50, movies=40, ratings=1_000, seed=2,
                         demographics_share=0.5), tmp_path / "synth")
    users = tmp_path / "synth" / "users.csv"
    lines = users.read_text().splitlines()
    lines[2] = lines[2].replace(",M,", ",X,").replace(",F,", ",X,")
    users.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"users\.csv:3: unknown gender 'X'"):
        read_movielens(tmp_path / "synth")
