"""Progress reporting for long work: a live bar on a terminal, silence elsewhere.

Library code reports progress through :func:`progress`, so that tests, pipes and the
web service stay quiet while a person at a terminal sees what is happening. Whatever
is printed from data or input goes through :func:`terminal_safe`: a MovieLens title or a
person's words can hold control characters, which a terminal would obey.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
#: C0 and C1 control characters and DEL.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def terminal_safe(text: object) -> str:
    """``text`` as a string without control characters (a line break or tab becomes a space)."""
    return _CONTROLS.sub(lambda match: " " if match.group() in "\n\r\t" else "", str(text))


def interactive() -> bool:
    """True when stderr is a terminal a person is watching."""
    return sys.stderr.isatty()


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items``, showing a progress bar on a terminal only."""
    if not interactive():
        yield from items
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(description, total=total if total is not None else _len_or_none(items))
        for item in items:
            yield item
            bar.advance(task)


@contextmanager
def status(message: str) -> Iterator[None]:
    """Show a spinner with ``message`` while the block runs (terminal only)."""
    if not interactive():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def note(message: str) -> None:
    """Tell the person something on stderr (always: notes matter even when piped)."""
    print(terminal_safe(message), file=sys.stderr)


def _len_or_none(items: Iterable[object]) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None
