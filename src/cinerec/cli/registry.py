"""Assembling command groups: each command module exposes ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterable


def register_modules(subparsers: argparse._SubParsersAction, module_names: Iterable[str]) -> None:
    """Let each named module add its commands; a module not written yet is skipped."""
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
