"""People as vectors: gender, age band, occupation and zip region, for clustering.

*People like you* groups users by demographics, so each field must become numbers
whose distances mean something:

* gender and occupation are one-hot — no occupation is "between" two others;
* age band is one-hot **and** ordinal, so 25-34 is nearer 18-24 than 56+ while
  neighbouring bands still differ;
* the zip code becomes its US region (first digit; Canadian and other non-numeric
  codes are "non-US"), plus optionally the sectional centre (first three digits) as a
  weak block, because a few hundred sparse columns would otherwise drown the rest.

Every one-hot block is scaled so that two people differing in that field are exactly
its *weight* apart, which makes the weights comparable and tunable. A field nobody
filled in is all-zero in its block — never a category "unknown", which would make
every user of a release without demographics (ml-10m and later) look alike.

The learned state is plain lists of strings, so a model can store it as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self, overload

import numpy as np
import pandas as pd

from cinerec.data import vocabulary as vocab
from cinerec.errors import QueryError

#: The demographic fields a person may give, in the order of :meth:`DemographicEncoder.known_fields`.
FIELDS: tuple[str, ...] = ("gender", "age_band", "occupation", "zip")

#: Encoded blocks, in column order, and the field each is computed from.
BLOCK_FIELDS: dict[str, str] = {
    "gender": "gender",
    "age": "age_band",
    "occupation": "occupation",
    "region": "zip",
    "sectional": "zip",
}

#: Distance between two people who differ only in that block (0 leaves a block out).
#: Age weighs most and occupation half: with 21 occupations weighted like gender,
#: k-means spends its groups on occupations and lumps rare ones (the retired) into mixed
#: groups of younger people, so a retired man gets a student's list. With these weights
#: groups follow age and gender first, at no accuracy cost beyond seed noise
#: (docs/design.md#people-like-you). Region is weaker than the personal fields (a region
#: is a large, mixed place); the sectional centre is a faint tie-breaker.
DEFAULT_WEIGHTS: dict[str, float] = {
    "gender": 1.0, "age": 1.5, "occupation": 0.5, "region": 0.5, "sectional": 0.15,
}

#: Share of the age block's squared distance carried by the ordinal column; the rest
#: is one-hot, so neighbouring bands are still clearly apart.
AGE_ORDINAL_SHARE = 0.5

NON_US = "non-US"
#: Where occupations too rare to learn from go: ml-1m's code 0 is "other or not specified".
CATCH_ALL_OCCUPATION = "other"

_ZIP_LEVELS = (1, 3)
_US_ZIP = re.compile(r"^\d{3}[\d\- ]*$")


@overload
def zip_region(zip: str | None, level: int = 1) -> str | None: ...
@overload
def zip_region(zip: pd.Series, level: int = 1) -> pd.Series: ...


def zip_region(zip: str | None | pd.Series, level: int = 1) -> str | None | pd.Series:
    """The region of a zip code: its first ``level`` digits (1 = US region, 3 =
    sectional centre) for a US code, ``"non-US"`` for any other non-empty code
    (Canadian postal codes such as ``T8H1N``), ``None`` when missing.

    A US code is one starting with at least three digits and holding no letters, so
    ``"94110"``, ``"94110-1234"`` and a bare ``"941"`` all count. Works on a single
    value or element-wise on a Series (missing stays ``None``).
    """
    if level not in _ZIP_LEVELS:
        raise ValueError(f"zip_region level must be one of {_ZIP_LEVELS}, got {level!r}")
    if isinstance(zip, pd.Series):
        return pd.Series(_zip_regions(zip.to_numpy(dtype=object), level), index=zip.index, dtype=object)
    return _region_of(zip, level)


def _region_of(code: object, level: int) -> str | None:
    text = _text(code)
    if text is None:
        return None
    return text[:level] if _US_ZIP.match(text) else NON_US


def _zip_regions(codes: np.ndarray, level: int) -> np.ndarray:
    """:func:`zip_region` over an object array, each distinct code worked out once."""
    distinct, inverse = np.unique(np.asarray([c if _text(c) is not None else "" for c in codes], dtype=object),
                                  return_inverse=True)
    regions = np.asarray([_region_of(code, level) for code in distinct], dtype=object)
    return regions[inverse.reshape(-1)] if codes.size else np.empty(0, dtype=object)


def _text(value: object) -> str | None:
    """A field's value as stripped text, ``None`` for missing (None, NaN, NA, blank)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


class DemographicEncoder:
    """Encode people's demographics as a dense ``float32`` matrix (see module docstring).

    ``weights`` overrides :data:`DEFAULT_WEIGHTS` per block; ``min_count`` is how many
    fitted people an occupation or sectional centre needs to get its own column (rarer
    occupations join ``"other"``; rarer sectional centres are left to their region).
    Learned (``fit``): ``occupations_``, ``regions_``, ``sectionals_`` — lists of str.
    """

    def __init__(self, weights: Mapping[str, float] | None = None, min_count: int = 5):
        self.weights = weights
        self.min_count = min_count

    # ------------------------------------------------------------------ fitting
    def fit(self, frame: pd.DataFrame) -> Self:
        """Learn which occupations, regions and sectional centres get a column."""
        self._block_weights()  # validate early
        values = _field_values(frame)
        occupations = _frequent(values["occupation"], self.min_count)
        if any(v is not None for v in values["occupation"]) and CATCH_ALL_OCCUPATION not in occupations:
            occupations.append(CATCH_ALL_OCCUPATION)
        self.occupations_ = [o for o in vocab.OCCUPATIONS if o in set(occupations)]
        regions = _zip_regions(values["zip"], 1)
        self.regions_ = sorted({r for r in regions if r is not None} - {NON_US}) + ([NON_US] if NON_US in set(regions) else [])
        sectionals = _zip_regions(values["zip"], 3)
        self.sectionals_ = sorted(set(_frequent(sectionals[sectionals != NON_US], self.min_count)))
        return self

    # ----------------------------------------------------------------- encoding
    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """``(len(frame), n_features)`` float32; unknown fields are zero in their block.

        Raises :class:`~cinerec.errors.QueryError` for a value that is no gender, age
        band or occupation at all (a typo), naming the field.
        """
        self._check_fitted()
        values = _field_values(frame)
        blocks = [self._encode_block(block, values, weight) for block, weight in self._block_weights().items()]
        return np.hstack(blocks).astype(np.float32, copy=False) if blocks else \
            np.zeros((len(frame), 0), dtype=np.float32)

    def known_fields(self, frame: pd.DataFrame) -> np.ndarray:
        """``(len(frame), 4)`` bool: which of :data:`FIELDS` each person gave."""
        values = _field_values(frame)
        return np.column_stack([values[field] != None for field in FIELDS]).astype(bool) \
            if len(frame) else np.zeros((0, len(FIELDS)), dtype=bool)  # noqa: E711 - element-wise

    def known_mask(self, frame: pd.DataFrame) -> np.ndarray:
        """``(len(frame),)`` bool: who gave any demographics at all."""
        return self.known_fields(frame).any(axis=1)

    def known_columns(self, frame: pd.DataFrame) -> np.ndarray:
        """``(len(frame), n_features)`` bool: the encoded columns whose field each person
        gave — the columns over which a partial profile may be compared."""
        return self.known_fields(frame)[:, self.column_fields()]

    def column_fields(self) -> np.ndarray:
        """For each encoded column, the index in :data:`FIELDS` of the field it encodes."""
        self._check_fitted()
        widths = self._block_widths()
        return np.concatenate([np.full(widths[block], FIELDS.index(BLOCK_FIELDS[block]), dtype=np.intp)
                               for block in self._block_weights()] or [np.zeros(0, dtype=np.intp)])

    def get_feature_names_out(self) -> list[str]:
        """Readable column names (``"gender=F"``, ``"age (ordinal)"``, ``"region=9"``)."""
        self._check_fitted()
        names: list[str] = []
        for block in self._block_weights():
            if block == "age":
                names.append("age (ordinal)")
            names.extend(f"{block}={category}" for category in self._categories(block))
        return names

    # ------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        """Parameters and learned categories as plain JSON values."""
        self._check_fitted()
        return {"weights": dict(self.weights) if self.weights is not None else None, "min_count": self.min_count,
                "occupations_": list(self.occupations_), "regions_": list(self.regions_),
                "sectionals_": list(self.sectionals_)}

    @classmethod
    def from_json(cls, state: Mapping[str, Any]) -> DemographicEncoder:
        """Rebuild a fitted encoder from :meth:`to_json`'s output."""
        encoder = cls(weights=state["weights"], min_count=state["min_count"])
        for name in ("occupations_", "regions_", "sectionals_"):
            setattr(encoder, name, [str(v) for v in state[name]])
        return encoder

    # ---------------------------------------------------------------- internals
    def _check_fitted(self) -> None:
        if not hasattr(self, "occupations_"):
            raise ValueError("DemographicEncoder is not fitted yet; call fit(frame) first")

    def _block_weights(self) -> dict[str, float]:
        """Blocks with a positive weight, in column order."""
        weights = dict(DEFAULT_WEIGHTS)
        unknown = set(self.weights or {}) - set(BLOCK_FIELDS)
        if unknown:
            raise ValueError(f"unknown demographic block(s) {sorted(unknown)}; expected some of {list(BLOCK_FIELDS)}")
        weights.update({k: float(v) for k, v in (self.weights or {}).items()})
        if any(w < 0 for w in weights.values()):
            raise ValueError(f"demographic block weights must be >= 0, got {weights}")
        return {block: w for block, w in weights.items() if w > 0}

    def _categories(self, block: str) -> list[str]:
        return {"gender": list(vocab.GENDERS), "age": list(vocab.AGE_BANDS), "occupation": self.occupations_,
                "region": self.regions_, "sectional": self.sectionals_}[block]

    def _block_widths(self) -> dict[str, int]:
        return {block: len(self._categories(block)) + (block == "age") for block in BLOCK_FIELDS}

    def _encode_block(self, block: str, values: dict[str, np.ndarray], weight: float) -> np.ndarray:
        categories = self._categories(block)
        codes = self._codes(block, values, categories)
        one_hot_weight = weight * (np.sqrt(1 - AGE_ORDINAL_SHARE) if block == "age" else 1.0)
        matrix = np.zeros((codes.size, len(categories)), dtype=np.float32)
        hit = codes >= 0
        # Two different one-hot rows are sqrt(2) apart; scale so they are `weight` apart.
        matrix[np.flatnonzero(hit), codes[hit]] = one_hot_weight / np.sqrt(2)
        if block != "age":
            return matrix
        span = max(len(categories) - 1, 1)
        ordinal = np.where(hit, codes / span * weight * np.sqrt(AGE_ORDINAL_SHARE), 0.0).astype(np.float32)
        return np.column_stack([ordinal, matrix])

    def _codes(self, block: str, values: dict[str, np.ndarray], categories: list[str]) -> np.ndarray:
        """Column index of each person's category in ``block``; ``-1`` = all-zero."""
        field = BLOCK_FIELDS[block]
        if block in ("region", "sectional"):
            column = _zip_regions(values[field], 1 if block == "region" else 3)
        else:
            column = values[field]
            _check_vocabulary(field, column)
        index = {category: i for i, category in enumerate(categories)}
        fallback = index.get(CATCH_ALL_OCCUPATION, -1) if block == "occupation" else -1
        return np.fromiter((-1 if v is None else index.get(v, fallback) for v in column), dtype=np.intp,
                           count=len(column))


def _field_values(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each field as an object array of normalised strings, ``None`` where missing
    (a missing column, NaN and empty text all count as not given). Plain Python over
    object arrays: a one-person query must not pay pandas' per-operation overhead."""
    out: dict[str, np.ndarray] = {}
    for field in FIELDS:
        raw = frame[field].to_numpy(dtype=object) if field in frame else np.full(len(frame), None, dtype=object)
        text = [_text(v) for v in raw]
        if field == "gender":
            text = [t.upper() if t is not None else None for t in text]
        elif field == "occupation":
            text = [vocab.OCCUPATION_FROM_ML100K.get(t, t) if t is not None else None for t in text]
        out[field] = np.asarray(text, dtype=object) if text else np.empty(0, dtype=object)
    return out


_VOCABULARIES: dict[str, frozenset[str]] = {
    "gender": frozenset(vocab.GENDERS), "age_band": frozenset(vocab.AGE_BANDS),
    "occupation": frozenset(vocab.OCCUPATIONS),
}
_VOCABULARY_ORDER: dict[str, tuple[str, ...]] = {
    "gender": vocab.GENDERS, "age_band": vocab.AGE_BANDS, "occupation": vocab.OCCUPATIONS,
}


def _check_vocabulary(field: str, values: np.ndarray) -> None:
    """Raise :class:`QueryError` for the first value outside the field's vocabulary."""
    allowed = _VOCABULARIES[field]
    bad = next((v for v in values if v is not None and v not in allowed), None)
    if bad is not None:
        raise QueryError(f"{field} {bad!r} is not one of: {', '.join(_VOCABULARY_ORDER[field])}")


def _frequent(values: np.ndarray, min_count: int) -> list[str]:
    """Distinct non-missing values seen at least ``min_count`` times."""
    present = np.asarray([v for v in values if v is not None], dtype=object)
    if present.size == 0:
        return []
    distinct, counts = np.unique(present.astype(str), return_counts=True)
    return [str(v) for v in distinct[counts >= min_count]]
