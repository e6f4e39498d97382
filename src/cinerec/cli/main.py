"""The ``cinerec`` command line: parse, call the library, print.

Each command lives in its own module under :mod:`cinerec.cli` exposing
``register(subparsers)``; this module only assembles them and turns
:class:`~cinerec.errors.CinerecError` (and the environment's ``OSError``) into a one-line
message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from cinerec import __version__
from cinerec.cli.registry import register_modules
from cinerec.errors import CinerecError
from cinerec.progress import terminal_safe

#: Modules that register commands, in the order they appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "cinerec.cli.data_commands",
    "cinerec.cli.model_commands",
    "cinerec.cli.evaluate_command",
    "cinerec.cli.serve_command",
)

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors read like every other error: one line,
    ``cinerec: error: …``, exit 2 (argparse prints the whole usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"cinerec: error: {terminal_safe(message)} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="cinerec",
        description="Movie recommendations from MovieLens: similar movies, what fans of a movie "
        "also liked, and what people like you enjoy.",
    )
    parser.add_argument("--version", action="version", version=f"cinerec {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register_modules(subparsers, COMMAND_MODULES)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cinerec`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CinerecError as exc:
        print(f"cinerec: error: {terminal_safe(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the environment (a full disk, a vanished file), not a bug: one line too
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"cinerec: error: {terminal_safe(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cinerec: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
