"""Reading a MovieLens release with Spark: ratings parsed, checked and de-duplicated by
the cluster, the rest (catalogue, tags, links, users: small) by the local readers.

The ratings get the checks and the answers the local parser gives: a malformed row, an
id that is not positive, a rating off the half-star scale or a movie missing from
``movies.csv`` is one ``ratings.csv:LINE: reason`` error (the line found by a second
look at the file, only when there is an error); a pair rated twice keeps its latest
rating (the later line on a tie) with the same counted warning; the result is sorted
by user and movie and written once as Parquet, which the rest of the build reads.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cinerec.data.dataset import Dataset
from cinerec.data.formats import csv_release
from cinerec.data.formats.tables import HALF_STARS, counted
from cinerec.data.formats.delimited import header_fields
from cinerec.data.readers import release_layout
from cinerec.errors import CinerecError, DataError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RATINGS_FILE = "ratings.csv"


def read_release(spark: SparkSession, path: str | Path) -> Dataset:
    """A MovieLens CSV release (ml-20m and later) read with Spark's help; other layouts
    are small enough for the local engine, and are refused with that advice."""
    root, release_format, name = release_layout(path)
    if release_format != csv_release.FORMAT:
        raise CinerecError(f"{path}: --engine spark reads MovieLens CSV releases (ml-20m and later); "
                           f"this {release_format} release is small enough for the local engine")
    return csv_release.read(root, name, lambda folder, catalogue: spark_ratings(spark, folder, catalogue))


def spark_ratings(spark: SparkSession, folder: Path, catalogue: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    """``ratings.csv`` parsed, checked and de-duplicated on Spark (see the module's text)."""
    from pyspark.sql import functions as F

    path = folder / RATINGS_FILE
    if not path.is_file():
        raise DataError("missing: every CSV release has one", path)
    ratings = _parsed(spark, path).withColumn("_row", F.monotonically_increasing_id()).cache()
    try:
        _check(spark, ratings, path, catalogue)
        kept = (ratings.groupBy("userId", "movieId")
                .agg(F.max_by("rating", F.struct("timestamp", "_row")).alias("rating"),
                     F.max("timestamp").alias("timestamp"))
                .orderBy("userId", "movieId"))
        frame = _to_pandas(kept)
        duplicates = ratings.count() - len(frame)
    finally:
        ratings.unpersist()
    warnings = [f"{RATINGS_FILE}: {counted(duplicates, 'duplicate rating')}; kept the latest of each"] \
        if duplicates else []
    return frame, warnings


def _parsed(spark: SparkSession, path: Path) -> DataFrame:
    from pyspark.sql.types import FloatType, IntegerType, LongType, StringType, StructField, StructType

    header = header_fields(path, ",")
    if header[:4] != list(csv_release.RATING_COLUMNS):
        raise DataError(f"header must be {','.join(csv_release.RATING_COLUMNS)} (found: {', '.join(header)})",
                        path, 1)
    schema = StructType([StructField("userId", IntegerType()), StructField("movieId", IntegerType()),
                         StructField("rating", FloatType()), StructField("timestamp", LongType()),
                         StructField("_corrupt", StringType())])
    return spark.read.csv(path.resolve().as_uri(), schema=schema, header=True, mode="PERMISSIVE",
                          columnNameOfCorruptRecord="_corrupt", enforceSchema=True)


def _check(spark: SparkSession, ratings: DataFrame, path: Path, catalogue: np.ndarray) -> None:
    """The first bad row, as the local parser names it, or nothing."""
    from pyspark.sql import functions as F

    known = spark.createDataFrame(pd.DataFrame({"movieId": catalogue.astype(np.int32)}))
    off_scale = (F.col("rating").isNull() | F.isnan("rating") | (F.col("rating") < HALF_STARS.low)
                 | (F.col("rating") > HALF_STARS.high) | ((F.col("rating") / HALF_STARS.step) % 1 != 0))
    problems = [
        (F.col("_corrupt").isNotNull() | F.col("userId").isNull() | F.col("movieId").isNull()
         | F.col("timestamp").isNull(), lambda row: "not a MovieLens row (userId,movieId,rating,timestamp)"),
        (F.col("userId") <= 0, lambda row: f"user id {row['userId']} is not a positive number"),
        (F.col("movieId") <= 0, lambda row: f"movie id {row['movieId']} is not a positive number"),
        (off_scale, lambda row: f"rating {row['rating']:g} is outside {HALF_STARS.describe()}"),
    ]
    for condition, reason in problems:
        bad = ratings.where(condition).orderBy("_row").limit(1).collect()
        if bad:
            raise DataError(reason(bad[0]), path, _line_of(path, bad[0]))
    unknown = ratings.join(F.broadcast(known), "movieId", "left_anti").orderBy("_row").limit(1).collect()
    if unknown:
        raise DataError(f"movie {unknown[0]['movieId']} is not in movies.csv", path, _line_of(path, unknown[0]))


def _line_of(path: Path, row: object) -> int | None:
    """The line of the first row of ``path`` that reads as ``row`` (a second look at the
    file, taken only to name a bad row's line as the local parser would)."""
    fields = [row["_corrupt"]] if row["_corrupt"] is not None else None  # type: ignore[index]
    with path.open(encoding="utf-8", errors="replace") as handle:
        next(handle, None)
        for number, line in enumerate(handle, start=2):
            text = line.rstrip("\r\n")
            if fields is not None:
                if text == fields[0]:
                    return number
            elif _same_row(text.split(","), row):
                return number
    return None


def _same_row(values: list[str], row: object) -> bool:
    try:
        return (len(values) >= 4 and int(values[0]) == row["userId"] and int(values[1]) == row["movieId"]  # type: ignore[index]
                and int(values[3]) == row["timestamp"])  # type: ignore[index]
    except ValueError:
        return False


def _to_pandas(ratings: DataFrame) -> pd.DataFrame:
    """The prepared ratings, written once as Parquet by Spark and read back by pyarrow."""
    with tempfile.TemporaryDirectory(prefix="cinerec-spark-") as folder:
        ratings.write.parquet(Path(folder).as_uri() + "/ratings", mode="overwrite")
        table = pq.read_table(Path(folder) / "ratings").to_pandas()
    return pd.DataFrame({"user_id": table["userId"].to_numpy(np.int32),
                         "movie_id": table["movieId"].to_numpy(np.int32),
                         "rating": table["rating"].to_numpy(np.float32),
                         "timestamp": table["timestamp"].to_numpy(np.int64)})
