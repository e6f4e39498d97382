"""Typed, saved configuration: what a model directory records of every part's settings.

A recommender's configuration is its constructor's keyword arguments (scikit-learn's
convention), typed by their annotations; *For you*'s is the fields of its dataclass.
The build writes both into the model directory, and loading reads them back through
:func:`typed_settings`, which refuses a setting the class does not have and a value of
the wrong type — so a model answers as it was built, whatever the code's defaults
have become since, and a directory edited by hand fails at load, in one line.

:func:`schema_digest` summarises the settings' names and types of a set of classes; a
model directory records it, and a cinerec whose parts take other settings refuses the
directory ("rebuild it") instead of guessing. The version follows from the code itself:
nobody has to remember to bump it when a setting is added or retyped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from cinerec.errors import ModelError


@cache
def settings_types(cls: type) -> dict[str, Any]:
    """The settings of ``cls`` and their types: a dataclass's fields, else the keyword
    arguments of its constructor (every one annotated, as every recommender's are)."""
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls.__init__)
    return {name: hints[name] for name, parameter in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and parameter.kind is not parameter.VAR_KEYWORD}


def typed_settings(cls: type, saved: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``saved`` settings (as JSON read them) checked against ``cls``'s and converted to
    their types (a JSON list back to a tuple); an unknown setting or a value of the wrong
    type is a :class:`~cinerec.errors.ModelError` naming ``where``."""
    from pydantic import TypeAdapter, ValidationError

    types = settings_types(cls)
    if unknown := sorted(set(saved) - set(types)):
        raise ModelError(f"{where}: {cls.__name__} has no setting {unknown[0]!r}; rebuild the model")
    typed = {}
    for name, value in saved.items():
        try:
            typed[name] = TypeAdapter(types[name]).validate_python(value, strict=False)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise ModelError(f"{where}: {cls.__name__}'s {name} is {value!r} ({reason}); rebuild the model") from None
    return typed


def schema_digest(classes: Iterable[type]) -> str:
    """A short digest of the settings' names and types of ``classes``: equal for two
    cinerec versions exactly when they read the same saved settings."""
    schema = {cls.__name__: {name: _type_name(kind) for name, kind in settings_types(cls).items()}
              for cls in sorted(set(classes), key=lambda cls: cls.__name__)}
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16]


def _type_name(kind: Any) -> str:
    return str(kind).replace("typing.", "") if not isinstance(kind, type) else kind.__name__
