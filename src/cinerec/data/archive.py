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
import zlib
from pathlib import Path, PurePosixPath

from cinerec.atomic import staged_directory
from cinerec.errors import FetchError

#: What zipfile raises for a member whose stored data is damaged or cut short.
_DAMAGED = (zlib.error, zipfile.BadZipFile, EOFError)
#: What it raises for a member stored in a way Python cannot unpack: a compression
#: method it lacks (NotImplementedError), encryption (RuntimeError).
_UNSUPPORTED = (NotImplementedError, RuntimeError)


def safe_extract(zip_path: Path, dest_dir: Path) -> None:
    """Extract ``zip_path`` into ``dest_dir`` (replacing it), refusing unsafe members.

    Raises :class:`FetchError` for a member that would land outside ``dest_dir``
    (``..`` components, absolute or drive paths) or is a symlink, for a file that is
    not a readable zip, for a member whose data is damaged (named ``archive.zip:member``)
    and when ``dest_dir`` cannot be written. Nothing is written unless every member passes.
    """
    zip_path = Path(zip_path)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise FetchError(f"{zip_path}: not a readable zip archive ({exc})") from None
    except OSError as exc:
        raise FetchError(f"{zip_path}: cannot read ({exc.strerror or exc})") from None
    with archive:
        members = archive.infolist()
        for member in members:
            _check_member(member, zip_path)
        try:
            with staged_directory(dest_dir) as staging:
                for member in members:
                    _extract(archive, member, staging, zip_path)
        except OSError as exc:
            raise FetchError(f"{zip_path}: cannot unpack it into {dest_dir} ({exc.strerror or exc})") from None


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, staging: Path, zip_path: Path) -> None:
    """Unpack one member, naming it when its data is damaged (a flipped byte, a cut-short
    download) or cannot be unpacked."""
    try:
        archive.extract(member, staging)
    except _DAMAGED as exc:
        raise FetchError(f"{zip_path}:{member.filename}: damaged data ({exc}); download the archive again") from None
    except _UNSUPPORTED as exc:
        raise FetchError(f"{zip_path}:{member.filename}: cannot unpack this member ({exc})") from None


def _check_member(member: zipfile.ZipInfo, zip_path: Path) -> None:
    """Raise FetchError unless ``member`` is a plain file or folder strictly inside the target."""
    name = member.filename
    if stat.S_ISLNK(member.external_attr >> 16):
        raise FetchError(f"{zip_path}: refusing symlink member {name!r}")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    is_absolute = name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
    if is_absolute or ".." in parts or not parts:
        raise FetchError(f"{zip_path}: refusing member {name!r}, which would land outside the target folder")
