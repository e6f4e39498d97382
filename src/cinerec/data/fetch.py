"""Download, verify and unpack MovieLens releases into the per-user cache.

``fetch("ml-25m")`` leaves ``<cache>/ml-25m/ml-25m/`` (the zip's own top folder) plus a
small marker, ``cinerec-fetch.json``, recording where the data came from, its checksum
and when. The marker is written last, so its presence means "complete": a second fetch
returns at once, and anything without it is fetched again.

Downloads go to ``<name>.zip.part`` beside the release folder and resume with an HTTP
``Range`` request after a broken connection (or start over when the server ignores
it). A zip whose MD5 does not match is deleted. When GroupLens cannot be reached at all,
ml-100k is taken from the RecBole wheel on the package index instead (see
:func:`_fetch_recbole_ml100k`), and the person is told so.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from cinerec.atomic import atomic_file, staged_directory
from cinerec.data.archive import safe_extract
from cinerec.data.releases import RELEASES, Release
from cinerec.errors import FetchError
from cinerec.paths import datasets_dir
from cinerec.progress import note, progress, status

#: Environment variable that replaces the GroupLens base URL (mirrors, loopback tests).
BASE_URL_ENV = "CINEREC_MOVIELENS_URL"
#: Written inside ``<dir>/<name>/`` once a release is completely in place.
MARKER_FILE = "cinerec-fetch.json"
CHUNK_BYTES = 1 << 20
#: How many times one fetch resumes a download whose connection broke off.
DOWNLOAD_ATTEMPTS = 3

#: The ml-100k copy on the package index: RecBole's wheel, pinned by version and sha256.
RECBOLE_REQUIREMENT = "recbole==1.2.1"
RECBOLE_WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
#: Arguments after ``sys.executable``; ``-d <tmpdir>`` is appended. Tests swap in a fake.
RECBOLE_DOWNLOAD_ARGS: tuple[str, ...] = (
    "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", RECBOLE_REQUIREMENT,
)
RECBOLE_DATA_DIR = "recbole/dataset_example/ml-100k/"
RECBOLE_FILES = ("ml-100k.inter", "ml-100k.item", "ml-100k.user")
PIP_TIMEOUT_SECONDS = 600


class _UnreachableError(FetchError):
    """The server could not be contacted at all (as opposed to answering badly)."""


class _HTTPStatusError(FetchError):
    """The server answered with an HTTP error status."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class _BrokenTransfer(Exception):
    """A download stopped before its end; the ``.part`` file may be resumed."""


def fetch(name: str, directory: Path | None = None, *, base_url: str | None = None,
          timeout: float = 30) -> Path:
    """Make release ``name`` available under ``directory`` and return its data folder.

    ``directory`` defaults to :func:`cinerec.paths.datasets_dir`; the release lands in
    ``directory/name/``. A ``directory/<name>.zip`` already there (a copy downloaded by
    hand) is verified and used instead of downloading. ``base_url`` (else the
    ``CINEREC_MOVIELENS_URL`` environment variable, else GroupLens) is where
    ``<name>.zip`` and ``<name>.zip.md5`` are requested. Raises :class:`FetchError`
    with a one-line explanation when the release cannot be downloaded or verified.
    """
    release = _known_release(name)
    root = Path(directory) if directory is not None else datasets_dir()
    target = root / release.name
    if (folder := _completed_folder(target)) is not None:
        note(f"{release.name} is already there: {folder}")
        return folder
    root.mkdir(parents=True, exist_ok=True)
    url = release_url(release, base_url)
    try:
        return _fetch_zip(release, url, root, timeout)
    except _UnreachableError as exc:
        if release.name == "ml-100k":
            return _fetch_recbole_ml100k(target, reason=str(exc))
        raise FetchError(f"{exc}; check your connection or use --dir with a copy you downloaded "
                         f"(put {release.name}.zip in that folder)") from None


def cached_releases(directory: Path | None = None) -> dict[str, Path]:
    """Releases completely fetched into ``directory`` (default: the cache), name → data folder."""
    root = Path(directory) if directory is not None else datasets_dir()
    found = {name: _completed_folder(root / name) for name in RELEASES}
    return {name: folder for name, folder in found.items() if folder is not None}


def fetch_record(directory: Path | None, name: str) -> dict[str, str | None]:
    """The marker of a completed fetch (``source``, ``md5``, ``fetched`` …), empty if none."""
    root = Path(directory) if directory is not None else datasets_dir()
    return _read_marker(root / name) or {}


def release_url(release: Release, base_url: str | None = None) -> str:
    """Where to download ``release``: under ``base_url``, ``$CINEREC_MOVIELENS_URL`` or GroupLens."""
    base = base_url or os.environ.get(BASE_URL_ENV)
    return f"{base.rstrip('/')}/{release.name}.zip" if base else release.url


# ------------------------------------------------------------------ the normal path
def _fetch_zip(release: Release, url: str, root: Path, timeout: float) -> Path:
    local_copy = root / f"{release.name}.zip"
    if local_copy.exists():
        md5 = release.md5 or _published_md5_if_reachable(url, timeout, local_copy)
        if md5 is not None:
            _check_md5(local_copy, md5, remedy="replace it with a good copy")
        return _install(release, local_copy, root / release.name, source=str(local_copy), md5=md5)

    md5 = release.md5 or _published_md5(url, timeout)
    part = root / f"{release.name}.zip.part"
    _download(url, part, timeout=timeout, label=f"{release.name}.zip")
    try:
        _check_md5(part, md5, remedy=f"it came from {url} and was deleted; run the command again")
    except FetchError:
        part.unlink()
        raise
    folder = _install(release, part, root / release.name, source=url, md5=md5)
    part.unlink()
    return folder


def _install(release: Release, zip_path: Path, target: Path, *, source: str, md5: str | None) -> Path:
    """Unpack a verified zip into ``target`` and mark it complete."""
    with status(f"Unpacking {release.name}…"):
        safe_extract(zip_path, target)
    folder = target / release.folder
    if not folder.is_dir():
        shutil.rmtree(target)
        raise FetchError(f"{zip_path}: expected the archive to contain the folder {release.folder}/")
    _write_marker(target, folder=release.folder, source=source, md5=md5)
    return folder


def _published_md5(url: str, timeout: float) -> str:
    """The checksum GroupLens publishes as ``<url>.md5`` (``md5sum`` output or the bare hash)."""
    with _open(urllib.request.Request(f"{url}.md5"), timeout) as response:
        text = response.read(4096).decode("ascii", errors="replace")
    match = re.search(r"\b[0-9a-fA-F]{32}\b", text)
    if match is None:
        raise FetchError(f"{url}.md5 does not contain an MD5 checksum")
    return match.group(0).lower()


def _published_md5_if_reachable(url: str, timeout: float, local_copy: Path) -> str | None:
    try:
        return _published_md5(url, timeout)
    except _UnreachableError as exc:
        note(f"Using {local_copy} without checking it: its published MD5 is unavailable ({exc}).")
        return None


def _check_md5(path: Path, expected: str, *, remedy: str) -> None:
    """Raise FetchError (ending with ``remedy``) unless ``path`` has MD5 ``expected``."""
    with status(f"Checking {path.name}…"):
        actual = _file_digest(path, "md5")
    if actual != expected.lower():
        raise FetchError(f"{path} has MD5 {actual}, expected {expected}: damaged or not the release; {remedy}")


def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------ download
def _download(url: str, part: Path, *, timeout: float, label: str) -> None:
    """Download ``url`` into ``part``, resuming what is there, retrying broken transfers."""
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            _download_once(url, part, timeout=timeout, label=label)
            return
        except _BrokenTransfer as exc:
            if attempt == DOWNLOAD_ATTEMPTS:
                raise FetchError(f"the download of {label} from {_host(url)} broke off ({exc}); "
                                 f"run the same command again to resume it") from None
            note(f"The download of {label} broke off ({exc}); resuming.")


def _download_once(url: str, part: Path, *, timeout: float, label: str) -> None:
    """One request: ask for the bytes after what ``part`` holds; append or start over."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = _open(urllib.request.Request(url, headers=headers), timeout)
    except _HTTPStatusError as exc:
        if have and exc.code == 416:  # the part is already as long as the file, or longer
            part.unlink()
            raise _BrokenTransfer("the server would not resume it; starting over") from None
        raise
    with response:
        start = _resume_offset(response, have)
        length = response.headers.get("Content-Length")
        expected = start + int(length) if length is not None else None
        _announce(label, _host(url), start, expected)
        chunks = iter(lambda: response.read(CHUNK_BYTES), b"")
        total = math.ceil(int(length) / CHUNK_BYTES) if length is not None else None
        try:
            with part.open("ab" if start else "wb") as out:
                for chunk in progress(chunks, f"{label} (MB)", total=total):
                    out.write(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise _BrokenTransfer(f"{exc.__class__.__name__}: {exc}") from None
    received = part.stat().st_size
    if expected is not None and received < expected:
        raise _BrokenTransfer(f"{_human_size(received)} of {_human_size(expected)} received")


def _announce(label: str, host: str, start: int, expected: int | None) -> None:
    size = _human_size(expected) if expected is not None else "size unknown"
    if start:
        note(f"Resuming {label} from {host} at {_human_size(start)} of {size}")
    else:
        note(f"Downloading {label} ({size}) from {host}")


def _resume_offset(response: http.client.HTTPResponse, have: int) -> int:
    """Where the body starts in the file: ``have`` for a matching 206, else 0 (start over)."""
    if response.status != 206:
        return 0
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    if match is None or int(match.group(1)) != have:
        raise _BrokenTransfer("the server resumed at the wrong place")
    return have


def _open(request: urllib.request.Request, timeout: float) -> http.client.HTTPResponse:
    """``urlopen`` whose failures are one-line FetchErrors (unreachable ones marked so)."""
    host = _host(request.full_url)
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as exc:
        raise _HTTPStatusError(f"{host} answered HTTP {exc.code} {exc.reason} for {request.full_url}",
                               exc.code) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _UnreachableError(f"could not reach {host} ({getattr(exc, 'reason', exc)})") from None


# ------------------------------------------------------------- the ml-100k fallback
def _fetch_recbole_ml100k(target: Path, *, reason: str) -> Path:
    """Take ml-100k from the RecBole wheel on the package index, verified by sha256.

    RecBole ships the same 100,000 ratings converted to its tab-separated "atomic" files
    (``ml-100k.inter``, ``.item``, ``.user``); the readers recognise that folder as
    format "recbole". Only those files are unpacked; RecBole itself is never installed.
    """
    note(f"!! GroupLens was unreachable: {reason}")
    note(f"!! Getting MovieLens 100K from the package index instead: the copy inside the "
         f"{RECBOLE_REQUIREMENT} wheel (RecBole's format: ml-100k.inter/.item/.user).")
    with tempfile.TemporaryDirectory(prefix="cinerec-recbole-") as tmp:
        wheel = _pip_download_recbole(Path(tmp))
        sha256 = _file_digest(wheel, "sha256")
        if sha256 != RECBOLE_WHEEL_SHA256:
            raise FetchError(f"{wheel.name} from the package index has sha256 {sha256}, expected "
                             f"{RECBOLE_WHEEL_SHA256}; refusing to use it")
        folder = _extract_recbole_files(wheel, target)
    _write_marker(target, folder=folder.name, source=f"{RECBOLE_REQUIREMENT} wheel from the package index",
                  md5=None, sha256=sha256)
    note(f"!! Verified the wheel's sha256 ({sha256[:16]}…) and unpacked the RecBole copy of ml-100k "
         f"into {folder}.")
    return folder


def _pip_download_recbole(into: Path) -> Path:
    command = [sys.executable, *RECBOLE_DOWNLOAD_ARGS, "-d", str(into)]
    with status(f"Downloading {RECBOLE_REQUIREMENT} with pip…"):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS,
                                    check=False)
        except subprocess.TimeoutExpired:
            raise FetchError(f"pip took over {PIP_TIMEOUT_SECONDS} s to download {RECBOLE_REQUIREMENT}; "
                             f"GroupLens was unreachable too") from None
    wheels = sorted(into.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        last_line = (result.stderr.strip().splitlines() or ["no wheel was saved"])[-1]
        raise FetchError(f"GroupLens was unreachable and pip could not download {RECBOLE_REQUIREMENT} "
                         f"either ({last_line})")
    return wheels[0]


def _extract_recbole_files(wheel: Path, target: Path) -> Path:
    """Copy the three ml-100k files out of the wheel into ``target/ml-100k`` atomically."""
    try:
        with zipfile.ZipFile(wheel) as archive, staged_directory(target) as staging:
            folder = staging / "ml-100k"
            folder.mkdir()
            for file_name in RECBOLE_FILES:
                with archive.open(RECBOLE_DATA_DIR + file_name) as source, (folder / file_name).open("wb") as out:
                    shutil.copyfileobj(source, out)
    except KeyError as exc:
        raise FetchError(f"{wheel.name} does not contain {exc.args[0]}") from None
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{wheel.name} is not a readable wheel ({exc})") from None
    return target / "ml-100k"


# ------------------------------------------------------------------------- markers
def _write_marker(target: Path, *, folder: str, source: str, md5: str | None, sha256: str | None = None) -> None:
    record = {"folder": folder, "source": source, "md5": md5,
              "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if sha256 is not None:
        record["sha256"] = sha256
    with atomic_file(target / MARKER_FILE) as stream:
        stream.write(json.dumps(record, indent=2) + "\n")


def _read_marker(target: Path) -> dict[str, str | None] | None:
    try:
        record = json.loads((target / MARKER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("folder"), str) else None


def _completed_folder(target: Path) -> Path | None:
    record = _read_marker(target)
    if record is None:
        return None
    folder = target / record["folder"]
    return folder if folder.is_dir() else None


def _known_release(name: str) -> Release:
    try:
        return RELEASES[name]
    except KeyError:
        raise FetchError(f"unknown MovieLens release {name!r}; known: {', '.join(RELEASES)}") from None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _human_size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:,.1f} kB"
