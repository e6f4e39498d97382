"""Builds behave alike under the pandas versions cinerec supports: 2.2 and later 2.x
(which PySpark 4 needs) and 3."""

from __future__ import annotations


def test_builds_copy_on_write_under_either_pandas() -> None:
    """pandas 2 (kept for PySpark) copies on write inside a build, as pandas 3 always does;
    pandas 3 is not asked (it warns that the option is gone)."""
    import warnings

    import pandas as pd

    from cinerec.build import copy_on_write

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with copy_on_write():
            frame = pd.DataFrame({"a": [1, 2]})
            view = frame["a"]
            view.iloc[0] = 9  # a copy on write: the frame keeps its value
            assert frame["a"].iloc[0] == 1
