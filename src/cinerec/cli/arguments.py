"""Argument types shared by the command modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable

#: Largest count or id an argument may give: MovieLens ids are 32-bit signed integers.
MAX_WHOLE_NUMBER = 2**31 - 1
#: Seeds go to numpy and scikit-learn, which take 32-bit unsigned seeds.
MAX_SEED = 2**32 - 1


def whole_number(minimum: int, maximum: int = MAX_WHOLE_NUMBER) -> Callable[[str], int]:
    """An argparse type for a whole number from ``minimum`` to ``maximum`` (anything else is
    a one-line usage error, never an overflow deep inside a library)."""
    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        if not (digits.isascii() and digits.isdigit()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        value = int(stripped)
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum:,} to {maximum:,}, got {text!r}")
        return value
    return parse


positive_int = whole_number(1)
count = whole_number(0)
seed = whole_number(0, MAX_SEED)
