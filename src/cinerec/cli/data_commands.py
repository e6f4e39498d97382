"""``cinerec data …``: fetch, list, generate and inspect MovieLens data."""

from __future__ import annotations

import argparse
import importlib

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
    for module_name in DATA_COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(data_subparsers)
