"""Saving and loading fitted estimators without pickle.

What is saved is *derived* from the estimator, never a hand-kept list: the
constructor parameters (``get_params()``) go to JSON, and every public attribute
whose name ends in ``_`` (scikit-learn's mark of learned state) is written by type —
``numpy`` arrays as ``.npy``, scipy sparse matrices as ``.npz``, plain JSON values into
``state.json``. Anything else is a programming error and refuses to save, so a model
cannot silently lose state on reload. Loading uses ``allow_pickle=False`` and
memory-maps arrays, so a model from a stranger is safe and fast to open.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from cinerec.errors import ModelError

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
    for name, value in learned_attributes(estimator).items():
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                raise TypeError(f"{type(estimator).__name__}.{name} is an object array; store it as strings or numbers")
            path = directory / f"{name}.npy"
            np.save(path, value, allow_pickle=False)
        elif sp.issparse(value):
            path = directory / f"{name}.npz"
            sp.save_npz(path, sp.csr_matrix(value), compressed=False)
        elif _is_json_value(value):
            scalars[name] = value
            continue
        else:
            raise TypeError(f"cannot save {type(estimator).__name__}.{name} of type {type(value).__name__}")
        written.append(path)
    state = {"class": type(estimator).__name__, "params": estimator.get_params(), "learned": scalars}
    state_path = directory / STATE_FILE
    state_path.write_text(json.dumps(state, indent=2, sort_keys=True))
    written.append(state_path)
    return written


def load_estimator(cls: type[T], directory: Path, *, mmap: bool = True) -> T:
    """Rebuild an estimator of class ``cls`` saved by :func:`save_estimator`."""
    try:
        state = json.loads((directory / STATE_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{directory / STATE_FILE}: cannot read model state ({exc})") from None
    if state.get("class") != cls.__name__:
        raise ModelError(f"{directory}: holds a {state.get('class')}, expected a {cls.__name__}")
    try:
        estimator = cls(**state["params"])
    except TypeError:
        raise ModelError(f"{directory}: its {cls.__name__} parameters {sorted(state['params'])} do not match this "
                         "cinerec version; rebuild the model") from None
    for name, value in state["learned"].items():
        setattr(estimator, name, value)
    for path in sorted(directory.iterdir()):
        if path.suffix == ".npy":
            setattr(estimator, path.stem, np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False))
        elif path.suffix == ".npz":
            setattr(estimator, path.stem, sp.load_npz(path).tocsr())
    return estimator


def _is_json_value(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    return False
