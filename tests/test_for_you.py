"""The For-you blend: per-person standardisation and weighted sums."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from cinerec.errors import ModelError
from cinerec.models.ease import DEFAULT_L2_SCALE
from cinerec.models.for_you import (
    DEFAULT_WEIGHTS,
    FULL_RISING_ARRIVAL,
    FULL_SHARE_LIKINGS,
    UNSCALED,
    Blend,
    blend_l2_scale,
    default_weights,
    rising_share,
    signal_share,
    standardise_rows,
)


def test_standardise_rows_ignores_nan_and_puts_them_last() -> None:
    z, finite = standardise_rows(np.array([[1.0, 2.0, 3.0, np.nan]], dtype=np.float32))
    np.testing.assert_allclose(z[0, :3], [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert z[0, 3] == z[0, :3].min()
    assert finite.tolist() == [[True, True, True, False]]


def test_scale_of_a_component_does_not_matter() -> None:
    a = np.array([[3.0, 1.0, 2.0]])
    b = np.array([[0.1, 0.3, 0.2]])
    blend = Blend({"a": 1.0, "b": 1.0})
    assert np.allclose(blend.combine({"a": a, "b": b}), blend.combine({"a": a * 1000, "b": b}), atol=1e-6)


def test_weights_decide_and_strongest_names_the_winner() -> None:
    a = np.array([[1.0, 0.0, 0.5]])
    b = np.array([[0.0, 1.0, 0.5]])
    scores = {"a": a, "b": b}
    assert Blend({"a": 2.0, "b": 1.0}).combine(scores).argmax() == 0
    assert Blend({"a": 1.0, "b": 2.0}).combine(scores).argmax() == 1
    blend = Blend({"a": 1.0, "b": 2.0})
    assert blend.strongest(blend.standardise(scores), 0, np.array([0, 1])) == ["a", "b"]


def test_unscorable_everywhere_stays_nan_and_zero_weight_is_skipped() -> None:
    a = np.array([[np.nan, 1.0]])
    b = np.array([[5.0, np.nan]])
    out = Blend({"a": 1.0, "b": 0.0}).combine({"a": a, "b": b})
    assert np.isnan(out[0, 0]) and np.isfinite(out[0, 1])


def _long_tail() -> dict[str, np.ndarray]:
    """One person, 8 movies: the personal model likes movies 0-2 (0 most), the rest not
    at all; movie 0 is a blockbuster, 1 and 2 fairly popular, 3-7 liked by no one."""
    personal = np.array([[1.0, 0.9, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    popularity = np.sqrt(np.array([[400.0, 100.0, 90.0, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32))
    return {"personal": personal, "mainstream": popularity}


def test_a_negative_weight_only_reorders_the_movies_in_contention() -> None:
    scores = _long_tail()
    pooled = Blend({"personal": 1.0, "mainstream": -2.0}, pool=3).combine(scores)
    plain = Blend({"personal": 1.0}).combine(scores)
    assert set(np.argsort(-pooled[0])[:2]) == {1, 2}   # the good, less obvious ones lead
    assert pooled[0, 0] == pooled[0, :3].min()          # the blockbuster goes last of the three
    np.testing.assert_array_equal(pooled[0, 3:], plain[0, 3:])  # nobody else moves
    # Measured over the whole catalogue, the same penalty lifts the unloved tail instead.
    wide = Blend({"personal": 1.0, "mainstream": -2.0}, pool=8).combine(scores)
    assert np.argmax(wide[0]) >= 3


def test_seen_movies_take_no_place_in_contention() -> None:
    scores = _long_tail()
    seen = sp.csr_matrix(np.array([[1, 0, 0, 0, 0, 0, 0, 0]], dtype=np.float32))
    blend = Blend({"personal": 1.0, "mainstream": -2.0}, pool=2)
    blended = blend.combine(scores, seen)
    assert blended[0, 2] > blended[0, 1]                # 1 and 2 are the pool: the less popular first
    assert blended[0, 0] == Blend({"personal": 1.0}).combine(scores)[0, 0]


def test_a_penalty_is_never_the_reason_for_a_movie() -> None:
    scores = _long_tail()
    blend = Blend({"personal": 1.0, "mainstream": -5.0}, pool=3)
    assert blend.strongest(blend.standardise(scores), 0, np.array([1, 2, 3])) == ["personal"] * 3


def _masked_z_scores(scores: np.ndarray) -> np.ndarray:
    """The definition, written with masks and no shortcuts: float64 z-scores over the
    finite entries, the row minimum elsewhere."""
    finite = np.isfinite(scores)
    count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    safe = np.where(finite, scores, 0.0).astype(np.float64)
    mean = safe.sum(axis=1, keepdims=True) / count
    var = np.where(finite, (safe - mean) ** 2, 0.0).sum(axis=1, keepdims=True) / count
    z = (safe - mean) / np.where(var > 0, np.sqrt(var), 1.0)
    row_min = np.where(finite, z, np.inf).min(axis=1, keepdims=True)
    return np.where(finite, z, np.where(np.isfinite(row_min), row_min, 0.0)).astype(np.float32)


def test_standardise_rows_matches_the_float64_masked_definition() -> None:
    rng = np.random.default_rng(7)
    for trial in range(40):
        scores = (rng.standard_normal((3, 500)) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
        if trial % 2:  # mostly scorable (whole-row arithmetic) or mostly not (entry by entry)
            scores[rng.random(scores.shape) < (0.3 if trial % 3 else 0.95)] = np.nan
        if trial % 4 == 1:
            scores[0] = np.nan
            scores[1] = 2.5
        z, finite = standardise_rows(scores)
        # float32 arithmetic: equal to a few units in the last place of a z-score.
        np.testing.assert_allclose(z, _masked_z_scores(scores), rtol=1e-5, atol=2e-6)
        np.testing.assert_array_equal(finite, np.isfinite(scores))


def test_denser_evidence_leaves_less_weight_to_the_signals_beside_ease() -> None:
    assert default_weights() == DEFAULT_WEIGHTS
    assert default_weights(FULL_SHARE_LIKINGS / 2) == DEFAULT_WEIGHTS
    assert blend_l2_scale() == blend_l2_scale(FULL_SHARE_LIKINGS) == 2 * DEFAULT_L2_SCALE
    dense = default_weights(4 * FULL_SHARE_LIKINGS)
    assert signal_share(4 * FULL_SHARE_LIKINGS) == pytest.approx(0.5)
    assert {"collaborative", "mainstream"} <= UNSCALED
    for name, weight in DEFAULT_WEIGHTS.items():
        expected = weight if name in UNSCALED else weight / 2
        assert dense[name] == pytest.approx(expected)
    assert blend_l2_scale(4 * FULL_SHARE_LIKINGS) == pytest.approx(1.5 * DEFAULT_L2_SCALE)
    shares = [signal_share(likings) for likings in (50.0, 150.0, 400.0, 2_000.0)]
    assert shares == sorted(shares, reverse=True) and 0.0 < shares[-1] < shares[0] == 1.0


def test_rising_weighs_by_how_many_recent_likings_went_to_new_movies() -> None:
    assert rising_share() == rising_share(FULL_RISING_ARRIVAL) == rising_share(0.9) == 1.0
    assert rising_share(0.0) == 0.0 and rising_share(FULL_RISING_ARRIVAL / 4) == pytest.approx(0.25)
    still = default_weights(arrival=0.0)
    assert still["rising"] == 0.0 and still["also_liked"] == DEFAULT_WEIGHTS["also_liked"]
    assert default_weights(arrival=FULL_RISING_ARRIVAL)["rising"] == DEFAULT_WEIGHTS["rising"]


def _people(likes: list[list[int]], history: list[list[int]], n_movies: int = 6):
    """A query block: each person's named likes (column indices) and rated history."""
    import pandas as pd

    from cinerec.models.base import QueryBatch

    def matrix(rows: list[list[int]]) -> sp.csr_matrix:
        cells = [(i, movie) for i, movies in enumerate(rows) for movie in movies]
        rows_, cols = (np.array([c[k] for c in cells], dtype=np.int64) for k in (0, 1))
        return sp.csr_matrix((np.ones(len(cells), np.float32), (rows_, cols)), shape=(len(rows), n_movies))

    liked, rated = matrix(likes), matrix(history)
    return QueryBatch(liked, rated, pd.DataFrame(index=range(len(likes))), (liked + rated).tocsr())


def test_the_fans_weigh_more_the_fewer_movies_a_newcomer_named() -> None:
    from cinerec.models.for_you import ForYou

    for_you = ForYou(named_half=10.0)
    weights = for_you.fans_weights(_people([[0], [0, 1, 2], [], [0]], [[], [], [], [0, 3]]))
    np.testing.assert_allclose(weights, [10 / 11, 10 / 13, 0.0, 0.0])  # nobody named / a known user: none


def test_newcomers_follow_the_fans_and_known_users_the_history_blend() -> None:
    from cinerec.models.for_you import ForYou

    queries = _people([[0], [0]], [[], [0, 5]])
    history = {"collaborative": np.array([[0, 1, 2, 3, 4, 0], [0, 1, 2, 3, 4, 0]], dtype=np.float32)}
    fans = np.array([[0, 4, 3, 2, 1, 0]], dtype=np.float32)  # asked for the newcomer alone
    asked = []

    def signals(newcomers):
        asked.append(newcomers.n_queries)
        return {"fans": fans}

    for_you = ForYou(Blend({"collaborative": 1.0}), named_half=1e6, pool=3)
    scores = for_you.combine(history, queries, signals)
    assert asked == [1]
    assert np.argsort(-np.where(np.isin(np.arange(6), [0]), -np.inf, scores[0]))[:3].tolist() == [1, 2, 3]
    np.testing.assert_allclose(scores[1], Blend({"collaborative": 1.0}).combine(history, queries.seen)[1])
    # Named few movies: the fans lead; the history blend alone would put movie 4 first.
    assert np.argmax(np.where(np.arange(6) == 0, -np.inf, scores[0])) == 1
    # A demographic lift multiplies the fans' shares (adds, in logs).
    lifted = ForYou(Blend({"collaborative": 1.0}), lift_weight=1.0, named_half=1e6, pool=3).combine(
        history, queries, lambda _q: {"fans": fans, "demographic_lift": np.array([[0, 0, 0, 5, 0, 0]], np.float32)})
    assert np.argmax(np.where(np.arange(6) == 0, -np.inf, lifted[0])) == 3


def test_the_for_you_settings_survive_json_and_refuse_unknown_fields() -> None:
    from cinerec.models.for_you import ForYou

    for_you = ForYou(Blend({"collaborative": 1.0, "mainstream": -0.5}, pool=40), lift_weight=0.7, named_half=12.0,
                     pool=30)
    assert ForYou.from_json(for_you.to_json()) == for_you
    with pytest.raises(ModelError, match="surprise"):
        ForYou.from_json({**for_you.to_json(), "surprise": 1})
    with pytest.raises(ModelError, match="named_half"):
        ForYou.from_json({**for_you.to_json(), "named_half": "ten"})
