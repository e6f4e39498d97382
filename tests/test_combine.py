"""Combining releases: movies joined by id (ml-100k's by title), users kept apart, summary of the overlap."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import movielens_files as files
from cinerec.data.combine import FIRST_NEW_ID, CombineSummary, TitleMatching, combine
from cinerec.data.dataset import Dataset
from cinerec.data.readers import read_movielens
from cinerec.data.titles import parse_title
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


# ------------------------------------------------------ a release with its own ids
def _release(name: str, movies: list[tuple[int, str]], ratings: list[tuple[int, int, float, int]]) -> Dataset:
    """A release called ``name`` with (id, raw title) movies and (user, movie, stars, time) ratings."""
    parsed = [parse_title(raw) for _, raw in movies]
    frame = pd.DataFrame({"movie_id": [m for m, _ in movies], "title": [p.title for p in parsed],
                          "year": [p.year for p in parsed], "genres": [["Drama"]] * len(movies),
                          "alt_titles": [list(p.alt_titles) for p in parsed], "raw_title": [raw for _, raw in movies]})
    users = sorted({user for user, _, _, _ in ratings})
    return Dataset.from_frames(frame, pd.DataFrame({"user_id": users}),
                               pd.DataFrame(ratings, columns=["user_id", "movie_id", "rating", "timestamp"]),
                               releases=(name,))


#: ml-1m style: MovieLens ids.
ML1M_MOVIES = [(1, "Toy Story (1995)"), (2, "Jumanji (1995)"), (10, "GoldenEye (1995)"),
               (32, "Twelve Monkeys (1995)"), (73, "Miserables, Les (1995)"),
               (260, "Star Wars: Episode IV - A New Hope (1977)"),
               (1320, "Alien³ (1992)"), (2952, "Hard 8 (a.k.a. Sydney, a.k.a. Hard Eight) (1996)"),
               (1130, "Howling, The (1980)"), (3000, "Cape Fear (1962)"), (3001, "Cape Fear (1991)")]
#: ml-100k style: its own ids (2 is GoldenEye, not Jumanji) and its own spellings.
ML100K_MOVIES = [(1, "Toy Story (1995)"), (2, "GoldenEye (1995)"), (7, "12 Monkeys (1995)"),
                 (8, "Les Misérables (1995)"), (50, "Star Wars (1977)"), (9, "Alien 3 (1992)"),
                 (10, "Hard Eight (1996)"), (11, "The Howling (1981)"), (12, "Cape Fear (1991)"),
                 (13, "Loch Ness (1995)"), (14, "unknown"), (15, "Jumanji (1997)"), (16, "Toy Story (1996)")]
#: Where each ml-100k movie belongs in ml-1m (None: not in it, no year, or a year more than
#: one off). "Toy Story (1996)" is another film than "Toy Story (1995)", but a year off is
#: accepted only when the same year has no film of that title.
ML100K_IN_ML1M = {1: 1, 2: 10, 7: 32, 8: 73, 50: 260, 9: 1320, 10: 2952, 11: 1130, 12: 3001,
                  13: None, 14: None, 15: None, 16: 1}


@pytest.fixture
def own_ids() -> tuple[Dataset, Dataset]:
    ml100k = _release("ml-100k", ML100K_MOVIES, [(1 if movie_id != 16 else 3, movie_id, 4.0, 880000000 + movie_id)
                                                 for movie_id, _ in ML100K_MOVIES] + [(2, 2, 5.0, 880000000)])
    ml1m = _release("ml-1m", ML1M_MOVIES, [(1, 2, 3.0, 970000000), (2, 10, 1.0, 970000000)])
    return ml100k, ml1m


def test_own_ids_are_matched_by_title_and_year(own_ids: tuple[Dataset, Dataset]) -> None:
    ml100k, ml1m = own_ids
    combined, summary = combine([ml100k, ml1m])
    matched = {own: theirs for own, theirs in ML100K_IN_ML1M.items() if theirs is not None}
    assert summary.matched_by_title == {"ml-100k": TitleMatching(len(matched), len(ML100K_IN_ML1M) - len(matched),
                                                                 (FIRST_NEW_ID, FIRST_NEW_ID + 2))}
    assert summary.matched_movies == len(set(matched.values()))
    assert summary.only_in == {"ml-100k": 3, "ml-1m": len(ML1M_MOVIES) - len(set(matched.values()))}
    assert combined.n_movies == len(ML1M_MOVIES) + 3
    new_ids = combined.movies.loc[combined.movies["movie_id"] >= FIRST_NEW_ID].set_index("movie_id")["title"]
    assert new_ids.to_dict() == {FIRST_NEW_ID: "Loch Ness", FIRST_NEW_ID + 1: "unknown", FIRST_NEW_ID + 2: "Jumanji"}
    # every rating of ml-100k's user 1 sits on the id its movie was matched to, or its new id
    first = combined.ratings[combined.ratings["user_id"] == 1].set_index("timestamp")["movie_id"]
    expected = {880000000 + own: theirs for own, theirs in matched.items() if own != 16}
    assert {t: first[t] for t in expected} == expected
    # ml-100k's movie 2 is GoldenEye: its ratings are not Jumanji's
    goldeneye = combined.ratings[(combined.ratings["movie_id"] == 10)]
    assert sorted(goldeneye["user_id"]) == [1, 2, 3 + 2]  # two ml-100k users and ml-1m's user 2
    assert len(combined.ratings) == len(ml100k.ratings) + len(ml1m.ratings)


def test_the_summary_says_how_own_ids_were_matched(own_ids: tuple[Dataset, Dataset]) -> None:
    _, summary = combine(list(own_ids))
    text = summary.lines()
    assert text[0] == "Combined ml-100k + ml-1m: 9 movies matched across releases."
    assert text[1] == ("ml-100k numbers its movies its own way, so they were matched by title and year: "
                       f"10 of 13 matched, 3 unmatched got new ids {FIRST_NEW_ID:,}–{FIRST_NEW_ID + 2:,}.")
    # the same films under another name (or year) are listed as title disagreements
    assert {movie_id for movie_id, _, _ in summary.title_disagreements} == {32, 260, 1130, 1320, 2952}


def test_order_does_not_change_the_matching(own_ids: tuple[Dataset, Dataset]) -> None:
    ml100k, ml1m = own_ids
    first, first_summary = combine([ml100k, ml1m])
    second, second_summary = combine([ml1m, ml100k])
    assert first_summary.matched_by_title == second_summary.matched_by_title
    assert first.movies["movie_id"].tolist() == second.movies["movie_id"].tolist()


def test_two_own_movies_on_one_film_keep_each_persons_latest_rating() -> None:
    ml100k = _release("ml-100k", [(1, "Cape Fear (1991)"), (2, "Cape Fear (1991) (V)")],
                      [(1, 1, 2.0, 100), (1, 2, 5.0, 200), (2, 2, 3.0, 100)])
    ml1m = _release("ml-1m", [(3001, "Cape Fear (1991)")], [(1, 3001, 4.0, 50)])
    combined, summary = combine([ml100k, ml1m])
    assert summary.matched_by_title["ml-100k"].matched == 2
    assert combined.ratings.values.tolist() == [[1, 3001, 5.0, 200], [2, 3001, 3.0, 100], [3, 3001, 4.0, 50]]
    assert combined.warnings == ("ml-100k: 1 rating of movies matched to the same film by title collapsed to "
                                 "each person's latest",)


def test_new_ids_stay_clear_when_combined_again_by_id(own_ids: tuple[Dataset, Dataset], tmp_path: Path) -> None:
    first, _ = combine(list(own_ids))
    ml25m = read_movielens(files.write_csv_release(tmp_path / "ml-25m"))
    combined, summary = combine([first, ml25m])
    assert summary.matched_by_title == {}  # ml-100k + ml-1m is in MovieLens ids now
    assert summary.matched_movies == len({1, 2, 4, 7, 8, 9} & set(first.movies["movie_id"]))
    assert (combined.movies["movie_id"] >= FIRST_NEW_ID).sum() == 3


def test_recbole_copy_has_its_own_ids_too(own_ids: tuple[Dataset, Dataset]) -> None:
    ml100k, ml1m = own_ids
    recbole = Dataset.from_frames(ml100k.movies, ml100k.users.drop(columns="release"), ml100k.ratings,
                                  releases=("recbole",))
    _, summary = combine([ml1m, recbole])
    assert summary.matched_by_title["recbole"].matched == 10


def test_releases_whose_shared_ids_name_other_films_are_refused(own_ids: tuple[Dataset, Dataset]) -> None:
    ml100k, ml1m = own_ids
    mislabelled = Dataset.from_frames(ml100k.movies, ml100k.users.drop(columns="release"), ml100k.ratings,
                                      releases=("ml-latest-small",))
    shared = set(ml100k.movies["movie_id"]) & set(ml1m.movies["movie_id"])
    with pytest.raises(DataError) as error:
        combine([mislabelled, ml1m])
    message = str(error.value)
    assert message == (f"ml-latest-small and ml-1m share {len(shared)} movie ids but {len(shared) - 1} of them "
                       "name different films: their ids are not the same catalogue")  # only Toy Story agrees
    assert "\n" not in message


def test_half_the_shared_ids_disagreeing_is_still_joined(tmp_path: Path) -> None:
    first = _release("ml-1m", [(1, "Toy Story (1995)"), (2, "Jumanji (1995)")], [(1, 1, 4.0, 1)])
    second = _release("ml-10m", [(1, "Toy Story (1995)"), (2, "GoldenEye (1995)")], [(1, 2, 4.0, 1)])
    _, summary = combine([first, second])
    assert summary.matched_movies == 2 and summary.title_disagreements == [(2, "Jumanji (1995)", "GoldenEye (1995)")]
    third = _release("ml-20m", [(1, "Heat (1995)"), (2, "GoldenEye (1995)")], [(1, 2, 4.0, 1)])
    with pytest.raises(DataError, match="ml-1m and ml-20m share 2 movie ids but 2 of them name different films"):
        combine([first, third])


@pytest.mark.realdata
def test_real_ml100k_finds_itself_respelt_under_movielens_ids(ml100k_path: Path) -> None:
    """ml-100k against a copy of its catalogue under other ids, spelt as the later
    releases spell titles (article at the end, no accents): every movie with a year is
    found, each on the copy of itself."""
    ml100k = read_movielens(ml100k_path)
    movies = ml100k.movies
    respelt = [(movie_id + 100_000, _respelt(title, year)) for movie_id, title, year in
               zip(movies["movie_id"].tolist(), movies["title"].tolist(), movies["year"].tolist())]
    copy = _release("ml-1m", respelt, [(1, respelt[0][0], 4.0, 1)])
    combined, summary = combine([ml100k, copy])
    dated = int(movies["year"].notna().sum())
    assert summary.matched_by_title["ml-100k"] == TitleMatching(dated, len(movies) - dated,
                                                                (FIRST_NEW_ID, FIRST_NEW_ID + len(movies) - dated - 1))
    undated = movies.loc[movies["year"].isna(), "movie_id"].tolist()
    renumbered = {movie_id: movie_id + 100_000 for movie_id in movies["movie_id"].tolist()}
    renumbered.update({movie_id: FIRST_NEW_ID + k for k, movie_id in enumerate(undated)})
    expected = ml100k.ratings.assign(movie_id=ml100k.ratings["movie_id"].map(renumbered).astype(np.int32))
    mine = combined.ratings[combined.ratings["user_id"] <= ml100k.n_users].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, expected.sort_values(["user_id", "movie_id"], ignore_index=True))


def _respelt(title: str, year: object) -> str:
    """"The Usual Suspects", 1995 → "Usual Suspects, The (1995)", accents dropped."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    if plain.startswith("The "):
        plain = f"{plain[4:]}, The"
    return plain if pd.isna(year) else f"{plain} ({int(year)})"


def test_the_summary_speaks_of_one_movie_in_the_singular() -> None:
    summary = CombineSummary(releases=("ml-100k", "ml-latest"), matched_movies=1,
                             only_in={"ml-100k": 1, "ml-latest": 2},
                             title_disagreements=[(7, "The Game (1998)", "The Game (1997)")],
                             user_ids={"ml-100k": (1, 943), "ml-latest": (944, 1_000)})
    lines = summary.lines()
    assert lines[0] == "Combined ml-100k + ml-latest: 1 movie matched by MovieLens id."
    assert lines[1] == "Only in ml-100k: 1 movie; only in ml-latest: 2 movies."
    assert lines[3] == "1 shared movie is titled differently (the first title is kept):"
