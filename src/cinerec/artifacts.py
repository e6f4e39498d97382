"""Model directories: one folder of JSON and arrays, a manifest, and an atomic write.

A model directory replaces the seed's pickles and "spec" JSON files. It holds one
subfolder per component (written by :mod:`cinerec.models.persistence`), a few shared
arrays, and ``manifest.json``: format version, the datasets' fingerprints and counts,
every component's parameters, library versions, build timings, and the size and
SHA-256 of every file. Nothing in it is ever unpickled, so a model directory from a
stranger is safe to open.

Writing goes to a hidden temporary folder beside the target, which is renamed into
place only once complete: a crash or a failed build never leaves half a model.
Opening verifies the manifest — format version, every file present, sizes and
checksums — and refuses a mismatch with a one-line :class:`~cinerec.errors.ModelError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import numpy as np

from cinerec import __version__
from cinerec.errors import ModelError
from cinerec.outputs import check_writable_place
from cinerec.models.base import Recommender
from cinerec.models.config import schema_digest

MODEL_FORMAT = "cinerec-model"
#: Bumped when the directory's layout or the meaning of what it stores changes, so an
#: older model directory is refused at load ("rebuild it") instead of answering with a
#: blend it was not built for. Settings added, removed or retyped need no bump: the
#: manifest's settings schema (:func:`cinerec.models.config.schema_digest`) follows them.
MODEL_FORMAT_VERSION = 7
MANIFEST_FILE = "manifest.json"
LIBRARIES = ("numpy", "scipy", "numba", "pandas", "pyarrow", "scikit-learn", "rapidfuzz")
R = TypeVar("R", bound=Recommender)


def library_versions() -> dict[str, str]:
    """Versions of cinerec, Python and the numeric libraries that built a model."""
    versions = {"cinerec": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in 8 MiB chunks (bounded memory for large arrays)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_target(target: str | Path) -> Path:
    """Make sure a model may be written to ``target``, before any work is done: it must be
    missing, an empty folder, or a model directory (which the new model replaces) — never
    someone's file or folder — and its parent must be a folder that can be written to.
    Raises a one-line :class:`~cinerec.errors.ModelError` otherwise."""
    target = Path(target)
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise ModelError(f"{target} exists and is not a folder; choose a new folder for the model")
        if any(target.iterdir()) and not _is_model_directory(target):
            raise ModelError(f"{target} is not empty and holds no cinerec model; choose a new or empty folder "
                             "(a model directory is replaced, nothing else is)")
    check_writable_place(target, "a model", ModelError)
    return target


def _is_model_directory(folder: Path) -> bool:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text()).get("format") == MODEL_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove the hidden folders that builds of ``target`` killed while writing left
    beside it (``.NAME.building-PID-…`` whose process is gone); returns them."""
    removed = []
    for folder in target.parent.glob(f".{glob_escape(target.name)}.building-*"):
        pid = folder.name.rsplit(".building-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class ModelWriter:
    """Builds a model directory in a temporary folder; ``commit`` renames it into place.

    Use as a context manager: leaving the block with an exception removes the
    temporary folder and leaves any previous model at the target untouched. The target
    is checked first (:func:`check_model_target`), and what killed builds of it left
    behind is cleared (:func:`remove_stale_staging`).
    """

    def __init__(self, target: str | Path):
        self.target = check_model_target(target)
        remove_stale_staging(self.target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.building-{os.getpid()}-",
                                             dir=self.target.parent))
        self._classes: list[type[Recommender]] = []
        self.manifest: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "libraries": library_versions(),
            "datasets": [],
            "components": {},
            "timings": {},
        }
        self._committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None or not self._committed:
            shutil.rmtree(self.staging, ignore_errors=True)

    def add_component(self, name: str, model: Recommender) -> None:
        """Save a fitted model under ``name/`` and record its class and parameters."""
        model.save(self.staging / name)
        self._classes.append(type(model))
        self.manifest["components"][name] = {"class": type(model).__name__, "params": model.get_params()}

    def add_array(self, name: str, array: np.ndarray) -> None:
        """Save a shared array (``name.npy``, no pickle)."""
        np.save(self.staging / f"{name}.npy", np.asarray(array), allow_pickle=False)

    def add_json(self, name: str, value: Any) -> None:
        (self.staging / f"{name}.json").write_text(json.dumps(value, indent=2, sort_keys=True, default=str))

    def path(self, relative: str) -> Path:
        """A path inside the model being written (for writers with their own format, e.g. Parquet)."""
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def commit(self) -> Path:
        """Checksum every file, write the manifest, and rename the folder into place."""
        self.manifest["schema"] = schema_digest(self._classes)
        files = sorted(p for p in self.staging.rglob("*") if p.is_file())
        self.manifest["files"] = {
            p.relative_to(self.staging).as_posix(): {"bytes": p.stat().st_size, "sha256": file_digest(p)}
            for p in files
        }
        (self.staging / MANIFEST_FILE).write_text(json.dumps(self.manifest, indent=2, sort_keys=True, default=str))
        previous = None
        if self.target.exists():
            previous = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, previous)
        os.replace(self.staging, self.target)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        self._committed = True
        return self.target


def _manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with a manifest's structure, or ``None``: every file entry a size and
    a checksum, inside the directory; every component a class name."""
    files, components = manifest.get("files"), manifest.get("components")
    if not isinstance(files, dict) or not isinstance(components, dict):
        return "no list of files or components"
    for relative, expected in files.items():
        parts = Path(relative).parts
        if Path(relative).is_absolute() or ".." in parts or not parts:
            return f"file {relative!r} lies outside the model"
        if not (isinstance(expected, dict) and type(expected.get("bytes")) is int
                and isinstance(expected.get("sha256"), str)):
            return f"no size and checksum for {relative}"
    for name, spec in components.items():
        if not (isinstance(spec, dict) and isinstance(spec.get("class"), str)):
            return f"no class for the {name!r} model"
    return None


@dataclass(frozen=True)
class ModelDirectory:
    """A verified, open model directory."""

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: str | Path, *, verify_checksums: bool = True) -> ModelDirectory:
        """Open and verify a model directory; raises :class:`ModelError` on any mismatch."""
        path = Path(path)
        manifest_path = path / MANIFEST_FILE
        if not path.is_dir():
            raise ModelError(f"{path}: no such model directory (build one with: cinerec build DATA --out {path})")
        try:
            manifest = json.loads(manifest_path.read_text())
        except FileNotFoundError:
            raise ModelError(f"{manifest_path}: missing; this is not a cinerec model directory") from None
        except ValueError as exc:
            raise ModelError(f"{manifest_path}: not valid JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != MODEL_FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise ModelError(f"{manifest_path}: not a cinerec model (format {found!r})")
        if manifest.get("format_version") != MODEL_FORMAT_VERSION:
            raise ModelError(f"{path}: model format version {manifest.get('format_version')}, this cinerec "
                             f"reads version {MODEL_FORMAT_VERSION}; rebuild it with cinerec build")
        problem = _manifest_problem(manifest)
        if problem:
            raise ModelError(f"{manifest_path}: damaged ({problem}); rebuild the model")

        for relative, expected in manifest["files"].items():
            cls._verify_file(path / relative, relative, expected, verify_checksums)
        return cls(path, manifest)

    @staticmethod
    def _verify_file(file: Path, relative: str, expected: dict[str, Any], verify_checksum: bool) -> None:
        if not file.is_file():
            raise ModelError(f"{file}: missing from the model directory; rebuild it with cinerec build")
        if file.stat().st_size != expected["bytes"]:
            raise ModelError(f"{file}: altered (size {file.stat().st_size} bytes, manifest says "
                             f"{expected['bytes']}); rebuild the model")
        if verify_checksum and file_digest(file) != expected["sha256"]:
            raise ModelError(f"{file}: altered (checksum differs from the manifest); rebuild the model")

    def component(self, name: str, cls: type[R]) -> R:
        """Load the component saved under ``name`` (arrays memory-mapped)."""
        if name not in self.manifest["components"]:
            raise ModelError(f"{self.path}: has no '{name}' model")
        return cls.load(self.path / name)

    def has_component(self, name: str) -> bool:
        return name in self.manifest["components"]

    def array(self, name: str) -> np.ndarray:
        return np.load(self.path / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    def json(self, name: str) -> Any:
        return json.loads((self.path / f"{name}.json").read_text())
