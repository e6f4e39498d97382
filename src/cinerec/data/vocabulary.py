"""The one vocabulary every release is normalised to.

MovieLens releases describe the same things differently: ml-100k gives ages in years
and occupations as words, ml-1m gives both as codes, the CSV releases spell genres
without the apostrophe. Readers translate into the names below, so that a model
trained on one release understands a profile written in the terms of another.

Age bands are ml-1m's (the coarsest scheme, so every release can be mapped into it
losslessly). Occupations are ml-1m's 21 categories; ml-100k's words map into them as
``OCCUPATION_FROM_ML100K`` documents (``doctor`` and ``healthcare`` both become
``doctor/health care``, ``librarian`` becomes ``academic/educator``, ``entertainment``
becomes ``artist``, ``none`` becomes ``unemployed``, and a ``student`` under 18 is a
``K-12 student``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Canonical genre names, in a fixed order (the CSV releases' spelling).
GENRES: tuple[str, ...] = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)

#: Spellings seen in the releases that differ from the canonical name; ``None`` = no genre.
GENRE_ALIASES: dict[str, str | None] = {
    "Children's": "Children",
    "Childrens": "Children",
    "(no genres listed)": None,
    "unknown": None,
    "Film Noir": "Film-Noir",
    "Sci Fi": "Sci-Fi",
}

#: ml-1m's age codes → band label. Bands are ordered youngest first.
AGE_BANDS: tuple[str, ...] = ("under 18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+")
AGE_BAND_FROM_ML1M_CODE: dict[int, str] = {
    1: "under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+",
}
_AGE_BAND_LOWER_BOUNDS = np.array([0, 18, 25, 35, 45, 50, 56])

#: ml-1m's occupation codes 0–20, in code order; these are the canonical names.
OCCUPATIONS: tuple[str, ...] = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)

#: ml-100k's occupation words → canonical occupation ("student" is refined by age).
OCCUPATION_FROM_ML100K: dict[str, str] = {
    "administrator": "clerical/admin",
    "artist": "artist",
    "doctor": "doctor/health care",
    "educator": "academic/educator",
    "engineer": "technician/engineer",
    "entertainment": "artist",
    "executive": "executive/managerial",
    "healthcare": "doctor/health care",
    "homemaker": "homemaker",
    "lawyer": "lawyer",
    "librarian": "academic/educator",
    "marketing": "sales/marketing",
    "none": "unemployed",
    "other": "other",
    "programmer": "programmer",
    "retired": "retired",
    "salesman": "sales/marketing",
    "scientist": "scientist",
    "student": "college/grad student",
    "technician": "technician/engineer",
    "writer": "writer",
}

GENDERS: tuple[str, ...] = ("F", "M")


def normalise_genre(name: str) -> str | None:
    """Return the canonical spelling of one genre, ``None`` for "no genre".

    Raises ``KeyError`` for a name that is no MovieLens genre, so readers can report it.
    """
    name = name.strip()
    if name in GENRE_ALIASES:
        return GENRE_ALIASES[name]
    if name in GENRES:
        return name
    raise KeyError(name)


def age_band_from_years(ages: pd.Series) -> pd.Series:
    """Map ages in years to ml-1m's bands (nullable in, nullable out)."""
    years = pd.to_numeric(ages, errors="coerce")
    codes = _age_band_codes(years.fillna(-1).to_numpy())
    bands = pd.Series(np.asarray(AGE_BANDS, dtype=object)[codes], index=ages.index)
    return age_band_categorical(bands.where(years.notna()))


def age_band_of(years: float) -> str:
    """The band of one age in years (a web request's; :func:`age_band_from_years` is for columns)."""
    return AGE_BANDS[int(_age_band_codes(years))]


def _age_band_codes(years: np.ndarray | float) -> np.ndarray:
    """Positions in :data:`AGE_BANDS` of ages in years (below the first bound: the first band)."""
    return np.maximum(np.searchsorted(_AGE_BAND_LOWER_BOUNDS, years, side="right") - 1, 0)


def age_band_categorical(values: pd.Series) -> pd.Series:
    """Cast band labels to the ordered categorical every dataset uses."""
    return values.astype(pd.CategoricalDtype(AGE_BANDS, ordered=True))


def occupation_categorical(values: pd.Series) -> pd.Series:
    """Cast canonical occupation names to the categorical every dataset uses."""
    return values.astype(pd.CategoricalDtype(OCCUPATIONS))


def gender_categorical(values: pd.Series) -> pd.Series:
    """Cast ``M``/``F`` (or missing) to the categorical every dataset uses."""
    return values.astype(pd.CategoricalDtype(GENDERS))
