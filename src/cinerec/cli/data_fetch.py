"""``cinerec data fetch NAME`` and ``cinerec data list``: get MovieLens onto this machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from cinerec.data.fetch import cached_releases, fetch, fetch_record
from cinerec.data.releases import RELEASES, Release
from cinerec.paths import datasets_dir


def register(data_subparsers: argparse._SubParsersAction) -> None:
    fetch_parser = data_subparsers.add_parser(
        "fetch", help="download, verify and unpack a MovieLens release",
        description="Download a MovieLens release from GroupLens, check its MD5 and unpack it into "
        "cinerec's cache (or --dir). Prints the folder with the data. Running it again is instant; "
        "a broken download resumes where it stopped.")
    fetch_parser.add_argument("name", metavar="NAME", choices=list(RELEASES),
                              help=f"the release: {', '.join(RELEASES)}")
    fetch_parser.add_argument("--dir", type=Path, default=None, dest="directory",
                              help=f"keep releases here instead of {datasets_dir()}; a NAME.zip you "
                              "downloaded yourself and put here is used instead of downloading")
    fetch_parser.set_defaults(handler=_run_fetch)

    list_parser = data_subparsers.add_parser(
        "list", help="show the MovieLens releases and which ones are here",
        description="Show every MovieLens release cinerec can fetch: its size, what it contains, "
        "and where it is if you already have it.")
    list_parser.add_argument("--dir", type=Path, default=None, dest="directory",
                             help=f"look for fetched releases here instead of {datasets_dir()}")
    list_parser.set_defaults(handler=_run_list)


def _run_fetch(args: argparse.Namespace) -> int:
    print(fetch(args.name, args.directory))
    return 0


def _run_list(args: argparse.Namespace) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    cached = cached_releases(args.directory)
    table = Table(title="MovieLens releases", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Release", "Size", "Ratings", "Users", "Movies", "Includes", "Fetched"):
        table.add_column(column, justify="right" if column in {"Size", "Ratings", "Users", "Movies"} else "left",
                         no_wrap=True)
    for release in RELEASES.values():
        table.add_row(release.name, _size(release.zip_bytes), _count(release.ratings), f"{release.users:,}",
                      f"{release.movies:,}", _contents(release), "yes" if release.name in cached else "–")
    console = Console()
    console.print(table)
    for name, folder in cached.items():
        console.print(f"{name}: {folder}{_copy_note(args.directory, name)}", soft_wrap=True, highlight=False)
    console.print(f"Fetch one with: cinerec data fetch NAME   (kept in {args.directory or datasets_dir()})",
                  soft_wrap=True, highlight=False)
    return 0


def _size(n_bytes: int) -> str:
    megabytes = n_bytes / 1e6
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"


def _count(n: int) -> str:
    """Ratings as a person says them: 100K, 1.0M, 25.0M."""
    return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n / 1e3:,.0f}K"


def _contents(release: Release) -> str:
    """What a release offers beyond ratings: people's ages and jobs, tags, the tag genome."""
    parts = [label for label, present in (("ages & jobs", release.has_demographics), ("tags", release.has_tags),
                                          ("genome", release.has_genome)) if present]
    return " + ".join(parts) or "ratings only"


def _copy_note(directory: Path | None, name: str) -> str:
    source = fetch_record(directory, name).get("source") or ""
    return " (the RecBole copy from the package index)" if source.startswith("recbole") else ""
