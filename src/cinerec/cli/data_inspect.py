"""``cinerec data inspect PATH...``: what is in a MovieLens release, in numbers and plots."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cinerec.errors import CinerecError
from cinerec.paths import cache_dir
from cinerec.progress import note, status

if TYPE_CHECKING:
    from rich.table import Table

    from cinerec.data.inspect import DatasetDescription

#: A formatted cell that reads as a number (``12,345``, ``3.53``, ``6.1%``, ``—``) is right-aligned.
LISTED_DISAGREEMENTS = 10
_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+%?|—|–")


def register(data_subparsers: argparse._SubParsersAction) -> None:
    parser = data_subparsers.add_parser(
        "inspect", help="count and chart what a MovieLens release contains",
        description="Read one or more MovieLens releases (a folder or a .zip each; several are combined) "
        "and show what they contain: users, movies, ratings, tags, how ratings spread over movies and "
        "people, genres, decades and who the users are. Also writes an HTML report with plots.")
    parser.add_argument("paths", metavar="PATH", nargs="+", type=Path,
                        help="a MovieLens release folder or .zip; give several to combine them")
    parser.add_argument("--report", metavar="DIR", type=Path, default=None,
                        help="write the HTML report to DIR/index.html "
                        "(default: cinerec's cache, under reports/<fingerprint>/)")
    parser.add_argument("--json", action="store_true",
                        help="print only a JSON document (counts at the top level, distributions under "
                        "'distributions') on stdout")
    parser.set_defaults(handler=_run_inspect)


def default_report_dir(fingerprint: str) -> Path:
    """Where a dataset's report goes unless told otherwise: one folder per dataset content."""
    return cache_dir() / "reports" / fingerprint


def _run_inspect(args: argparse.Namespace) -> int:
    from cinerec.data.inspect import describe
    from cinerec.data.readers import load_datasets

    from cinerec.outputs import check_output_folder, is_cinerec_report

    if args.report is not None:
        check_output_folder(args.report, "the report", {"index.html": is_cinerec_report})
    dataset, combine_summary = load_datasets(args.paths)
    with status("Describing the data"):
        description = describe(dataset, combine_summary)
    report_dir = args.report or default_report_dir(description.fingerprint)
    with status("Writing the report"):
        try:
            report_path = description.report().write(report_dir)
        except OSError as exc:
            raise CinerecError(f"cannot write the report to {report_dir}: {exc.strerror or exc}") from None
    if args.json:
        json.dump(description.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        note(f"Report: {report_path}")
    else:
        _print_tables(description, report_path)
    return 0


def _print_tables(d: DatasetDescription, report_path: Path) -> None:
    """Plain, compact tables: readable on a terminal and when piped to a file."""
    from rich.columns import Columns
    from rich.console import Console

    def side_by_side(*tables: Table) -> Columns:
        return Columns(tables, padding=(0, 4))

    overview = {
        "users": d.counts["users"], "movies": d.counts["movies"], "ratings": d.counts["ratings"],
        "tag applications": d.counts["tags"], "users with demographics": d.counts["users_with_demographics"],
        "genome movies": d.counts["genome_movies"], "mean rating": d.ratings["mean"],
        "matrix filled": f"{d.ratings['density']:.2%}",
        "rated": f"{d.ratings['first']} to {d.ratings['last']}" if d.ratings["first"] else "never",
        "fingerprint": d.fingerprint,
    }
    activity = [[s, d.ratings_per_user_summary[s], d.ratings_per_movie_summary.get(s)]
                for s in d.ratings_per_user_summary]
    sections: list[Any] = [
        _key_value_table(d.name, overview),
        side_by_side(_table("Ratings per user and movie", ["", "per user", "per movie"], activity),
                     _counts_table("Rating values", "stars", d.rating_values)),
        _table("Most rated movies", ["movie", "ratings", "mean rating"],
               [[m["title"], m["ratings"], m["mean_rating"]] for m in d.most_rated_movies]),
        side_by_side(_table("Genres", ["genre", "movies", "ratings"],
                            [[g, c["movies"], c["ratings"]] for g, c in d.genres.items()]),
                     _counts_table("Decades", "released", d.decades)),
    ]
    if d.has_demographics:
        sections.append(side_by_side(_counts_table("Ages", "age band", d.age_bands),
                                     _counts_table("Genders", "gender", d.genders),
                                     _counts_table("Occupations", "occupation", d.occupations),
                                     _counts_table("Zip code regions", "region", d.zip_regions)))
    else:
        sections.append(f"{d.name} does not describe its users (no age, gender, occupation or zip code).")
    if d.top_tags:
        sections.append(_counts_table(f"Top {len(d.top_tags)} tags", "tag", d.top_tags))
    if len(d.per_release) > 1:
        columns = list(d.per_release[0])
        sections.append(_table("Releases", [c.replace("_", " ") for c in columns],
                               [[row[c] for c in columns] for row in d.per_release]))
    if d.combination:
        sections.append(_key_value_table("Catalogues combined by MovieLens id", d.combination_overview()))
        sections.extend(_disagreements_table(d.combination["title_disagreements"]))
    sections.extend(f"note: {warning}" for warning in d.warnings)
    console = Console(highlight=False)
    for section in sections:
        console.print(section, soft_wrap=isinstance(section, str))
        console.print()
    console.print(f"Report: {report_path}", soft_wrap=True)


def _disagreements_table(disagreements: list[dict[str, Any]]) -> list[Table]:
    """The first few movies the releases title differently (none: no table)."""
    if not disagreements:
        return []
    shown = disagreements[:LISTED_DISAGREEMENTS]
    title = "Titled differently (first title kept)"
    if len(disagreements) > len(shown):
        title += f": {len(shown)} of {len(disagreements):,}, all of them in --json"
    return [_table(title, ["movie id", "title kept", "other title"],
                   [[row["movie_id"], row["kept"], row["other"]] for row in shown])]


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A table whose cells are plain text: a title like "[REC]" is not read as rich markup."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from cinerec.reports.html import format_column

    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    cells = [format_column([row[i] for row in rows]) for i in range(len(columns))]
    for column, formatted in zip(columns, cells, strict=True):
        numeric = bool(formatted) and all(_NUMBER.fullmatch(cell) for cell in formatted)
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in zip(*cells, strict=True):
        table.add_row(*map(Text, row))
    return table


def _counts_table(title: str, label: str, counts: Mapping[str, int]) -> Table:
    total = sum(counts.values())
    return _table(title, [label, "count", "share"],
                  [[key, n, f"{n / total:.1%}" if total else "–"] for key, n in counts.items()])


def _key_value_table(title: str, items: Mapping[str, Any]) -> Table:
    from rich.table import Table
    from rich.text import Text

    from cinerec.reports.html import format_value

    table = Table(title=Text(title), title_justify="left", box=None, show_header=False, pad_edge=False,
                  min_width=len(title))
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in items.items():
        table.add_row(Text(key), Text(format_value(value)))
    return table
