"""Unpacking downloaded archives without trusting them.

A zip names its own paths, so a hostile or damaged one can write ``../../.bashrc``,
an absolute path or a symlink pointing anywhere. Every member is checked before a
single byte is written, and the archive is unpacked into a staging folder that only
becomes ``dest_dir`` once everything succeeded, so an interrupted or refused
extraction never leaves half a release behind for a reader to trip over.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from cinerec.atomic import staged_directory
from cinerec.errors import FetchError


def safe_extract(zip_path: Path, dest_dir: Path) -> None:
    """Extract ``zip_path`` into ``dest_dir`` (replacing it), refusing unsafe members.

    Raises :class:`FetchError` for a member that would land outside ``dest_dir``
    (``..`` components, absolute or drive paths) or is a symlink, and for a file that is
    not a readable zip. Nothing is written unless every member passes.
    """
    zip_path = Path(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = archive.infolist()
            for member in members:
                _check_member(member, zip_path)
            with staged_directory(dest_dir) as staging:
                archive.extractall(staging, members=members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise FetchError(f"{zip_path}: not a readable zip archive ({exc})") from None


def _check_member(member: zipfile.ZipInfo, zip_path: Path) -> None:
    """Raise FetchError unless ``member`` is a plain file or folder strictly inside the target."""
    name = member.filename
    if stat.S_ISLNK(member.external_attr >> 16):
        raise FetchError(f"{zip_path}: refusing symlink member {name!r}")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    is_absolute = name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
    if is_absolute or ".." in parts or not parts:
        raise FetchError(f"{zip_path}: refusing member {name!r}, which would land outside the target folder")
