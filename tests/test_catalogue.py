"""Finding movies as people type them: real ml-100k titles and a hand-made catalogue of remakes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cinerec.catalogue import ARRAY_NAMES, Catalogue, fold_numbers, normalise_title, split_typed_year
from cinerec.data.dataset import Dataset
from cinerec.data.readers import load_dataset
from cinerec.data.titles import parse_title
from cinerec.errors import ModelError, QueryError

DIE_HARD, DIE_HARD_2, DIE_HARD_3 = 144, 226, 550
SHAWSHANK, USUAL_SUSPECTS, SEVEN = 64, 12, 11


@pytest.fixture(scope="module")
def ml100k(ml100k_path: Path) -> Dataset:
    return load_dataset(ml100k_path, use_cache=False)


@pytest.fixture(scope="module")
def catalogue(ml100k: Dataset) -> Catalogue:
    return Catalogue.from_dataset(ml100k)


@pytest.fixture(scope="module")
def rating_counts(ml100k: Dataset) -> pd.Series:
    return ml100k.ratings["movie_id"].value_counts()


def _ids_titled(dataset: Dataset, title: str) -> list[int]:
    return dataset.movies.loc[dataset.movies["title"] == title, "movie_id"].tolist()


# ------------------------------------------------------------------ ml-100k: resolve
@pytest.mark.parametrize("typed", ["Die Hard", "die hard", "DIE HARD", "Die Hard (1988)", "die hard 1988",
                                   "Die Hard(1988)", "  die   hard  "])
def test_exact_title_in_any_case_with_or_without_year(catalogue: Catalogue, typed: str) -> None:
    match = catalogue.resolve(typed)
    assert match.movie_id == DIE_HARD
    assert match.label == "Die Hard (1988)"
    assert not match.fuzzy and not match.ambiguous and match.note() is None


@pytest.mark.parametrize("typed, movie_id", [
    ("The Usual Suspects", USUAL_SUSPECTS),
    ("usual suspects", USUAL_SUSPECTS),
    ("Usual Suspects, The (1995)", USUAL_SUSPECTS),
    ("Usual Suspects, The", USUAL_SUSPECTS),
    ("the shawshank redemption", SHAWSHANK),
    ("Shawshank Redemption, The (1994)", SHAWSHANK),
    ("Seven (Se7en) (1995)", SEVEN),
    ("Se7en", SEVEN),
    ("seven 1995", SEVEN),
    ("Die Hard: With a Vengeance", DIE_HARD_3),
    ("die hard with a vengeance", DIE_HARD_3),
])
def test_articles_raw_titles_punctuation_and_alternates(catalogue: Catalogue, typed: str, movie_id: int) -> None:
    match = catalogue.resolve(typed)
    assert (match.movie_id, match.fuzzy, match.ambiguous) == (movie_id, False, False)


@pytest.mark.parametrize("typed, movie_id", [
    ("die hrad", DIE_HARD),
    ("shawshank redemtion", SHAWSHANK),
    ("the usual suspect", USUAL_SUSPECTS),
    ("usaul suspects", USUAL_SUSPECTS),
])
def test_typo_finds_the_movie_and_says_so(catalogue: Catalogue, typed: str, movie_id: int) -> None:
    match = catalogue.resolve(typed)
    assert match.movie_id == movie_id and match.fuzzy
    assert match.note() == f"'{typed}' taken to mean {catalogue.label(movie_id)}"


def test_start_of_a_title_finds_the_most_rated_such_movie(catalogue: Catalogue, rating_counts: pd.Series) -> None:
    assert catalogue.resolve("shawshank").movie_id == SHAWSHANK
    match = catalogue.resolve("die hard 2")
    assert (match.movie_id, match.fuzzy) == (DIE_HARD_2, False)
    started = catalogue.resolve("die har")
    assert started.fuzzy and started.ambiguous
    assert set(started.candidates) == {DIE_HARD, DIE_HARD_2, DIE_HARD_3}
    assert started.movie_id == max(started.candidates, key=lambda m: rating_counts.get(m, 0))


def test_remakes_are_ambiguous_without_a_year(ml100k: Dataset, catalogue: Catalogue, rating_counts: pd.Series) -> None:
    cape_fears = _ids_titled(ml100k, "Cape Fear")
    assert len(cape_fears) == 2
    match = catalogue.resolve("cape fear")
    assert match.ambiguous and not match.fuzzy
    assert set(match.candidates) == set(cape_fears)
    assert match.movie_id == max(cape_fears, key=lambda m: rating_counts.get(m, 0))
    other = next(m for m in cape_fears if m != match.movie_id)
    assert match.note("--like") == (f"cape fear: 2 movies match, using {catalogue.label(match.movie_id)}; "
                                    f"say --like '{catalogue.label(other)}' for another")
    by_year = catalogue.resolve(catalogue.label(other))
    assert (by_year.movie_id, by_year.ambiguous, by_year.fuzzy) == (other, False, False)


def test_a_film_ml100k_lists_twice_is_one_entry(ml100k: Dataset, catalogue: Catalogue,
                                                rating_counts: pd.Series) -> None:
    chasing_amy = _ids_titled(ml100k, "Chasing Amy")
    assert len(chasing_amy) == 1  # u.item lists it twice; the reader merged them
    match = catalogue.resolve("Chasing Amy (1997)")
    assert (match.movie_id, match.ambiguous, match.fuzzy, match.note()) == (chasing_amy[0], False, False, None)
    assert catalogue.details(chasing_amy[0]).rating_count == rating_counts[chasing_amy[0]]
    assert catalogue.search("chasing amy") == chasing_amy


def test_a_year_narrows_a_remake_to_one(ml100k: Dataset, catalogue: Catalogue) -> None:
    cats = _ids_titled(ml100k, "That Darn Cat!")
    assert sorted(catalogue.details(m).year for m in cats) == [1965, 1997]  # 1997's second listing merged
    old = catalogue.resolve("That Darn Cat 1965")
    assert not old.ambiguous and catalogue.details(old.movie_id).year == 1965
    assert catalogue.resolve("that darn cat!").ambiguous


def test_entries_sharing_title_and_year_pick_the_most_rated() -> None:
    catalogue = Catalogue(np.array([7, 9]), ["Chasing Amy"] * 2, np.array([1997, 1997]), [("Drama",)] * 2,
                          [()] * 2, ["Chasing Amy (1997)"] * 2, np.array([10, 30]))
    match = catalogue.resolve("Chasing Amy (1997)")
    assert (match.movie_id, match.candidates, match.ambiguous) == (9, (9, 7), True)
    assert match.note() == "Chasing Amy (1997): 2 catalogue entries share this title; using the most-rated one"


def test_unknown_title_suggests_near_matches(catalogue: Catalogue) -> None:
    with pytest.raises(QueryError, match=r"^no movie called 'Dei Hadr 7'; did you mean .*Die Hard \(1988\)") as err:
        catalogue.resolve("Dei Hadr 7")
    assert "Die Hard 2 (1990)" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(QueryError, match=r"^no movie called 'xyzzy plugh' in the catalogue$"):
        catalogue.resolve("xyzzy plugh")
    with pytest.raises(QueryError, match="no movie title"):
        catalogue.resolve("  !!  ")


def test_a_wrong_year_falls_back_to_the_title_and_says_so(catalogue: Catalogue) -> None:
    match = catalogue.resolve("Die Hard (1989)")
    assert (match.movie_id, match.fuzzy) == (DIE_HARD, True)


# ------------------------------------------------------------------ ml-100k: search
def test_autocomplete_puts_die_hard_films_first(catalogue: Catalogue) -> None:
    found = catalogue.search("die ha")
    assert set(found[:3]) == {DIE_HARD, DIE_HARD_2, DIE_HARD_3}
    assert catalogue.search("Die Hard: W")[0] == DIE_HARD_3


def test_autocomplete_ranks_title_starts_then_rating_count(catalogue: Catalogue, rating_counts: pd.Series) -> None:
    found = catalogue.search("hard", limit=20)
    starts = [normalise_title(catalogue.details(m).title).startswith("hard") for m in found]
    assert any(starts) and not all(starts)
    assert starts == sorted(starts, reverse=True)  # every title start before any later word
    start_counts = [rating_counts.get(m, 0) for m, s in zip(found, starts) if s]
    assert start_counts == sorted(start_counts, reverse=True)
    assert DIE_HARD in found


def test_autocomplete_finds_later_words_alternates_and_article_free_starts(catalogue: Catalogue) -> None:
    assert SHAWSHANK in catalogue.search("redemp")
    assert catalogue.search("se7")[0] == SEVEN
    assert catalogue.search("usual sus")[0] == USUAL_SUSPECTS
    assert catalogue.search("The Usual Sus")[0] == USUAL_SUSPECTS


def test_autocomplete_tolerates_typos(catalogue: Catalogue) -> None:
    assert catalogue.search("shawshenk")[0] == SHAWSHANK
    assert catalogue.search("shawshenk red")[0] == SHAWSHANK
    assert DIE_HARD in catalogue.search("die hrad")


def test_autocomplete_limits_and_empty_input(catalogue: Catalogue) -> None:
    assert len(catalogue.search("the", limit=5)) == 5
    assert len(set(catalogue.search("the", limit=50))) == 50
    assert catalogue.search("") == [] and catalogue.search("  ?! ") == []
    assert catalogue.search("die ha", limit=0) == []


# ------------------------------------------------------------------- ml-100k: details
def test_labels_and_details(catalogue: Catalogue, rating_counts: pd.Series) -> None:
    assert catalogue.label(SHAWSHANK) == "The Shawshank Redemption (1994)"
    seven = catalogue.details(SEVEN)
    assert (seven.title, seven.year, seven.alt_titles) == ("Seven", 1995, ("Se7en",))
    assert seven.raw_title == "Seven (Se7en) (1995)" and seven.genres == ("Crime", "Thriller")
    assert seven.rating_count == rating_counts[SEVEN]
    assert catalogue.details(267).year is None and catalogue.label(267) == "unknown"
    assert DIE_HARD in catalogue and 99999 not in catalogue
    with pytest.raises(QueryError, match="no movie with id 99999"):
        catalogue.label(99999)


def test_arrays_round_trip_through_npy_without_pickle(catalogue: Catalogue, tmp_path: Path) -> None:
    arrays = catalogue.to_arrays()
    assert set(arrays) == set(ARRAY_NAMES)
    assert all(array.dtype != object for array in arrays.values())
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array, allow_pickle=False)
    loaded = Catalogue.from_arrays({name: np.load(tmp_path / f"{name}.npy", allow_pickle=False) for name in ARRAY_NAMES})
    assert loaded.to_arrays().keys() == arrays.keys()
    for name in ARRAY_NAMES:
        np.testing.assert_array_equal(loaded.to_arrays()[name], arrays[name])
    assert loaded.details(SEVEN) == catalogue.details(SEVEN)
    assert loaded.search("die ha") == catalogue.search("die ha")
    assert loaded.resolve("cape fear") == catalogue.resolve("cape fear")


def test_movies_table_round_trips_through_parquet(ml100k: Dataset, catalogue: Catalogue, tmp_path: Path,
                                                   rating_counts: pd.Series) -> None:
    counts = rating_counts.reindex(ml100k.movies["movie_id"], fill_value=0).to_numpy()
    table = ml100k.movies.assign(n_ratings=counts)
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp_path / "movies.parquet")
    loaded = Catalogue.from_movies(pq.read_table(tmp_path / "movies.parquet").to_pandas())
    assert loaded.details(SEVEN) == catalogue.details(SEVEN)
    assert loaded.resolve("chasing amy") == catalogue.resolve("chasing amy")


def test_from_arrays_names_what_is_missing(catalogue: Catalogue) -> None:
    arrays = catalogue.to_arrays()
    del arrays["raw_titles"]
    with pytest.raises(ModelError, match="raw_titles"):
        Catalogue.from_arrays(arrays)
    arrays = catalogue.to_arrays()
    arrays["years"] = arrays["years"][:-1]
    with pytest.raises(ModelError, match="different lengths"):
        Catalogue.from_arrays(arrays)


# ------------------------------------------------------------ a hand-made catalogue
REMAKES = [  # movie_id, raw title, rating count
    (1, "Ocean's Eleven (1960)", 40),
    (2, "Ocean's Eleven (2001)", 900),
    (3, "Italian Job, The (1969)", 300),
    (4, "Italian Job, The (2003)", 200),
    (5, "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 500),
    (6, "A Very Long Title That Goes On And On Forever, Part One (1990)", 10),
    (7, "A Very Long Title That Goes On And On Forever, Part Two (1992)", 20),
    (8, "Nameless", 1),
]


@pytest.fixture(scope="module")
def remakes() -> Catalogue:
    parsed = [parse_title(raw) for _, raw, _ in REMAKES]
    return Catalogue(
        movie_ids=np.array([m for m, _, _ in REMAKES][::-1]),  # unsorted on purpose
        titles=[p.title for p in parsed][::-1],
        years=np.array([p.year or 0 for p in parsed])[::-1],
        genres=[("Crime",)] * len(REMAKES),
        alt_titles=[p.alt_titles for p in parsed][::-1],
        raw_titles=[raw for _, raw, _ in REMAKES][::-1],
        rating_counts=np.array([c for _, _, c in REMAKES])[::-1],
    )


def test_remake_without_year_takes_the_most_rated_and_names_the_other(remakes: Catalogue) -> None:
    match = remakes.resolve("Ocean's Eleven")
    assert (match.movie_id, match.candidates, match.ambiguous) == (2, (2, 1), True)
    assert match.labels == ("Ocean's Eleven (2001)", "Ocean's Eleven (1960)")
    assert match.note("--dislike") == ("Ocean's Eleven: 2 movies match, using Ocean's Eleven (2001); "
                                       "say --dislike 'Ocean's Eleven (1960)' for another")
    assert remakes.resolve("the italian job").movie_id == 3


@pytest.mark.parametrize("typed, movie_id", [
    ("oceans eleven 1960", 1), ("Ocean's Eleven (1960)", 1), ("Italian Job, The (2003)", 4),
    ("the italian job 2003", 4), ("amelie", 5), ("AMÉLIE (2001)", 5), ("le fabuleux destin d'amelie poulain", 5),
    ("Nameless", 8),
])
def test_year_apostrophes_accents_and_foreign_titles(remakes: Catalogue, typed: str, movie_id: int) -> None:
    match = remakes.resolve(typed)
    assert (match.movie_id, match.ambiguous, match.fuzzy) == (movie_id, False, False)


def test_remake_with_a_year_that_does_not_exist(remakes: Catalogue) -> None:
    match = remakes.resolve("Ocean's Eleven (1975)")
    assert match.movie_id == 2 and match.fuzzy and match.ambiguous


def test_long_queries_are_checked_beyond_the_stored_key_length(remakes: Catalogue) -> None:
    assert remakes.search("a very long title that goes on and on forever part two") == [7]
    assert remakes.search("very long title that goes on and on forever part") == [7, 6]


def test_ids_are_sorted_and_labels_follow_them(remakes: Catalogue) -> None:
    assert remakes.movie_ids.tolist() == sorted(m for m, _, _ in REMAKES)
    assert remakes.label(3) == "The Italian Job (1969)" and remakes.label(8) == "Nameless"


@pytest.mark.parametrize("typed, expected", [
    ("Die Hard 1988", ("Die Hard", 1988)), ("Die Hard (1988)", ("Die Hard", 1988)),
    ("Die Hard 21988", ("Die Hard 21988", None)), ("1941", ("1941", None)), ("Die Hard 2", ("Die Hard 2", None)),
])
def test_split_typed_year(typed: str, expected: tuple[str, int | None]) -> None:
    assert split_typed_year(typed) == expected


def test_normalise_title() -> None:
    assert normalise_title("Amélie!") == "amelie"
    assert normalise_title("Ulee's Gold") == "ulees gold"
    assert normalise_title("Dr. Strangelove or: How I Learned") == "dr strangelove or how i learned"
    assert normalise_title("Romeo & Juliet") == "romeo and juliet"


def test_an_ambiguous_note_names_every_other_candidate() -> None:
    catalogue = Catalogue(np.array([1, 2, 3]), ["Hamlet"] * 3, np.array([1948, 1990, 1996]),
                          [("Drama",)] * 3, [()] * 3, ["Hamlet"] * 3, np.array([5, 50, 20]))
    note = catalogue.resolve("hamlet").note()
    assert note == "hamlet: 3 movies match, using Hamlet (1990); say --like 'Hamlet (1996)' or 'Hamlet (1948)' for another"


# ------------------------------------------------- main titles, numbers, subtitles
def _catalogue(movies: list[tuple[int, str, int]]) -> Catalogue:
    """A catalogue of (movie id, raw title, rating count)."""
    parsed = [parse_title(raw) for _, raw, _ in movies]
    return Catalogue(np.array([m for m, _, _ in movies]), [p.title for p in parsed],
                     np.array([p.year or 0 for p in parsed]), [("Drama",)] * len(movies),
                     [p.alt_titles for p in parsed], [raw for _, raw, _ in movies], np.array([c for _, _, c in movies]))


SAGAS = _catalogue([
    (1, "Lord of the Rings, The (1978)", 15),
    (2, "Lord of the Rings: The Fellowship of the Ring, The (2001)", 900),
    (3, "Lord of the Rings: The Two Towers, The (2002)", 800),
    (4, "Lord of Illusions (1995)", 50),
    (5, "Alien (1979)", 700),
    (6, "Aliens (1986)", 900),
    (7, "Alien: Resurrection (1997)", 300),
    (8, "Alien Nation (1988)", 100),
    (9, "Her (2013)", 100),
    (10, "Hercules (1997)", 1000),
    (11, "Dead Man (1995)", 40),
    (12, "Dead Man Walking (1995)", 400),
    (13, "Terminator, The (1984)", 500),
    (14, "Terminator 2: Judgment Day (1991)", 800),
    (15, "Twelve Monkeys (a.k.a. 12 Monkeys) (1995)", 600),
    (16, "Ocean's Eleven (2001)", 500),
    (17, "Star Wars (1977)", 1000),
    (18, "21 Jump Street (2012)", 200),
    (19, "One Hundred and One Dalmatians (1961)", 100),
    (20, "Seven Samurai (Shichinin no samurai) (1954)", 300),
    (21, "Matrix, The (1999)", 800),
    (22, "Mission: Impossible (1996)", 400),
    (23, "Mission: Impossible - Ghost Protocol (2011)", 300),
])


def test_an_exact_title_that_starts_more_rated_subtitled_titles_is_ambiguous() -> None:
    match = SAGAS.resolve("lord of the rings")
    assert (match.movie_id, match.ambiguous, match.fuzzy) == (2, True, False)
    assert match.candidates == (2, 1, 3)  # the exact title right after the chosen one
    assert match.note() == ("lord of the rings: 3 movies match, using The Lord of the Rings: The Fellowship of the "
                            "Ring (2001); say --like 'The Lord of the Rings (1978)' or 'The Lord of the Rings: The Two "
                            "Towers (2002)' for another")
    dated = SAGAS.resolve("The Lord of the Rings (1978)")
    assert (dated.movie_id, dated.ambiguous, dated.note()) == (1, False, None)


@pytest.mark.parametrize("typed, movie_id", [
    ("alien", 5),  # more rated than "Alien: Resurrection"; "Aliens" is another word
    ("her", 9),  # "Hercules" is more rated but "her" is not its word
    ("dead man", 11),  # "Dead Man Walking" is another title, not Dead Man with a subtitle
    ("terminator", 13),  # a sequel's number is no subtitle
    ("mission impossible", 22),
])
def test_an_exact_title_stays_when_only_other_words_or_fewer_ratings_follow(typed: str, movie_id: int) -> None:
    match = SAGAS.resolve(typed)
    assert (match.movie_id, match.ambiguous, match.fuzzy, match.note()) == (movie_id, False, False, None)


def test_title_starts_prefer_whole_words() -> None:
    catalogue = _catalogue([(1, "Hercules (1997)", 1000), (2, "Her Majesty, Mrs. Brown (1997)", 10),
                            (3, "Herbie Rides Again (1974)", 500)])
    match = catalogue.resolve("her")
    assert (match.movie_id, match.fuzzy, match.ambiguous) == (2, True, True)
    assert match.candidates == (2, 1, 3)
    assert catalogue.resolve("herc").movie_id == 1


@pytest.mark.parametrize("typed, movie_id", [
    ("12 monkeys", 15), ("twelve monkeys", 15), ("oceans 11", 16), ("Ocean's Eleven", 16),
    ("twenty one jump street", 18), ("twenty-one jump street (2012)", 18), ("101 dalmatians", 19),
    ("one hundred and one dalmatians", 19), ("7 samurai", 20),
])
def test_numbers_and_number_words_are_the_same(typed: str, movie_id: int) -> None:
    match = SAGAS.resolve(typed)
    assert (match.movie_id, match.fuzzy, match.ambiguous) == (movie_id, False, False)


def test_autocomplete_reads_numbers_both_ways() -> None:
    assert SAGAS.search("12 monk")[0] == 15
    assert SAGAS.search("twenty one j")[0] == 18
    assert SAGAS.search("oceans 1")[0] == 16


@pytest.mark.parametrize("key, folded", [
    ("twelve monkeys", "12 monkeys"), ("twenty one", "21"), ("ninety nine luftballons", "99 luftballons"),
    ("one hundred and one dalmatians", "101 dalmatians"), ("two hundred", "200"),
    ("thirty two short films", "32 short films"),
    ("someone like you", "someone like you"), ("rock and roll", "rock and roll"), ("12 angry men", "12 angry men"),
    ("the eleven", "the 11"), ("eighteen", "18"),
])
def test_fold_numbers(key: str, folded: str) -> None:
    assert fold_numbers(key) == folded


@pytest.mark.parametrize("typed", ["Star Wars: Episode IV", "Star Wars: Episode IV - A New Hope",
                                   "star wars episode iv", "Star Wars: Episode IV (1977)"])
def test_a_subtitle_the_catalogue_lacks_is_left_off(typed: str) -> None:
    match = SAGAS.resolve(typed)
    assert (match.movie_id, match.fuzzy, match.ambiguous) == (17, True, False)
    assert match.note() == f"'{typed}' taken to mean Star Wars (1977)"


def test_trailing_words_are_left_off_down_to_half_of_them() -> None:
    match = SAGAS.resolve("the matrix reloaded")
    assert (match.movie_id, match.fuzzy) == (21, True)
    assert match.note() == "'the matrix reloaded' taken to mean The Matrix (1999)"
    with pytest.raises(QueryError, match="no movie called 'alien versus predator'"):
        SAGAS.resolve("alien versus predator")  # "alien" alone is a third of what was typed
    with pytest.raises(QueryError, match="no movie called 'the quick brown'"):
        SAGAS.resolve("the quick brown")  # never down to a lone article


@pytest.mark.realdata
def test_real_ml100k_numbers_subtitles_and_popular_exact_titles(ml100k: Dataset, catalogue: Catalogue,
                                                                rating_counts: pd.Series) -> None:
    (twelve_monkeys,) = _ids_titled(ml100k, "Twelve Monkeys")
    (star_wars,) = _ids_titled(ml100k, "Star Wars")
    for typed in ("12 monkeys", "twelve monkeys", "12 Monkeys (1995)"):
        match = catalogue.resolve(typed)
        assert (match.movie_id, match.fuzzy) == (twelve_monkeys, False)
    match = catalogue.resolve("Star Wars: Episode IV")
    assert (match.movie_id, match.fuzzy) == (star_wars, True)
    assert match.note() == "'Star Wars: Episode IV' taken to mean Star Wars (1977)"
    for title in ("Heat", "Alien", "Star Wars", "Batman", "Scream"):
        exact = _ids_titled(ml100k, title)
        match = catalogue.resolve(title)
        assert match.movie_id == max(exact, key=lambda m: rating_counts.get(m, 0))
        assert not match.fuzzy and match.note() is None


@pytest.mark.realdata
def test_real_ml100k_every_title_still_finds_its_movie(ml100k: Dataset, catalogue: Catalogue) -> None:
    """Typed exactly, a display title finds its movie or one listed under the same name
    (remakes; a film whose alternate title is another's title)."""
    for movie_id, title in zip(ml100k.movies["movie_id"].tolist(), ml100k.movies["title"].tolist()):
        match = catalogue.resolve(title)
        assert match.movie_id == movie_id or movie_id in match.candidates, title
