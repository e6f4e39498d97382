"""Reading a MovieLens release with Spark: the ratings parsed, checked and de-duplicated
by the cluster, the rest (catalogue, tags, links, users: small) by the local readers.

Every format's ratings are read from the description the local parser reads
(:class:`~cinerec.data.formats.ratings.RatingsFile`): ``u.data`` (tabs), ``ratings.dat``
(``::``), ``ratings.csv`` (a header) or ``ratings.parquet``, on a local path or any
URI Spark reads. The lines are read as text, each keeping its file and its place in the
file, so that a bad row is named as the local parser names it: the same reason, the
file and the line (for Parquet, the part file and the row), found by one ordered
pass over the problems, and a count of the lines before it only when there is one.
A pair rated twice keeps its latest rating (the later line on a tie) with the same
counted warning. The result, sorted by user and movie, is written as Parquet: the
prepared ratings, which the driver reads the dataset's ratings from and Spark
aggregates (:mod:`cinerec.spark.aggregates`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cinerec.data.dataset import Dataset
from cinerec.data.formats.delimited import not_a_value
from cinerec.data.formats.ratings import FIELDS, RatingsFile, check_header, header_columns
from cinerec.data.formats.tables import counted
from cinerec.data.readers import read_movielens
from cinerec.errors import DataError
from cinerec.spark.storage import HadoopStorage, StagedRelease, is_uri, local_path, staged

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, Row, SparkSession

#: The prepared ratings' columns (Parquet), as a dataset's ratings name them.
PREPARED_COLUMNS = ("user_id", "movie_id", "rating", "timestamp")
#: Spark's types for the four fields, as the local parser's.
SPARK_TYPES = ("int", "int", "float", "bigint")
#: The same types as numpy names them, for the local parser's words.
NUMPY_TYPES = ("int32", "int32", "float32", "int64")
_WHOLE_NUMBER = r"[-+]?[0-9]+"


def read_release(spark: SparkSession, path: str, prepared: str) -> Dataset:
    """A MovieLens release (folder or zip on this machine, or a folder at any URI Spark
    reads) with its ratings read on Spark, which writes them, checked, de-duplicated and
    sorted, as Parquet at the URI ``prepared`` (:data:`PREPARED_COLUMNS`), where the
    dataset's ratings are then read from."""
    storage = HadoopStorage(spark)
    with staged(storage, path) if is_uri(path) else nullcontext() as release:
        local = release.folder if release is not None else Path(path)
        reader = SparkRatings(spark, storage, release, prepared)
        try:
            dataset = read_movielens(local, reader)
        except DataError as exc:
            raise release.reported(exc) if release is not None else exc from None
    if not reader.wrote(dataset.ratings):  # the format renumbered them (merged duplicate movies)
        write_prepared(spark, dataset.ratings, prepared)
    return dataset


@dataclass
class SparkRatings:
    """A :data:`~cinerec.data.formats.ratings.RatingsReader` that reads on Spark."""

    spark: SparkSession
    storage: HadoopStorage
    release: StagedRelease | None
    prepared: str
    written: pd.DataFrame | None = None

    def __call__(self, ratings: RatingsFile) -> tuple[pd.DataFrame, list[str]]:
        from pyspark.sql import functions as F

        location = self._location(ratings)
        rows, names = (self._parquet(location, ratings), None) if ratings.is_parquet \
            else self._text(location, ratings)
        rows = rows.cache()
        try:
            data = rows.where("_data")
            total = data.count()
            if not total:
                raise DataError("lists no ratings", self._shown(location))
            self._check(rows, data, ratings, names, location)
            kept = (data.groupBy(F.col("user").alias("user_id"), F.col("movie").alias("movie_id"))
                    .agg(F.max_by("rating", F.struct("timestamp", "_row")).alias("rating"),
                         F.max("timestamp").alias("timestamp"))
                    .orderBy("user_id", "movie_id"))
            kept.write.parquet(self.prepared)
            frame = self.written = read_prepared(self.spark, self.prepared).to_pandas()
        finally:
            rows.unpersist()
        duplicates = total - len(frame)
        warnings = [f"{ratings.name}: {counted(duplicates, 'duplicate rating')}; kept the latest of each"] \
            if duplicates else []
        return frame, warnings

    def wrote(self, ratings: pd.DataFrame) -> bool:
        """Whether ``ratings`` are the rows written as the prepared ratings, in order."""
        written, self.written = self.written, None
        return written is not None and len(written) == len(ratings) and all(
            np.array_equal(written[column].to_numpy(), ratings[column].to_numpy()) for column in PREPARED_COLUMNS)

    def _location(self, ratings: RatingsFile) -> str:
        """The ratings' URI (a staged release's stand-in names where they lie)."""
        if self.release is not None:
            location = self.release.uri_of(ratings.path)
            if not ratings.is_parquet and not self.storage.is_file(location):
                raise DataError("is a folder, not a file", location)
            return location
        path = ratings.path
        if not path.exists():
            what = "ratings.csv or ratings.parquet" if ratings.release_format == "csv" else ratings.name
            raise DataError(f"{ratings.release_format} folder has no {what}", ratings.folder)
        if path.is_dir() and not ratings.is_parquet:
            raise DataError("is a folder, not a file", path)
        return path.resolve().as_uri()

    def _text(self, location: str, ratings: RatingsFile) -> tuple[DataFrame, list[str]]:
        """Every line with its file and place; ``_data`` marks the rows (not the header
        nor blank lines); the four fields typed, and the whole line kept only for a row
        the local parser would refuse as unreadable (a field count or a value that is not
        a number), to say why."""
        from pyspark.sql import functions as F

        names = list(ratings.columns)
        header = None
        if ratings.headed:
            header = self._header(location, ratings)
            names = header.split(ratings.delimiter)
        lines = self.spark.read.text(location).select(
            "value", F.col("_metadata.file_path").alias("_file"), F.monotonically_increasing_id().alias("_row"))
        fields = F.split("value", re.escape(ratings.delimiter), -1)
        without_mark = F.regexp_replace("value", "^\ufeff", "")  # a byte-order mark before the header
        is_row = (F.col("value") != "") & ((without_mark != header) if header is not None else F.lit(True))
        whole_line = F.size(fields) == len(names)
        raw = {field: F.get(fields, names.index(column)) for field, column in zip(FIELDS, ratings.columns,
                                                                                     strict=True)}
        typed = {field: F.when(whole_line & (raw[field] != ""), raw[field].try_cast(kind))
                 for field, kind in zip(FIELDS, SPARK_TYPES, strict=True)}
        unreadable = ~whole_line
        for field in FIELDS:
            unreadable = unreadable | ((raw[field] != "") & typed[field].isNull())
        return lines.select("_file", "_row", is_row.alias("_data"), *(value.alias(field) for field, value in
                                                                       typed.items()),
                            F.when(is_row & unreadable, F.col("value")).alias("_unreadable")), names

    def _header(self, location: str, ratings: RatingsFile) -> str:
        if (path := local_path(location)) is not None and path.is_file():
            return ratings.delimiter.join(header_columns(path, ratings))
        line = self.storage.first_line(location).lstrip("\ufeff")
        check_header(line.split(ratings.delimiter), ratings, location)
        return line

    def _parquet(self, location: str, ratings: RatingsFile) -> DataFrame:
        """The part files' rows, the four columns cast to the text files' types; a value
        that does not fit them is kept, as text, to say so."""
        from pyspark.sql import functions as F

        table = self.spark.read.parquet(location)
        if missing := [name for name in ratings.columns if name not in table.columns]:
            raise DataError(f"lacks column {missing[0]!r} (found: {', '.join(table.columns)})",
                            self._shown(location))
        given = {field: F.col(f"`{column}`") for field, column in zip(FIELDS, ratings.columns, strict=True)}
        typed = {field: given[field].try_cast(kind) for field, kind in zip(FIELDS, SPARK_TYPES, strict=True)}
        unfit = F.coalesce(*(F.when(given[field].isNotNull() & typed[field].isNull(),
                                    F.format_string(f"{column} %s does not fit a {np_type} column",
                                                    given[field].cast("string")))
                             for field, column, np_type in zip(FIELDS, ratings.columns, NUMPY_TYPES, strict=True)))
        return table.select(F.col("_metadata.file_path").alias("_file"),
                            F.monotonically_increasing_id().alias("_row"), F.lit(True).alias("_data"),
                            *(value.alias(field) for field, value in typed.items()), unfit.alias("_unreadable"))

    def _check(self, rows: DataFrame, data: DataFrame, ratings: RatingsFile, names: list[str] | None,
               location: str) -> None:
        """The first problem, in the order the local parser looks for them, or nothing:
        one pass finds the first row of the first kind of problem, then its reason is
        worded here, from that row, as the local parser words it."""
        from pyspark.sql import functions as F

        scale = ratings.scale
        off_scale = (F.isnan("rating") | (F.col("rating") < scale.low) | (F.col("rating") > scale.high)
                     | ((F.col("rating") / scale.step) % 1 != 0))
        checks: list[tuple[Column, Callable[[Row], str]]] = [
            (F.col("_unreadable").isNotNull(), lambda row: _unreadable(row["_unreadable"], names, ratings))]
        checks += [(F.col(field).isNull(), lambda row, column=column: f"missing {column}")
                   for field, column in zip(FIELDS, ratings.columns, strict=True)]
        checks += [
            (F.col("user") <= 0, lambda row: f"user id {row['user']} is not a positive number"),
            (F.col("movie") <= 0, lambda row: f"movie id {row['movie']} is not a positive number"),
            (off_scale, lambda row: f"rating {row['rating']:g} is outside {scale.describe()}"),
            (F.col("_known_movie").isNull(), lambda row: f"movie {row['movie']} is not in {ratings.catalogue_file}"),
        ]
        checked = data.join(F.broadcast(self._ids(ratings.catalogue, "movie", "_known_movie")), "movie", "left")
        if ratings.known_users is not None:
            users, users_file = ratings.known_users
            checked = checked.join(F.broadcast(self._ids(users, "user", "_known_user")), "user", "left")
            checks.append((F.col("_known_user").isNull(), lambda row: f"user {row['user']} is not in {users_file}"))
        kind = F.coalesce(*(F.when(condition, F.lit(number)) for number, (condition, _) in enumerate(checks)))
        first = checked.withColumn("_kind", kind).where(F.col("_kind").isNotNull()).orderBy("_kind", "_row") \
            .limit(1).collect()
        if not first:
            return
        bad = first[0]
        reason = checks[bad["_kind"]][1](bad)
        place = rows.where((F.col("_file") == bad["_file"]) & (F.col("_row") < bad["_row"])).count() + 1
        where = self._shown(location if self._is_file(location) else bad["_file"])
        if ratings.is_parquet:
            raise DataError(f"row {place:,}: {reason}", where)
        raise DataError(reason, where, place)

    def _is_file(self, location: str) -> bool:
        if self.release is None and (path := local_path(location)) is not None:
            return path.is_file()
        return self.storage.is_file(location)

    def _ids(self, ids: np.ndarray, field: str, flag: str) -> DataFrame:
        return self.spark.createDataFrame(pd.DataFrame({field: ids.astype(np.int32), flag: True}))

    def _shown(self, location: str) -> str | Path:
        """A location as the person gave it: a local path, or the URI."""
        if self.release is None and (path := local_path(location)) is not None:
            return path
        return location


def _unreadable(line: str, names: list[str] | None, ratings: RatingsFile) -> str:
    """Why a line is not a row, in the local parser's words: its field count, or its
    first field that is not a number (for Parquet, ``line`` already says which value
    does not fit)."""
    if names is None:
        return line
    fields = line.split(ratings.delimiter)
    if len(fields) != len(names):
        return f"expected {len(names)} fields, found {len(fields)}"
    for position, column in enumerate(names):
        if column in ratings.columns:
            np_type = NUMPY_TYPES[ratings.columns.index(column)]
            if fields[position] and not _is_a(fields[position], np_type):
                return not_a_value(column, fields[position], np_type)
    return f"unreadable line ({line[:80]})"


def _is_a(value: str, np_type: str) -> bool:
    if np_type.startswith("int"):
        limits = np.iinfo(np_type)
        return re.fullmatch(_WHOLE_NUMBER, value) is not None and limits.min <= int(value) <= limits.max
    try:
        float(value)
    except ValueError:
        return False
    return True


def write_prepared(spark: SparkSession, ratings: pd.DataFrame, location: str) -> None:
    """Write ratings the driver holds as the prepared ratings at ``location`` (replacing
    any there): straight to their files where they are on this machine, else through Spark."""
    table = pa.Table.from_pandas(ratings[list(PREPARED_COLUMNS)], preserve_index=False)
    if (path := local_path(location)) is not None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        pq.write_table(table, path / "part-00000.parquet")
    else:
        spark.createDataFrame(table).write.mode("overwrite").parquet(location)


def read_prepared(spark: SparkSession, location: str) -> pa.Table:
    """Prepared ratings on this machine, sorted by person and movie: read straight from
    their files where they are here (named in order, so the rows keep it), else through
    Spark, which packs part files into tasks by size, so their rows are put back in order
    here (Arrow's sort, multi-threaded, cheaper than another shuffle)."""
    if (path := local_path(location)) is not None:
        return pq.read_table(path)
    table = spark.read.parquet(location).toArrow()
    return table.sort_by([("user_id", "ascending"), ("movie_id", "ascending")])
