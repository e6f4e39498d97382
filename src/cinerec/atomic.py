"""Writing files and folders so that a reader never sees them half written.

Everything cinerec writes for later use — fetched releases, parsed datasets, synthetic
releases, reports, recommendation files — is written beside its target under a hidden
name and renamed into place only once complete. A crash, a refused archive or a full
disk leaves the previous version (or nothing) behind, never a truncated one.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target`` that replaces it when the block succeeds.

    On any exception the staging folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp, which forces mode 0700) so the result gets the user's usual permissions.
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.partial"
    staging.mkdir()
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def atomic_file(target: Path, mode: str = "w", **open_kwargs: object) -> Iterator[IO]:
    """Open a temporary file beside ``target`` for writing; it replaces ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        with open(temporary, mode, **open_kwargs) as stream:  # type: ignore[call-overload]
            yield stream
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
