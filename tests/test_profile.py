"""Turning what a person says about themselves into a checked, canonical profile."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cinerec.catalogue import Catalogue
from cinerec.data import vocabulary as vocab
from cinerec.data.readers import load_dataset
from cinerec.errors import QueryError
from cinerec.profile import (
    EMPTY_PROFILE_MESSAGE,
    Profile,
    parse_age,
    parse_gender,
    parse_occupation,
    parse_user_id,
    parse_zip,
    understand_occupation,
)


# -------------------------------------------------------------------------- gender
@pytest.mark.parametrize("said, gender", [("m", "M"), ("M", "M"), ("male", "M"), (" Man ", "M"),
                                          ("f", "F"), ("F", "F"), ("female", "F"), ("Woman", "F")])
def test_gender_words(said: str, gender: str) -> None:
    assert parse_gender(said) == gender


@pytest.mark.parametrize("said", ["x", "", "mf", "robot"])
def test_unknown_gender(said: str) -> None:
    with pytest.raises(QueryError, match=rf"^gender must be M or F, got '{said}'$"):
        parse_gender(said)


# ----------------------------------------------------------------------------- age
@pytest.mark.parametrize("age, band", [
    (1, "under 18"), (17, "under 18"), (18, "18-24"), (24, "18-24"), (25, "25-34"), (32, "25-34"),
    ("32", "25-34"), (" 34 ", "25-34"), (34.9, "25-34"), (35, "35-44"), (44, "35-44"), (45, "45-49"),
    (49, "45-49"), (50, "50-55"), (55, "50-55"), (56, "56+"), (120, "56+"),
])
def test_age_in_years_becomes_its_band(age: int | float | str, band: str) -> None:
    assert parse_age(age) == band


@pytest.mark.parametrize("band", vocab.AGE_BANDS)
def test_a_band_label_is_accepted_as_is(band: str) -> None:
    assert parse_age(band) == band


@pytest.mark.parametrize("age", [0, -3, 121, 500, "0.5", math.nan])
def test_impossible_ages(age: int | float | str) -> None:
    with pytest.raises(QueryError, match=r"^age must be between 1 and 120 years"):
        parse_age(age)


@pytest.mark.parametrize("age", ["thirty", "", "32 years", True, None])
def test_ages_that_are_no_number(age: object) -> None:
    with pytest.raises(QueryError, match=r"^age must be"):
        parse_age(age)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- occupation
@pytest.mark.parametrize("name", vocab.OCCUPATIONS)
def test_canonical_occupations_in_any_case(name: str) -> None:
    assert parse_occupation(name) == name
    assert parse_occupation(name.upper()) == name


@pytest.mark.parametrize("word, name", sorted(vocab.OCCUPATION_FROM_ML100K.items()))
def test_ml100k_occupation_words(word: str, name: str) -> None:
    assert parse_occupation(word) == name


@pytest.mark.parametrize("said, name", [
    ("software engineer", "programmer"), ("Senior Software Engineer", "programmer"), ("developer", "programmer"),
    ("coder", "programmer"), ("nurse", "doctor/health care"), ("physician", "doctor/health care"),
    ("health care", "doctor/health care"), ("teacher", "academic/educator"), ("professor", "academic/educator"),
    ("student", "college/grad student"), ("grad student", "college/grad student"),
    ("high school student", "K-12 student"), ("unemployed", "unemployed"), ("jobless", "unemployed"),
    ("sales", "sales/marketing"), ("marketing", "sales/marketing"), ("mechanic", "tradesman/craftsman"),
    ("plumber", "tradesman/craftsman"), ("electrician", "tradesman/craftsman"), ("engineer", "technician/engineer"),
    ("CEO", "executive/managerial"), ("manager", "executive/managerial"), ("actor", "artist"),
    ("musician", "artist"), ("designer", "artist"), ("self employed", "self-employed"), ("attorney", "lawyer"),
    ("journalist", "writer"), ("retiree", "retired"), ("housewife", "homemaker"), ("cashier", "customer service"),
])
def test_everyday_occupation_words(said: str, name: str) -> None:
    assert parse_occupation(said) == name


@pytest.mark.parametrize("said, name", [("progammer", "programmer"), ("techician", "technician/engineer"),
                                        ("sofware engineer", "programmer"), ("laywer", "lawyer")])
def test_misspelt_occupations(said: str, name: str) -> None:
    assert parse_occupation(said) == name


@pytest.mark.parametrize("said", ["", "  ", "42", "?!", "--"])
def test_no_word_at_all_lists_what_is_accepted(said: str) -> None:
    with pytest.raises(QueryError, match=r"^unknown occupation '.*'; say one of .*programmer") as err:
        parse_occupation(said)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("said, name", [
    ("chef", "tradesman/craftsman"), ("Cook", "tradesman/craftsman"), ("baker", "tradesman/craftsman"),
    ("accountant", "executive/managerial"), ("senior accountant", "executive/managerial"),
    ("banker", "executive/managerial"), ("bookkeeper", "clerical/admin"), ("architect", "technician/engineer"),
    ("bartender", "customer service"), ("sales assistant", "customer service"), ("judge", "lawyer"),
    ("fisherman", "farmer"), ("reporter", "writer"), ("psychologist", "doctor/health care"),
    ("film director", "artist"), ("data scientist", "scientist"),
])
def test_more_occupations_that_belong_to_a_category(said: str, name: str) -> None:
    assert understand_occupation(said) == (name, None)


@pytest.mark.parametrize("said", ["astronaut", "police officer", "Firefighter", "soldier", "pilot", "truck driver",
                                  "retired police officer", "xyz", "  astro   naut "])
def test_an_occupation_outside_movielens_counts_as_other_with_a_note(said: str) -> None:
    occupation, note = understand_occupation(said)
    assert occupation == "other" and parse_occupation(said) == "other"
    assert note == f"'{' '.join(said.split())}' is not one of MovieLens' occupations; counted as other"


def test_saying_other_needs_no_note() -> None:
    assert understand_occupation("other") == ("other", None)
    assert understand_occupation("Other") == ("other", None)


@pytest.mark.parametrize("said, band, name", [
    ("student", "under 18", "K-12 student"), ("Student", "under 18", "K-12 student"),
    ("studnet", "under 18", "K-12 student"), ("student", "18-24", "college/grad student"),
    ("student", None, "college/grad student"), ("college student", "under 18", "college/grad student"),
    ("high school student", "25-34", "K-12 student"), ("teacher", "under 18", "academic/educator"),
])
def test_a_student_under_18_is_at_school(said: str, band: str | None, name: str) -> None:
    assert parse_occupation(said, band) == name


# ----------------------------------------------------------------------------- zip
@pytest.mark.parametrize("said, code", [
    ("87103", "87103"), (" 87103 ", "87103"), ("87103-1234", "87103-1234"), ("871031234", "87103-1234"),
    ("k1a 0b1", "K1A0B1"), ("K1A0B1", "K1A0B1"), ("T8H1N", "T8H1N"), ("v3n 4p", "V3N4P"),
])
def test_zip_and_postal_codes(said: str, code: str) -> None:
    assert parse_zip(said) == code


@pytest.mark.parametrize("said", ["1234", "123456", "87103-12", "ABCDE", "D1A0B1", "K1A0", "K1A0B1X", "hello", ""])
def test_garbage_zip(said: str) -> None:
    with pytest.raises(QueryError, match=rf"^zip must be a US zip code .*got '{said}'$"):
        parse_zip(said)


@pytest.mark.parametrize("said, user_id", [(7, 7), ("42", 42)])
def test_user_ids(said: int | str, user_id: int) -> None:
    assert parse_user_id(said) == user_id


@pytest.mark.parametrize("said", [0, -1, "abc", "1.5"])
def test_bad_user_ids(said: int | str) -> None:
    with pytest.raises(QueryError, match="user id must be a whole number from 1"):
        parse_user_id(said)


# ------------------------------------------------------------------------- profile
@pytest.fixture(scope="module")
def films() -> Catalogue:
    """Two versions of one film and one other, rated 50, 5 and 30 times."""
    return Catalogue(movie_ids=np.array([10, 20, 30]), titles=["Cape Fear", "Cape Fear", "Heat"],
                     years=np.array([1991, 1962, 1995]), genres=[("Thriller",)] * 3, alt_titles=[(), (), ()],
                     raw_titles=["Cape Fear (1991)", "Cape Fear (1962)", "Heat (1995)"],
                     rating_counts=np.array([50, 5, 30]))


def test_profile_from_everything_a_person_says(films: Catalogue) -> None:
    profile, notes = Profile.from_inputs(films, likes=["heat", "Cape Fear (1962)"], dislikes=["cape fear 1991"],
                                         gender="woman", age="32", occupation="nurse", zip="k1a 0b1", user_id="5")
    assert profile == Profile(liked=(30, 20), disliked=(10,), gender="F", age_band="25-34",
                              occupation="doctor/health care", zip="K1A0B1", user_id=5)
    assert notes == []


def test_notes_tell_what_was_assumed(films: Catalogue) -> None:
    profile, notes = Profile.from_inputs(films, likes=["cape fear"], dislikes=["haet"])
    assert profile.liked == (10,) and profile.disliked == (30,)
    assert notes == ["cape fear: 2 movies match, using Cape Fear (1991); say --like 'Cape Fear (1962)' for another",
                     "'haet' taken to mean Heat (1995)"]


def test_movie_ids_are_accepted_and_repeats_kept_once(films: Catalogue) -> None:
    profile, _ = Profile.from_inputs(films, likes=[30, "Heat", 20, "  "])
    assert profile.liked == (30, 20)
    with pytest.raises(QueryError, match="no movie with id 99"):
        Profile.from_inputs(films, likes=[99])


def test_a_movie_both_liked_and_disliked(films: Catalogue) -> None:
    with pytest.raises(QueryError, match=r"^Heat \(1995\) is both liked and disliked"):
        Profile.from_inputs(films, likes=["heat"], dislikes=["Heat (1995)"])


@pytest.mark.parametrize("inputs", [{}, {"likes": [], "gender": "", "age": " ", "occupation": None, "zip": ""}])
def test_an_empty_profile_is_refused(films: Catalogue, inputs: dict[str, object]) -> None:
    with pytest.raises(QueryError) as err:
        Profile.from_inputs(films, **inputs)  # type: ignore[arg-type]
    assert str(err.value) == EMPTY_PROFILE_MESSAGE


@pytest.mark.parametrize("inputs", [{"gender": "m"}, {"age": 70}, {"occupation": "writer"}, {"zip": "02139"},
                                    {"user_id": 3}, {"dislikes": ["heat"]}])
def test_any_one_thing_is_enough(films: Catalogue, inputs: dict[str, object]) -> None:
    profile, _ = Profile.from_inputs(films, **inputs)  # type: ignore[arg-type]
    assert not profile.is_empty()


@pytest.mark.parametrize("inputs, message", [
    ({"gender": "x"}, "gender must be M or F, got 'x'"), ({"age": "200"}, "age must be between"),
    ({"occupation": "??"}, "unknown occupation"), ({"zip": "12"}, "zip must be"),
    ({"likes": ["xyzzy plugh"]}, "no movie called 'xyzzy plugh'"),
])
def test_bad_fields_are_named(films: Catalogue, inputs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Profile.from_inputs(films, **inputs)  # type: ignore[arg-type]


def test_an_occupation_outside_movielens_does_not_fail_the_request(films: Catalogue) -> None:
    profile, notes = Profile.from_inputs(films, likes=["haet"], occupation="astronaut", age=40)
    assert profile.occupation == "other" and profile.age_band == "35-44"
    assert notes == ["'haet' taken to mean Heat (1995)",
                     "'astronaut' is not one of MovieLens' occupations; counted as other"]
    profile, notes = Profile.from_inputs(films, occupation="chef")
    assert (profile.occupation, notes) == ("tradesman/craftsman", [])


@pytest.mark.parametrize("age, occupation", [(15, "K-12 student"), ("under 18", "K-12 student"),
                                             (17.5, "K-12 student"), (18, "college/grad student"),
                                             (None, "college/grad student")])
def test_from_inputs_knows_a_young_student_is_at_school(films: Catalogue, age: object, occupation: str) -> None:
    profile, notes = Profile.from_inputs(films, occupation="student", age=age)  # type: ignore[arg-type]
    assert profile.occupation == occupation and notes == []


def test_profile_is_frozen_and_empty_by_default() -> None:
    profile = Profile()
    assert profile.is_empty() and not profile.has_demographics()
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.gender = "M"  # type: ignore[misc]


def test_demographics_frame_matches_the_users_table_dtypes() -> None:
    frame = Profile(gender="M", age_band="25-34", occupation="programmer", zip="87103").demographics_frame()
    assert list(frame.columns) == ["gender", "age_band", "occupation", "zip"] and len(frame) == 1
    assert frame.iloc[0].tolist() == ["M", "25-34", "programmer", "87103"]
    assert frame["gender"].dtype == vocab.gender_categorical(pd.Series(["M"])).dtype
    assert frame["age_band"].dtype == vocab.age_band_categorical(pd.Series(["25-34"])).dtype
    assert frame["occupation"].dtype == vocab.occupation_categorical(pd.Series(["programmer"])).dtype
    missing = Profile(liked=(1,)).demographics_frame()
    assert missing.isna().all(axis=None)


def test_the_cli_example_on_real_ml100k(ml100k_path: Path) -> None:
    catalogue = Catalogue.from_dataset(load_dataset(ml100k_path, use_cache=False))
    profile, notes = Profile.from_inputs(catalogue, likes=["die hard", "the usual suspect"], age=32,
                                         occupation="software engineer", gender="male", zip="87103")
    assert profile == Profile(liked=(144, 12), gender="M", age_band="25-34", occupation="programmer", zip="87103")
    assert notes == ["'the usual suspect' taken to mean The Usual Suspects (1995)"]
