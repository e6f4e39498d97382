"""The For-you blend: per-person standardisation and weighted sums."""

from __future__ import annotations

import numpy as np

from cinerec.models.for_you import Blend, standardise_rows


def test_standardise_rows_ignores_nan_and_puts_them_last() -> None:
    z, finite = standardise_rows(np.array([[1.0, 2.0, 3.0, np.nan]], dtype=np.float32))
    np.testing.assert_allclose(z[0, :3], [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert z[0, 3] == z[0, :3].min()
    assert finite.tolist() == [[True, True, True, False]]


def test_scale_of_a_component_does_not_matter() -> None:
    a = np.array([[3.0, 1.0, 2.0]])
    b = np.array([[0.1, 0.3, 0.2]])
    blend = Blend({"a": 1.0, "b": 1.0})
    assert np.allclose(blend.combine({"a": a, "b": b}), blend.combine({"a": a * 1000, "b": b}))


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
