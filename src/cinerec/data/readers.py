"""Read any MovieLens release, from a folder or its zip, into the canonical Dataset.

The format is recognised from the files a folder holds, never trusted from its name
(people rename folders); the name only labels the release when it is one GroupLens
publishes and agrees with the files. Parsing a large release takes seconds to a minute,
so :func:`load_dataset` keeps each parsed release as Parquet, keyed by the source
files' sizes and modification times, and later loads skip the text entirely.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cinerec.data.combine import CombineSummary, combine
from cinerec.data.dataset import DATASET_META_FILE, Dataset
from cinerec.data.formats import csv_release, dat, ml100k, recbole
from cinerec.data.formats.ratings import RatingsReader
from cinerec.data.formats.tables import merge_duplicate_movies
from cinerec.errors import DataError
from cinerec.paths import cache_dir, parsed_dir
from cinerec.progress import note, status

FORMATS = ("ml-100k", "ml-1m", "ml-10m", "csv", "recbole")
#: Bumped whenever parsing changes what a reader produces, so cached Parquet is re-made.
READER_VERSION = 4


def _read_recbole(folder: Path, release: str) -> Dataset:
    """RecBole's copy of ml-100k, with the films ml-100k lists twice merged as ml-100k's
    reader merges them (same title and year under two ids: the lower id is kept)."""
    dataset = recbole.read(folder, release)
    item_file = recbole.interaction_files(folder)[0].with_suffix(".item").name
    movies, ratings, merged = merge_duplicate_movies(dataset.movies, dataset.ratings, item_file)
    if not merged:
        return dataset
    return Dataset.from_frames(movies, dataset.users, ratings, dataset.tags, genome=dataset.genome,
                               releases=dataset.releases, warnings=(*dataset.warnings, *merged))


#: The readers that take the ratings file's reader (see :mod:`cinerec.data.formats.ratings`).
_RATINGS_FILE_READERS: dict[str, Callable[[Path, str, RatingsReader], Dataset]] = {
    "ml-100k": ml100k.read,
    "ml-1m": dat.read_ml1m,
    "ml-10m": dat.read_ml10m,
    "csv": csv_release.read,
}
_READERS: dict[str, Callable[[Path, str], Dataset]] = {**_RATINGS_FILE_READERS, "recbole": _read_recbole}
#: Files whose presence identifies each format, in the order formats are tried.
_SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ml-100k", ("u.data", "u.item", "u.user")),
    ("ml-1m", ("users.dat",)),
    ("ml-10m", ("ratings.dat", "movies.dat", "tags.dat")),
    ("csv", ("ratings.csv", "movies.csv")),
)
_EXPECTED_FILES = "u.data (ml-100k), ratings.dat (ml-1m, ml-10m), ratings.csv (ml-20m and later) or *.inter (RecBole)"
#: Release names GroupLens publishes (lower-cased folder names) and the formats they come in.
_KNOWN_RELEASES: dict[str, tuple[str, str]] = {
    "ml-100k": ("ml-100k", "ml-100k"),
    "ml-1m": ("ml-1m", "ml-1m"),
    "ml-10m": ("ml-10m", "ml-10m"),
    "ml-10m100k": ("ml-10m", "ml-10m"),
    **{name: (name, "csv") for name in csv_release.RELEASE_NAMES},
}
#: Formats that carry the same data as a release under another name.
_SAME_DATA_AS = {"recbole": "ml-100k"}
_IGNORED_ENTRIES = ("__MACOSX",)


def detect_format(path: Path) -> str:
    """The format (one of :data:`FORMATS`) of a release folder or zip, from its files."""
    given = Path(path)
    with _reported_as_given(given):
        return _detect(_release_root(_unpacked(given)))


def read_movielens(path: str | Path, ratings_reader: RatingsReader | None = None) -> Dataset:
    """Parse a MovieLens release (folder or ``.zip``) into a :class:`Dataset`.

    ``Dataset.releases`` is the release's name (``ml-25m``) when the folder (or zip) is
    named like a GroupLens release of the detected format, else the format name.
    Problems are reported against ``path``: ``archive.zip:folder/ratings.csv:17``.
    ``ratings_reader`` reads the ratings file another way than this process's parser
    (on Spark, say); every MovieLens format but RecBole's copy of ml-100k takes one.
    """
    given = Path(path)
    with _reported_as_given(given):
        root = _release_root(_unpacked(given))
        release_format = _detect(root)
        name = _release_name(release_format, (root.name, given.stem if _is_zip(given) else given.name))
        with status(f"Reading {name} from {root}"):
            if ratings_reader is None:
                return _READERS[release_format](root, name)
            if release_format not in _RATINGS_FILE_READERS:
                raise DataError(f"{release_format} files are read by the local engine only (a small release: "
                                "build it without --engine)", root)
            return _RATINGS_FILE_READERS[release_format](root, name, ratings_reader)


def load_dataset(path: str | Path, *, use_cache: bool = True) -> Dataset:
    """A saved cinerec dataset, or a MovieLens release parsed once and cached as Parquet.

    The cache lives under :func:`cinerec.paths.parsed_dir`, keyed by the resolved path,
    each source file's size and modification time, and :data:`READER_VERSION`; editing
    a file or upgrading the reader therefore re-parses. A cache that cannot be written
    only costs speed.
    """
    path = Path(path)
    with _reported_as_given(path):
        if _is_saved_dataset(path):
            return Dataset.load(path)
        if not use_cache:
            return read_movielens(path)
        cached = parsed_dir() / _cache_key(path)
        if (cached / DATASET_META_FILE).is_file():
            try:
                return Dataset.load(cached)
            except DataError:
                pass  # damaged, or written by another cinerec version: parse again and overwrite
        dataset = read_movielens(path)
    try:
        dataset.save(cached)
    except OSError as exc:
        note(f"cinerec: could not cache the parsed data in {cached} ({exc.strerror or exc})")
    return dataset


def load_datasets(paths: Sequence[str | Path], *, use_cache: bool = True,
                  load: Callable[[str | Path], Dataset] | None = None) -> tuple[Dataset, CombineSummary | None]:
    """Load one release, or several combined (see :func:`cinerec.data.combine.combine`);
    ``load`` reads each one another way (on Spark, say)."""
    if not paths:
        raise DataError("no dataset given")
    datasets = [load(path) if load is not None else load_dataset(path, use_cache=use_cache) for path in paths]
    if len(datasets) == 1:
        return datasets[0], None
    return combine(datasets)


@contextmanager
def _reported_as_given(given: Path) -> Iterator[None]:
    """Report a problem met while reading ``given`` where the person can find it.

    A file of a zip is named ``archive.zip:member`` rather than by the cache folder the
    zip was extracted to, and a file or folder the operating system refuses to read is a
    one-line DataError naming it instead of a traceback.
    """
    try:
        yield
    except DataError as exc:
        if exc.path is None or (where := _as_given(exc.path, given)) == exc.path:
            raise
        raise DataError(exc.reason, where, exc.line) from None
    except OSError as exc:
        where = _as_given(Path(exc.filename), given) if exc.filename else given
        raise DataError(f"cannot read ({exc.strerror or exc})", where) from None


def _as_given(path: Path, given: Path) -> Path:
    """``path``, or ``archive.zip:member`` for a path inside the extracted copy of zip ``given``."""
    if not _is_zip(given):
        return path
    try:
        member = path.relative_to(_extracted_dir(given))
    except ValueError:
        return path
    return given if member == Path() else Path(f"{given}:{member.as_posix()}")


def _is_saved_dataset(path: Path) -> bool:
    """Whether ``path`` is a folder :meth:`Dataset.save` wrote. It is listed, not probed
    for the file, so that an unreadable folder is reported as itself."""
    return path.is_dir() and DATASET_META_FILE in {entry.name for entry in path.iterdir()}


def _detect(folder: Path) -> str:
    """The first format whose signature files ``folder`` holds; RecBole's are named per dataset."""
    if not folder.is_dir():
        raise DataError("no such file or folder" if not folder.exists() else "not a folder or a .zip archive", folder)
    for release_format, signature in _SIGNATURES:
        # exists(), not is_file(): a folder named users.dat is reported as such, not read as ml-10m
        if any((folder / name).exists() for name in signature):
            return release_format
    if recbole.interaction_files(folder) or any(folder.glob("*.item")):
        return "recbole"
    raise DataError(f"no MovieLens files here; expected {_EXPECTED_FILES}", folder)


def _release_root(folder: Path) -> Path:
    """Follow a folder whose only content is one subfolder (``ml-10M100K/`` in its zip)."""
    while folder.is_dir():
        entries = [entry for entry in folder.iterdir()
                   if not entry.name.startswith(".") and entry.name not in _IGNORED_ENTRIES]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        folder = entries[0]
    return folder


def _release_name(release_format: str, candidates: Sequence[str]) -> str:
    """The first candidate name that is a GroupLens release in ``release_format``, else the format."""
    same_data = _SAME_DATA_AS.get(release_format, release_format)
    for candidate in candidates:
        name, known_format = _KNOWN_RELEASES.get(candidate.lower(), ("", ""))
        if known_format in (release_format, same_data) and name:
            return name
    return release_format


def _unpacked(path: Path) -> Path:
    """``path`` itself, or for a ``.zip`` the folder it was (once) safely extracted to."""
    if not _is_zip(path):
        return path
    from cinerec.data.archive import safe_extract  # imported on use: most reads are folders

    target = _extracted_dir(path)
    if not target.is_dir():
        safe_extract(path, target)
    return target


def _is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip archive to extract (a folder named ``x.zip`` is read as a folder)."""
    return path.suffix.lower() == ".zip" and path.is_file()


def _extracted_dir(zip_path: Path) -> Path:
    """Where the cache keeps the extracted copy of ``zip_path`` (per path, size and mtime)."""
    return cache_dir() / "unzipped" / _fingerprint([zip_path])


def _cache_key(path: Path) -> str:
    """Hash of where the release is, what its files are (size, mtime) and the reader version."""
    if _is_zip(path):
        return _fingerprint([path])
    root = _release_root(path)
    if not root.is_dir():
        _detect(root)  # raises the right error for a missing path
    # rglob: a folder of part files (ratings.parquet/) is part of the release too
    return _fingerprint(sorted(entry for entry in root.rglob("*") if entry.is_file()), anchor=path)


def _fingerprint(files: Sequence[Path], anchor: Path | None = None) -> str:
    """A short hash of ``anchor``'s resolved path (default: the first file) and the files' sizes and mtimes."""
    described = []
    for file in files:
        stat = file.stat()
        described.append([file.relative_to(anchor or files[0].parent).as_posix(), stat.st_size, stat.st_mtime_ns])
    identity = {"path": str((anchor or files[0]).resolve()), "files": described, "reader": READER_VERSION}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
