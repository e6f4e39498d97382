"""Printing recommendations for a person: numbered titles with year, genres and reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.text import Text

from cinerec.sections import Recommendation, Recommendations
from cinerec.progress import terminal_safe


def console() -> Console:
    """Standard output; colour only on a terminal, no markup or highlighting of data."""
    return Console(highlight=False, soft_wrap=True)


def print_recommendations(recommendations: Recommendations, notes: Iterable[str] = ()) -> None:
    out = console()
    for note in notes:
        out.print(Text(f"Note: {terminal_safe(note)}", style="yellow"))
    for section in recommendations.sections:
        out.print()
        out.print(Text(terminal_safe(section.heading), style="bold underline"))
        if not section.items:
            out.print(Text(f"  ({terminal_safe(section.note or 'nothing to recommend')})", style="dim"))
        _print_items(out, section.items)


def print_movie_list(heading: str, items: Sequence[Recommendation], notes: Iterable[str] = ()) -> None:
    out = console()
    for note in notes:
        out.print(Text(f"Note: {terminal_safe(note)}", style="yellow"))
    out.print(Text(terminal_safe(heading), style="bold underline"))
    if not items:
        out.print(Text("  (no similar movies found)", style="dim"))
    _print_items(out, items)


def _print_items(out: Console, items: Sequence[Recommendation]) -> None:
    width = len(str(len(items)))
    for rank, item in enumerate(items, start=1):
        line = Text(f"  {rank:>{width}}. ")
        line.append(terminal_safe(item.label), style="bold")
        if item.genres:
            line.append(f"  · {terminal_safe(', '.join(item.genres))}", style="cyan")
        if item.reason:
            line.append(f"  — {terminal_safe(item.reason)}", style="dim")
        out.print(line)
