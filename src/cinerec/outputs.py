"""Where a command may write, checked before it does any work.

The rule for every command that writes: it may replace only what cinerec wrote itself
— a model directory with cinerec's manifest, a report it generated, a recommendations
file with its header — and anything else at the target (someone's thesis folder, a
spreadsheet, a path under a regular file, a place nobody may write) is refused with a
one-line :class:`~cinerec.errors.CinerecError` before a minute is spent fitting. The
writes themselves are atomic (:mod:`cinerec.atomic`), so a refusal or a crash later
still leaves the target as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from cinerec.errors import CinerecError

#: Tells whether an existing file at a target is one cinerec wrote (and so may replace).
Ownership = Callable[[Path], bool]

#: The mark every cinerec HTML report carries in its ``<head>``.
REPORT_MARK = '<meta name="generator" content="cinerec'


def check_writable_place(target: Path, what: str, error: type[CinerecError] = CinerecError) -> None:
    """Refuse a ``target`` whose nearest existing ancestor is a file, or a folder that
    cannot be written to (no permission, a read-only or virtual file system such as /proc).
    Creates nothing: a command refused later leaves no empty folder behind."""
    ancestor = next(folder for folder in target.parents if folder.exists() or folder == folder.parent)
    if not ancestor.is_dir():
        raise error(f"cannot write {what} under {ancestor}: it is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise error(f"cannot write {what} under {ancestor}: no permission to write there")
    try:  # the permission bits can say yes where the file system says no (/proc, read-only mounts)
        os.rmdir(tempfile.mkdtemp(prefix=f".{target.name}.probe-", dir=ancestor))
    except OSError as exc:
        raise error(f"cannot write {what} to {target}: {exc.strerror or exc}") from None


def check_output_file(path: Path, what: str, is_ours: Ownership) -> Path:
    """A file target: missing, or a file cinerec wrote (``is_ours``), which is replaced."""
    path = Path(path)
    if path.is_dir():
        raise CinerecError(f"{path} is a folder; give a file name for {what}")
    if path.exists() and not _owned(path, is_ours):
        raise CinerecError(f"{path} exists and was not written by cinerec; choose a new file for {what} "
                           "(only cinerec's own output is replaced)")
    check_writable_place(path, what)
    return path


def check_output_folder(folder: Path, what: str, owned_files: Mapping[str, Ownership]) -> Path:
    """A folder target for files named in ``owned_files``: missing, or a folder whose
    files of those names (if any) cinerec wrote. Other files in the folder are kept."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CinerecError(f"{folder} exists and is not a folder; choose a folder for {what}")
    for name, is_ours in owned_files.items():
        existing = folder / name
        if existing.is_dir() or (existing.exists() and not _owned(existing, is_ours)):
            raise CinerecError(f"{existing} exists and was not written by cinerec; choose another folder "
                               f"for {what} (only cinerec's own output is replaced)")
    check_writable_place(folder / "index.html", what)
    return folder


def is_cinerec_report(path: Path) -> bool:
    """Whether ``path`` is an HTML report cinerec generated (its generator mark, near the top)."""
    return REPORT_MARK in _head(path, 4096)


def starts_with_line(line: str) -> Ownership:
    """Ownership by first line, for CSV files whose header only cinerec writes."""
    return lambda path: _head(path, len(line) + 2).splitlines()[:1] == [line]


def _owned(path: Path, is_ours: Ownership) -> bool:
    return path.is_file() and is_ours(path)


def _head(path: Path, size: int) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(size).decode("utf-8", errors="replace")
    except OSError:
        return ""
