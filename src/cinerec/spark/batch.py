"""``cinerec recommend-batch --engine spark``: lists for millions of people on Spark.

The people (CSV with a header, or Parquet, on any path Spark reads) are bucketed by a
hash of their id; each bucket is one pandas task that scores its people with the
engine in vectorised blocks (:func:`cinerec.batch.recommend_batch`), exactly as the
local command does. The model directory is verified once, on the driver; each worker
process opens it once, memory-mapped, without hashing it again. Every row is checked
as the local command checks it, and nothing is written unless every row passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cinerec.batch import PROFILE_COLUMNS, check_profile_columns, profiles_of, recommend_batch
from cinerec.errors import DataError, first_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from cinerec.engine import Engine

#: The people's ids are spread over this many tasks per core (small tasks balance well).
BUCKETS_PER_CORE = 4
#: The output's columns, and the column a task uses to report a row it refused.
OUTPUT_SCHEMA = "user_id long, rank int, movie_id int, score float, _refused string"

#: Each worker process's engines, by model path: opened once, used by every task.
_engines: dict[str, Engine] = {}


def recommend_batch_on_spark(spark: SparkSession, model: Path, profiles: str, out: str, n: int,
                             kind: str) -> int:
    """Write the top-``n`` ``kind`` list of every person in ``profiles`` to ``out`` (a
    folder of CSV part files, or Parquet when ``out`` ends in ``.parquet``); returns the
    number of rows written."""
    from cinerec.engine import Engine
    from pyspark.sql import functions as F

    engine = Engine.load(model)  # verified here, once
    n = engine.list_length(n)
    people = _people(spark, profiles)
    buckets = BUCKETS_PER_CORE * spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(buckets))  # one task, one part file per bucket
    model_path = str(Path(model).resolve())

    def score(frame: pd.DataFrame) -> pd.DataFrame:
        return _score_bucket(model_path, frame.drop(columns=["_bucket"]), n, kind)

    lists = (people.withColumn("_bucket", F.abs(F.hash("user_id")) % buckets)
             .groupBy("_bucket").applyInPandas(score, OUTPUT_SCHEMA).cache())
    try:
        refused = lists.where(F.col("_refused").isNotNull()).limit(1).collect()
        if refused:
            raise DataError(refused[0]["_refused"], profiles)
        rows = lists.drop("_refused")
        writer = rows.write.mode("errorifexists")
        if out.endswith(".parquet"):
            writer.parquet(out)
        else:
            writer.csv(out, header=True)
        return rows.count()
    finally:
        lists.unpersist()


def _people(spark: SparkSession, profiles: str) -> DataFrame:
    """The profiles as text columns named like :data:`PROFILE_COLUMNS` (absent ones empty)."""
    from pyspark.sql import functions as F

    reader = spark.read.parquet if profiles.endswith(".parquet") else \
        (lambda path: spark.read.csv(path, header=True, inferSchema=False))
    try:
        frame = reader(profiles)
    except Exception as exc:  # Spark's own: a missing path, an unreadable file
        raise DataError(f"cannot be read ({first_line(exc)})", profiles) from None
    names = {column: column.strip().lower() for column in frame.columns}
    check_profile_columns(names.values(), profiles)
    frame = frame.select([F.col(f"`{column}`").cast("string").alias(name) for column, name in names.items()])
    return frame.select([F.coalesce(F.col(name), F.lit("")).alias(name) if name in frame.columns
                         else F.lit("").alias(name) for name in PROFILE_COLUMNS])


def _score_bucket(model_path: str, frame: pd.DataFrame, n: int, kind: str) -> pd.DataFrame:
    """One task: its people's lists, or the first row it refused (and no lists)."""
    from cinerec.engine import Engine

    engine = _engines.get(model_path)
    if engine is None:
        engine = _engines[model_path] = Engine.load(model_path, verify_checksums=False)
    try:
        people = profiles_of(frame.astype(str), engine)
    except DataError as exc:
        user = frame["user_id"].iloc[exc.line - 2] if exc.line else "?"
        return _refusal(f"the row of user {user}: {exc.reason}")
    lists = recommend_batch(engine, people, n=n, kind=kind)
    return lists.astype(_TYPES).assign(_refused=None)


#: The pandas types of the output's columns (as :data:`OUTPUT_SCHEMA`).
_TYPES = {"user_id": "int64", "rank": "int32", "movie_id": "int32", "score": "float32"}


def _refusal(message: str) -> pd.DataFrame:
    """A task's answer when it refused a row: no lists, the reason."""
    empty = {column: pd.array([None], dtype=kind.capitalize()) for column, kind in _TYPES.items()}
    return pd.DataFrame({**empty, "_refused": [message]})
