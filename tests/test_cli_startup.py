"""Start-up cost: building the CLI (what ``cinerec --version`` and ``--help`` pay) imports
none of the numeric libraries — numpy, pandas, scipy, scikit-learn — which only the
commands that work on data need."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

HEAVY = ("numpy", "pandas", "scipy", "sklearn", "pyarrow", "matplotlib", "numba")


def test_building_the_cli_parser_imports_no_numeric_library() -> None:
    code = ("import sys, cinerec.cli.main as cli; cli.build_parser(); "
            f"print(sorted({{name.split('.')[0] for name in sys.modules}} & set({HEAVY!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def subcommand_parsers(parser: argparse.ArgumentParser, prefix: str = "cinerec") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield f"{prefix} {name}", child
                yield from subcommand_parsers(child, f"{prefix} {name}")


def test_every_option_of_every_command_says_what_it_is_for() -> None:
    from cinerec.cli.main import build_parser

    undocumented = [f"{command} {action.option_strings or action.dest}"
                    for command, parser in subcommand_parsers(build_parser())
                    for action in parser._actions
                    if not isinstance(action, argparse._SubParsersAction) and not action.help]
    assert undocumented == []
