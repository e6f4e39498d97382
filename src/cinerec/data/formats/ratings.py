"""Where a release keeps its ratings, and what they must satisfy.

Every release format describes its ratings file once, as a :class:`RatingsFile`: the
file, how its fields are separated, its scale, its catalogue and, where the release
lists its users, who may rate. The local parser (:func:`read_locally`) and the Spark
engine (:mod:`cinerec.spark.prepare`) both read from that description, so the two give
the same ratings, the same warnings and the same one-line errors.

Besides the text files GroupLens publishes, a CSV-layout release may keep its ratings
as Parquet (``ratings.parquet``: one file, or a folder of part files, with the columns
of ``ratings.csv``): the form in which large collections of ratings usually live.
Errors in Parquet name the part file and its row instead of a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cinerec.data.formats.delimited import (
    TextTable,
    header_fields,
    read_delimited,
    read_double_colon,
    release_file,
)
from cinerec.data.formats.tables import RatingScale, ratings_frame
from cinerec.errors import DataError, first_line

#: The four fields of a rating, in the order every release writes them.
FIELDS = ("user", "movie", "rating", "timestamp")
TYPES = (pa.int32(), pa.int32(), pa.float32(), pa.int64())
#: The Parquet form of a CSV release's ratings.
PARQUET_NAME = "ratings.parquet"


@dataclass(frozen=True)
class RatingsFile:
    """A release's ratings file and the rules its rows must follow.

    ``columns`` names the user, movie, rating and timestamp fields as the file does (its
    header's names for a headed file, cinerec's for the others); ``known_users`` (ids,
    the file listing them) is given by releases that list their users.
    """

    folder: Path
    name: str
    release_format: str
    delimiter: str
    columns: tuple[str, str, str, str]
    headed: bool
    scale: RatingScale
    catalogue: np.ndarray
    catalogue_file: str
    known_users: tuple[np.ndarray, str] | None = None

    @property
    def path(self) -> Path:
        return self.folder / self.name

    @property
    def is_parquet(self) -> bool:
        return self.name.endswith(".parquet")


#: Reads a release's ratings from their description: ``(ratings, warnings)``, checked,
#: one per (user, movie), sorted by user then movie.
RatingsReader = Callable[[RatingsFile], tuple[pd.DataFrame, list[str]]]


def read_locally(ratings: RatingsFile) -> tuple[pd.DataFrame, list[str]]:
    """The ratings parsed and checked by this process."""
    # The parsed table is dropped as soon as its columns are checked (peak memory).
    return ratings_frame(_parsed(ratings), ratings.columns, ratings.scale, ratings.catalogue,
                         ratings.catalogue_file, ratings.known_users)


def _parsed(ratings: RatingsFile) -> TextTable:
    if ratings.is_parquet:
        return _parquet_rows(ratings)
    path = release_file(ratings.folder, ratings.name, ratings.release_format)
    types = dict(zip(ratings.columns, TYPES, strict=True))
    if ratings.delimiter == "::":
        return read_double_colon(path, ratings.columns, types)
    if not ratings.headed:
        return read_delimited(path, ratings.columns, types, delimiter=ratings.delimiter, quoted=False)
    names = header_columns(path, ratings)
    return read_delimited(path, names, types, delimiter=ratings.delimiter, header_lines=1)


def header_columns(path: Path, ratings: RatingsFile) -> list[str]:
    """The header of a headed ratings file, refused when it lacks one of the columns."""
    names = header_fields(path, ratings.delimiter)
    check_header(names, ratings, path)
    return names


def check_header(names: list[str], ratings: RatingsFile, path: Path | str) -> None:
    if missing := [name for name in ratings.columns if name not in names]:
        raise DataError(f"header lacks column {missing[0]!r} (found: {', '.join(names)})", path, 1)


def parquet_files(path: Path) -> list[Path]:
    """The part files of a Parquet table (itself when a file), in name order; files whose
    names start with ``_`` or ``.`` (Spark's markers) are not parts."""
    if path.is_file():
        return [path]
    return sorted(part for part in path.rglob("*.parquet") if not part.name.startswith(("_", ".")))


@dataclass(frozen=True)
class ParquetRows(TextTable):
    """Ratings read from Parquet: a :class:`TextTable` whose errors name the part file and
    its row (``ratings.parquet/part-3.parquet: row 17: …``) instead of a line."""

    part_starts: tuple[int, ...] = ()
    parts: tuple[Path, ...] = ()

    def error(self, row: int, message: str) -> DataError:
        part = int(np.searchsorted(self.part_starts, row, side="right")) - 1
        return DataError(f"row {row - self.part_starts[part] + 1:,}: {message}", self.parts[part])


def _parquet_rows(ratings: RatingsFile) -> ParquetRows:
    path = ratings.path
    if not path.exists():
        raise DataError(f"{ratings.release_format} folder has no ratings.csv or {PARQUET_NAME}", ratings.folder)
    parts = parquet_files(path)
    if not parts:
        raise DataError("holds no Parquet files", path)
    tables = [_parquet_part(part, ratings) for part in parts]
    starts = np.concatenate(([0], np.cumsum([table.num_rows for table in tables])[:-1]))
    return ParquetRows(path, pa.concat_tables(tables), 0, part_starts=tuple(int(start) for start in starts),
                       parts=tuple(parts))


def _parquet_part(part: Path, ratings: RatingsFile) -> pa.Table:
    """One part's four columns with the text files' types; a column missing, of another
    kind, or holding a number those types cannot hold is one line naming the part."""
    try:
        schema = pq.read_schema(part)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file ({first_line(exc)})", part) from None
    if missing := [name for name in ratings.columns if name not in schema.names]:
        raise DataError(f"lacks column {missing[0]!r} (found: {', '.join(schema.names)})", part)
    try:
        table = pq.read_table(part, columns=list(ratings.columns))
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"not a readable Parquet file ({first_line(exc)})", part) from None
    columns = []
    for name, wanted in zip(ratings.columns, TYPES, strict=True):
        try:
            columns.append(table.column(name).cast(wanted, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataError(f"column {name!r} ({table.schema.field(name).type}) does not hold {wanted} values "
                            f"({first_line(exc)})", part) from None
    return pa.table(columns, names=list(ratings.columns))
