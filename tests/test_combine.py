"""Combining releases: movies joined by id, users kept apart, summary of the overlap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import movielens_files as files
from cinerec.data.combine import combine
from cinerec.data.dataset import Dataset
from cinerec.data.readers import read_movielens
from cinerec.errors import DataError


@pytest.fixture
def ml1m_and_csv(tmp_path: Path) -> tuple[Dataset, Dataset]:
    """ml-1m style (movies 1-6, users 1-3 with demographics) and ml-25m style
    (movies 1, 2, 4, 7, 8, 9, users 1, 2, 5, 9, tags and genome)."""
    return (read_movielens(files.write_ml1m(tmp_path / "ml-1m")),
            read_movielens(files.write_csv_release(tmp_path / "ml-25m")))


def test_movies_are_joined_by_id_and_the_csv_release_wins(ml1m_and_csv: tuple[Dataset, Dataset]) -> None:
    combined, _ = combine(ml1m_and_csv)
    movies = combined.movies.set_index("movie_id")
    assert movies.index.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    # ml-25m's genres for Toy Story, its title for movie 4, ml-1m's title as an alternate
    assert movies.at[1, "genres"] == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    assert movies.at[4, "title"] == "Seven"
    assert movies.at[4, "alt_titles"] == ["Se7en"]
    assert movies.at[4, "raw_title"] == "Seven (a.k.a. Se7en) (1995)"
    # movies only in ml-1m keep their ml-1m description
    assert (movies.at[3, "title"], movies.at[3, "alt_titles"]) == \
        ("The City of Lost Children", ["La Cité des enfants perdus"])
    assert movies.at[5, "genres"] == ["Drama", "Musical"]


def test_users_are_namespaced_and_keep_demographics(ml1m_and_csv: tuple[Dataset, Dataset]) -> None:
    combined, summary = combine(ml1m_and_csv)
    users = combined.users
    assert users["user_id"].tolist() == [1, 2, 3, 4, 5, 8, 12]
    assert users["release"].astype(str).tolist() == ["ml-1m"] * 3 + ["ml-25m"] * 4
    assert users["release_user_id"].tolist() == [1, 2, 3, 1, 2, 5, 9]
    assert users["occupation"].astype(object).tolist()[:3] == ["technician/engineer", "K-12 student",
                                                              "academic/educator"]
    assert users["age_band"].iloc[3:].isna().all()
    assert combined.users_with_demographics() == 3
    assert summary.user_ids == {"ml-1m": (1, 3), "ml-25m": (4, 12)}


def test_ratings_tags_and_genome_are_remapped(ml1m_and_csv: tuple[Dataset, Dataset]) -> None:
    ml1m, ml25m = ml1m_and_csv
    combined, _ = combine(ml1m_and_csv)
    assert len(combined.ratings) == len(ml1m.ratings) + len(ml25m.ratings)
    from_csv = combined.ratings[combined.ratings["user_id"] > 3]
    np.testing.assert_array_equal(from_csv["user_id"].to_numpy() - 3, ml25m.ratings["user_id"].to_numpy())
    np.testing.assert_array_equal(from_csv["rating"].to_numpy(), ml25m.ratings["rating"].to_numpy())
    assert combined.tags["user_id"].tolist() == [4, 5, 12]
    assert combined.genome is ml25m.genome
    assert combined.releases == ("ml-1m", "ml-25m")
    matrix = combined.rating_matrix()
    assert matrix.shape == (7, 9) and matrix.nnz == len(combined.ratings)


def test_summary_counts_overlap_and_lists_disagreements(ml1m_and_csv: tuple[Dataset, Dataset]) -> None:
    _, summary = combine(ml1m_and_csv)
    assert summary.releases == ("ml-1m", "ml-25m")
    assert summary.matched_movies == 3
    assert summary.only_in == {"ml-1m": 3, "ml-25m": 3}
    assert summary.title_disagreements == [(4, "Seven (1995)", "Se7en (1995)")]
    text = "\n".join(summary.lines())
    assert "3 movies matched" in text
    assert "ml-25m users are 4–12" in text
    assert "#4: Seven (1995) / Se7en (1995)" in text


def test_spelling_differences_are_not_disagreements(tmp_path: Path) -> None:
    ml1m = read_movielens(files.write_ml1m(tmp_path / "ml-1m"))
    folder = files.write_csv_release(tmp_path / "ml-25m")
    files.replace_line(folder / "movies.csv", 4, "4,SE7EN  (1995),Thriller")
    files.replace_line(folder / "movies.csv", 3, '2,"Matrix, The (2000)",Action')
    _, summary = combine([ml1m, read_movielens(folder)])
    assert summary.title_disagreements == [(2, "The Matrix (2000)", "The Matrix (1999)")]


def test_warnings_are_labelled_with_their_release(tmp_path: Path) -> None:
    folder = files.write_csv_release(tmp_path / "ml-25m")
    with (folder / "ratings.csv").open("a") as handle:
        handle.write("1,1,3.0,964990000\n")
    combined, _ = combine([read_movielens(files.write_ml1m(tmp_path / "ml-1m")), read_movielens(folder)])
    assert combined.warnings == ("ml-25m: ratings.csv: 1 duplicate rating; kept the latest of each",)


def test_the_same_release_twice_is_refused(tmp_path: Path) -> None:
    ml1m = read_movielens(files.write_ml1m(tmp_path / "ml-1m"))
    with pytest.raises(DataError, match="ml-1m is given twice"):
        combine([ml1m, ml1m])


def test_combined_round_trips_through_parquet(ml1m_and_csv: tuple[Dataset, Dataset], tmp_path: Path) -> None:
    combined, _ = combine(ml1m_and_csv)
    loaded = Dataset.load(combined.save(tmp_path / "saved"))
    assert loaded.fingerprint == combined.fingerprint
    assert loaded.users["release"].astype(str).tolist() == combined.users["release"].astype(str).tolist()
    assert loaded.movies["alt_titles"].tolist() == combined.movies["alt_titles"].tolist()


def test_a_combined_dataset_combines_again(ml1m_and_csv: tuple[Dataset, Dataset], tmp_path: Path) -> None:
    first, _ = combine(ml1m_and_csv)
    ml10m = read_movielens(files.write_ml10m(tmp_path / "ml-10M100K"))
    combined, summary = combine([first, ml10m])
    assert summary.releases == ("ml-1m+ml-25m", "ml-10m")
    assert combined.releases == ("ml-1m", "ml-25m", "ml-10m")
    assert summary.user_ids["ml-10m"] == (13, 19)
    assert combined.users["release"].astype(str).tolist()[-4:] == ["ml-10m"] * 4
    assert combined.users["release_user_id"].tolist()[-4:] == [1, 2, 3, 7]


def test_nothing_to_combine() -> None:
    with pytest.raises(DataError, match="nothing to combine"):
        combine([])
