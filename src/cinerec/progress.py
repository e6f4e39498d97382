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
from typing import Any, TypeVar

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
    """Iterate over ``items``, showing a progress bar on a terminal only. Work of one
    step shows a spinner instead (a bar would sit at 0% until it jumped to 100%)."""
    if not interactive():
        yield from items
        return
    total = total if total is not None else _len_or_none(items)
    with _live() as bar:
        task = bar.add_task(description, total=total if total != 1 else None)
        try:
            for item in items:
                yield item
                bar.advance(task)
        finally:
            bar.remove_task(task)


@contextmanager
def status(message: str) -> Iterator[None]:
    """Show ``message`` with a spinner and the time spent while the block runs (terminal
    only); bars of the work inside it show beneath."""
    if not interactive():
        yield
        return
    with _live() as bar:
        task = bar.add_task(message, total=None)
        try:
            yield
        finally:
            bar.remove_task(task)


#: The one live display on the terminal: rich allows one at a time, so nested steps
#: (a build's step, the neighbour search inside it) add lines to it.
_display: list[Any] = []


@contextmanager
def _live() -> Iterator[Any]:
    if _display:
        yield _display[0]
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        _display.append(bar)
        try:
            yield bar
        finally:
            _display.clear()


def note(message: str) -> None:
    """Tell the person something on stderr (always: notes matter even when piped)."""
    print(terminal_safe(message), file=sys.stderr)


def _len_or_none(items: Iterable[object]) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None
