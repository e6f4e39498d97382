"""``cinerec data …``: fetch, list, generate and inspect MovieLens data."""

from __future__ import annotations

import argparse

from cinerec.cli.registry import register_modules

#: Modules that add subcommands to ``cinerec data``.
DATA_COMMAND_MODULES: tuple[str, ...] = (
    "cinerec.cli.data_fetch",
    "cinerec.cli.data_synth",
    "cinerec.cli.data_inspect",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="fetch, list, generate and inspect MovieLens data",
                                   description="Fetch, list, generate and inspect MovieLens data.")
    data_subparsers = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)
    register_modules(data_subparsers, DATA_COMMAND_MODULES)
