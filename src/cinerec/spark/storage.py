"""Releases on any storage Spark reads (``file://``, ``hdfs://``, ``s3a://``, ``abfss://``…).

A release given as a URI is reached through Hadoop's FileSystem API, as Spark itself
reaches it, with the cluster's own configuration and credentials. Its ratings are
read where they lie, by Spark; every other file (catalogue, tags, links, users: small)
is copied once to a local folder and read by cinerec's own readers, so the two engines
share one parser for them. A problem in a copied file is reported against the URI.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from cinerec.errors import DataError, first_line

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Files that hold a release's ratings: read by Spark where they lie, never copied.
RATINGS_NAMES = ("u.data", "ratings.dat", "ratings.csv", "ratings.parquet")


def is_uri(path: str | Path) -> bool:
    """Whether ``path`` names a location by URI (``scheme://…``) rather than a local path."""
    return "://" in str(path)


@dataclass(frozen=True)
class StagedRelease:
    """A release given by URI: its small files copied to ``folder``; ``origin`` is the
    URI that ``folder`` stands for."""

    folder: Path
    origin: str

    def uri_of(self, local: Path) -> str:
        """The URI of a local path under :attr:`folder` (its ratings, say)."""
        return self.origin.rstrip("/") + "/" + local.relative_to(self.folder).as_posix()

    def reported(self, error: DataError) -> DataError:
        """``error`` with a copied file named by its URI."""
        if error.path is None or not error.path.is_relative_to(self.folder):
            return error
        return DataError(error.reason, self.uri_of(error.path), error.line)


class HadoopStorage:
    """Listing, reading and copying files through Spark's Hadoop FileSystem."""

    def __init__(self, spark: SparkSession):
        self.jvm: Any = spark.sparkContext._jvm
        self.configuration = spark.sparkContext._jsc.hadoopConfiguration()

    def _located(self, uri: str) -> tuple[Any, Any]:
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        try:
            return path.getFileSystem(self.configuration), path
        except Exception as exc:  # py4j: no file system for the scheme, bad credentials, unreachable
            reason = _reason(exc)
            if "ClassNotFoundException" in reason or "No FileSystem for scheme" in reason:
                reason += "; add the storage's connector to Spark (spark.jars.packages in spark-defaults.conf)"
            raise DataError(f"cannot reach ({reason})", uri) from None

    def entries(self, uri: str) -> list[tuple[str, bool]]:
        """``(name, is_folder)`` of each entry of folder ``uri``; DataError when missing."""
        fs, path = self._located(uri)
        try:
            if not fs.exists(path):
                raise DataError("no such file or folder", uri)
            if not fs.getFileStatus(path).isDirectory():
                raise DataError("not a folder", uri)
            return [(status.getPath().getName(), bool(status.isDirectory())) for status in fs.listStatus(path)]
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"cannot read ({_reason(exc)})", uri) from None

    def is_file(self, uri: str) -> bool:
        fs, path = self._located(uri)
        try:
            return bool(fs.getFileStatus(path).isFile())
        except Exception as exc:
            raise DataError(f"cannot read ({_reason(exc)})", uri) from None

    def copy_to(self, uri: str, local: Path) -> None:
        fs, path = self._located(uri)
        try:
            fs.copyToLocalFile(False, path, self.jvm.org.apache.hadoop.fs.Path(local.resolve().as_uri()), True)
        except Exception as exc:
            raise DataError(f"cannot copy ({_reason(exc)})", uri) from None

    def home(self) -> str:
        """The URI of the user's home folder on the default file system."""
        try:
            return str(self.jvm.org.apache.hadoop.fs.FileSystem.get(self.configuration).getHomeDirectory().toString())
        except Exception as exc:
            raise DataError(f"cannot reach the default file system ({_reason(exc)})", "fs.defaultFS") from None

    def delete(self, uri: str) -> None:
        """Remove the folder (or file) ``uri`` and everything in it; nothing if it is missing."""
        fs, path = self._located(uri)
        try:
            fs.delete(path, True)
        except Exception as exc:
            raise DataError(f"cannot remove ({_reason(exc)})", uri) from None

    def first_line(self, uri: str) -> str:
        """The first line of text file ``uri`` (a header), without its line break."""
        fs, path = self._located(uri)
        try:
            stream = fs.open(path)
            try:
                reader = self.jvm.java.io.BufferedReader(self.jvm.java.io.InputStreamReader(stream, "UTF-8"))
                return reader.readLine() or ""
            finally:
                stream.close()
        except Exception as exc:
            raise DataError(f"cannot read ({_reason(exc)})", uri) from None


@contextmanager
def work_folder(storage: HadoopStorage, under: str | None = None, *, on_cluster: bool = False) -> Iterator[str]:
    """A new folder for a command's intermediate files, as a URI, removed at the end:
    inside ``under`` (any folder or URI that this machine and Spark's workers both reach);
    else, ``on_cluster``, in the home folder of the cluster's default file system
    (``fs.defaultFS``: HDFS on most clusters), where every node reads what the others
    wrote; else a temporary folder on this machine (local mode)."""
    if under is None and not on_cluster:
        with tempfile.TemporaryDirectory(prefix="cinerec-work-") as folder:
            yield Path(folder).as_uri()
        return
    base = storage.home() if under is None else under if is_uri(under) else Path(under).resolve().as_uri()
    folder = f"{base.rstrip('/')}/cinerec-work-{uuid.uuid4().hex[:12]}"
    try:
        yield folder
    finally:
        storage.delete(folder)


def local_path(uri: str) -> Path | None:
    """The path on this machine of a ``file:`` URI, else ``None``."""
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _reason(error: Exception) -> str:
    """What Hadoop said, in one line: the Java exception's own message (``No FileSystem
    for scheme "s3a"``, a refused connection) rather than py4j's "an error occurred"."""
    java = getattr(error, "java_exception", None)
    if java is None:
        return first_line(error)
    text = str(java.getMessage() or java.toString())
    return text.splitlines()[0].split("; For more details see")[0] if text.strip() else first_line(error)


@contextmanager
def staged(storage: HadoopStorage, uri: str) -> Iterator[StagedRelease]:
    """The release at ``uri`` with every file but its ratings copied to a local folder
    (removed afterwards), following a folder whose only entry is one folder as the local
    readers do. The ratings are stood in for by empty entries of the same names."""
    if uri.lower().endswith(".zip"):
        raise DataError("Spark cannot read inside a zip archive: unpack it where it lies first", uri)
    with tempfile.TemporaryDirectory(prefix="cinerec-release-") as work:
        root = uri.rstrip("/")
        entries = storage.entries(root)
        while len(visible := [entry for entry in entries if not entry[0].startswith((".", "_"))]) == 1 \
                and visible[0][1]:
            root = f"{root}/{visible[0][0]}"
            entries = storage.entries(root)
        folder = Path(work) / root.rsplit("/", 1)[-1]
        folder.mkdir()
        for name, is_folder in entries:
            if name in RATINGS_NAMES:
                (folder / name).mkdir() if is_folder else (folder / name).touch()  # there, not copied
            elif not is_folder:
                storage.copy_to(f"{root}/{name}", folder / name)
        yield StagedRelease(folder, root)
