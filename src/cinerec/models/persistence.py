"""Saving and loading fitted estimators without pickle.

What is saved is *derived* from the estimator, never a hand-kept list: the
constructor parameters (``get_params()``) go to JSON, and every public attribute
whose name ends in ``_`` (scikit-learn's mark of learned state) is written by type —
``numpy`` arrays as ``.npy``, scipy sparse matrices as ``.npz``, plain JSON values into
``state.json``. Anything else is a programming error and refuses to save, so a model
cannot silently lose state on reload. Loading uses ``allow_pickle=False`` and
memory-maps arrays, so a model from a stranger is safe and fast to open. ``state.json``
also records every array's shape and type: a truncated or swapped array is refused at
load with a one-line :class:`~cinerec.errors.ModelError`, never met as an index error
in the middle of a query.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from cinerec.errors import ModelError
from cinerec.models.config import typed_settings

STATE_FILE = "state.json"
T = TypeVar("T")


def learned_attributes(estimator: object) -> dict[str, Any]:
    """Public attributes ending in ``_``: the state ``fit`` learned."""
    return {name: value for name, value in vars(estimator).items() if _is_learned(name)}


def has_learned_attributes(estimator: object) -> bool:
    """Whether ``fit`` has run: a scan that stops at the first learned attribute (asked
    on every query, so it builds nothing)."""
    return any(_is_learned(name) for name in vars(estimator))


def _is_learned(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_")


def save_estimator(estimator: Any, directory: Path) -> list[Path]:
    """Write ``estimator``'s parameters and learned state into ``directory``.

    Returns the files written (the model directory's manifest checksums them).
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    scalars: dict[str, Any] = {}
    arrays: dict[str, dict[str, Any]] = {}
    for name, value in learned_attributes(estimator).items():
        if sp.issparse(value):
            value = sp.csr_matrix(value)
        if isinstance(value, np.ndarray) or sp.issparse(value):
            arrays[name] = _layout(value)
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                raise TypeError(f"{type(estimator).__name__}.{name} is an object array; store it as strings or numbers")
            path = directory / f"{name}.npy"
            np.save(path, value, allow_pickle=False)
        elif sp.issparse(value):
            path = directory / f"{name}.npz"
            sp.save_npz(path, value, compressed=False)
        elif _is_json_value(value):
            scalars[name] = value
            continue
        else:
            raise TypeError(f"cannot save {type(estimator).__name__}.{name} of type {type(value).__name__}")
        written.append(path)
    state = {"class": type(estimator).__name__, "params": estimator.get_params(), "learned": scalars,
             "arrays": arrays}
    state_path = directory / STATE_FILE
    state_path.write_text(json.dumps(state, indent=2, sort_keys=True))
    written.append(state_path)
    return written


def load_estimator(cls: type[T], directory: Path, *, mmap: bool = True) -> T:
    """Rebuild an estimator of class ``cls`` saved by :func:`save_estimator`."""
    state = _read_state(directory)
    if state.get("class") != cls.__name__:
        raise ModelError(f"{directory}: holds a {state.get('class')}, expected a {cls.__name__}")
    estimator = cls(**typed_settings(cls, state["params"], str(directory)))
    for name, value in state["learned"].items():
        setattr(estimator, name, value)
    for name, layout in state["arrays"].items():
        setattr(estimator, name, _load_array(directory, name, layout, mmap))
    return estimator


def _read_state(directory: Path) -> dict[str, Any]:
    path = directory / STATE_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read model state ({exc})") from None
    shape_ok = (isinstance(state, dict) and isinstance(state.get("params"), dict)
                and isinstance(state.get("learned"), dict) and isinstance(state.get("arrays"), dict)
                and all(isinstance(v, dict) for v in state["arrays"].values()))
    if not shape_ok:
        raise ModelError(f"{path}: not a cinerec model state (damaged); rebuild the model")
    return state


def _load_array(directory: Path, name: str, layout: dict[str, Any], mmap: bool) -> Any:
    """Load one saved array and refuse it unless its shape and type are those saved."""
    sparse = layout.get("format") == "csr"
    path = directory / f"{name}{'.npz' if sparse else '.npy'}"
    try:
        value = sp.load_npz(path).tocsr() if sparse else np.load(path, mmap_mode="r" if mmap else None,
                                                                  allow_pickle=False)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: cannot be read ({exc}); rebuild the model") from None
    if _layout(value) != layout:
        raise ModelError(f"{path}: damaged (holds {_describe(_layout(value))}, the model saved "
                         f"{_describe(layout)}); rebuild the model")
    return value


def _layout(value: Any) -> dict[str, Any]:
    """What load checks an array against: shape and type (and, for sparse, stored entries)."""
    layout = {"shape": [int(n) for n in value.shape], "dtype": str(value.dtype)}
    if sp.issparse(value):
        layout |= {"format": "csr", "nnz": int(value.nnz)}
    return layout


def _describe(layout: dict[str, Any]) -> str:
    return f"{' × '.join(map(str, layout.get('shape', [])))} {layout.get('dtype')}"


def _is_json_value(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    return False
