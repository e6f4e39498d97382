"""Zip regions and the demographic encoder: distances that mean something, unknowns that are nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cinerec.errors import QueryError
from cinerec.features.user_features import NON_US, DemographicEncoder, zip_region


def _people(rows: list[tuple[str | None, str | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["gender", "age_band", "occupation", "zip"], dtype=object)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b))


@pytest.mark.parametrize(("code", "level", "expected"), [
    ("94110", 1, "9"), ("94110", 3, "941"), ("02139", 1, "0"), ("12345-6789", 3, "123"), ("941", 3, "941"),
    (" 55455 ", 1, "5"), ("T8H1N", 1, NON_US), ("V3N4P", 3, NON_US), ("", 1, None), (None, 3, None),
])
def test_zip_region_of_one_code(code: str | None, level: int, expected: str | None) -> None:
    assert zip_region(code, level) == expected


def test_zip_region_is_elementwise_on_a_series_and_keeps_the_index() -> None:
    zips = pd.Series(["94110", None, "E2A4H", "10001"], index=[7, 8, 9, 10], dtype=object)
    regions = zip_region(zips)
    assert regions.index.tolist() == [7, 8, 9, 10]
    assert regions.tolist() == ["9", None, NON_US, "1"]


def test_zip_region_rejects_a_level_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="level"):
        zip_region("94110", 2)


def test_each_block_puts_people_who_differ_only_there_exactly_its_weight_apart() -> None:
    people = _people([("F", "25-34", "writer", "94110"), ("M", "25-34", "writer", "94110"),
                      ("F", "25-34", "programmer", "94110"), ("F", "25-34", "writer", "10001")])
    encoder = DemographicEncoder(weights={"gender": 1.0, "occupation": 2.0, "region": 0.5, "sectional": 0.0},
                                 min_count=1).fit(people)
    x = encoder.encode(people)
    assert x.dtype == np.float32
    assert _distance(x[0], x[1]) == pytest.approx(1.0)  # gender
    assert _distance(x[0], x[2]) == pytest.approx(2.0)  # occupation
    assert _distance(x[0], x[3]) == pytest.approx(0.5)  # region only: the sectional block is off
    assert not any(name.startswith("sectional") for name in encoder.get_feature_names_out())


def test_age_is_ordinal_as_well_as_categorical() -> None:
    people = _people([("F", band, "writer", "94110") for band in ("under 18", "18-24", "25-34", "35-44", "56+")])
    x = DemographicEncoder(weights={"age": 1.0}).fit(people).encode(people)
    child, young, twenties, thirties, old = x
    assert _distance(child, old) == pytest.approx(1.0)  # the extremes are exactly the weight apart
    assert _distance(twenties, young) < _distance(twenties, old)
    assert _distance(young, thirties) < _distance(young, old)
    assert _distance(twenties, young) > 0.5  # neighbouring bands are still clearly different


def test_unknown_fields_are_all_zero_in_their_block_never_a_category() -> None:
    people = _people([("F", "18-24", "writer", "94110"), (None, "18-24", None, None), (None, None, None, None)])
    encoder = DemographicEncoder(min_count=1).fit(people)
    x = encoder.encode(people)
    fields = encoder.column_fields()
    assert not x[2].any()
    assert not x[1][fields != 1].any() and x[1][fields == 1].any()
    assert encoder.known_mask(people).tolist() == [True, True, False]
    assert encoder.known_columns(people)[1].tolist() == (fields == 1).tolist()
    assert not any("unknown" in name or "None" in name for name in encoder.get_feature_names_out())


def test_a_frame_without_demographic_columns_is_all_unknown() -> None:
    encoder = DemographicEncoder(min_count=1).fit(_people([("M", "56+", "retired", "02139")]))
    bare = pd.DataFrame(index=range(3))
    assert encoder.encode(bare).shape == (3, len(encoder.get_feature_names_out()))
    assert not encoder.encode(bare).any() and not encoder.known_mask(bare).any()


def test_rare_and_unseen_occupations_join_other_and_rare_sectional_centres_leave_it_to_the_region() -> None:
    people = _people([("F", "25-34", "writer", "94110")] * 5 + [("M", "25-34", "lawyer", "94720")])
    encoder = DemographicEncoder(min_count=3).fit(people)
    assert encoder.occupations_ == ["other", "writer"]
    assert encoder.sectionals_ == ["941"]
    names = encoder.get_feature_names_out()
    newcomers = _people([("M", "25-34", "lawyer", "94720"), ("M", "25-34", "farmer", "94720")])
    x = encoder.encode(newcomers)
    lit = [[names[i] for i in np.flatnonzero(row) if not names[i].startswith("age")] for row in x]
    assert lit == [["gender=M", "occupation=other", "region=9"]] * 2


def test_ml100k_words_and_loose_spelling_are_understood() -> None:
    people = _people([("f", "18-24", "student", "94110"), ("F", "18-24", "college/grad student", "94110")])
    x = DemographicEncoder(min_count=1).fit(people).encode(people)
    np.testing.assert_array_equal(x[0], x[1])


@pytest.mark.parametrize(("field", "value"), [("gender", "X"), ("age_band", "30-40"), ("occupation", "astronaut")])
def test_a_value_outside_the_vocabulary_is_a_query_error_naming_the_field(field: str, value: str) -> None:
    encoder = DemographicEncoder(min_count=1).fit(_people([("F", "18-24", "writer", "94110")]))
    person = _people([("F", "18-24", "writer", "94110")]).assign(**{field: value})
    with pytest.raises(QueryError, match=field):
        encoder.encode(person)


def test_bad_weights_are_rejected() -> None:
    people = _people([("F", "18-24", "writer", "94110")])
    with pytest.raises(ValueError, match="unknown demographic block"):
        DemographicEncoder(weights={"shoe size": 1.0}).fit(people)
    with pytest.raises(ValueError, match=">= 0"):
        DemographicEncoder(weights={"gender": -1.0}).fit(people)


def test_state_round_trips_through_json() -> None:
    people = _people([("F", "18-24", "writer", "94110"), ("M", "56+", "retired", "T8H1N"), (None, None, None, "10001")])
    encoder = DemographicEncoder(weights={"sectional": 0.3}, min_count=1).fit(people)
    restored = DemographicEncoder.from_json(json.loads(json.dumps(encoder.to_json())))
    np.testing.assert_array_equal(restored.encode(people), encoder.encode(people))
    assert restored.get_feature_names_out() == encoder.get_feature_names_out()
    assert NON_US in restored.regions_


def test_encoding_before_fit_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        DemographicEncoder().encode(_people([("F", None, None, None)]))
