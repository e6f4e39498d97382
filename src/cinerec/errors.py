"""Errors a user can act on.

Every error raised for bad input derives from :class:`CinerecError`. The CLI prints
its message on one line and exits with status 2, without a traceback, so the message
itself must say what is wrong and where (file and line, or the field).
"""

from __future__ import annotations

from pathlib import Path


class CinerecError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""


class DataError(CinerecError):
    """A data file is missing, malformed or inconsistent.

    ``path`` and ``line`` (1-based, counting a header line) locate the problem so the
    message reads like a compiler error: ``ratings.csv:17: rating 7 is outside 0.5–5``.
    ``path`` may be a URI (``hdfs://…``), shown as given.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.reason = message
        shown = path if isinstance(path, str) and "://" in path else self.path  # a URI, as given
        where = ""
        if shown is not None:
            where = f"{shown}:{line}: " if line is not None else f"{shown}: "
        super().__init__(f"{where}{message}")


class FetchError(CinerecError):
    """A release could not be downloaded, verified or extracted."""


class ModelError(CinerecError):
    """A model directory is missing, incomplete, altered or of another format version."""


class QueryError(CinerecError):
    """A recommendation request names an unknown title or an impossible profile."""


def first_line(error: BaseException) -> str:
    """The first line of a library's error message (its name when it has none): what a
    one-line cinerec error quotes of an error from pyarrow, Spark or the like."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
