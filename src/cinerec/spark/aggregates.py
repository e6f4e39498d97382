"""The counts every component shares (:mod:`cinerec.models.aggregates`), aggregated by
Spark where the prepared ratings lie.

Each dataset's ratings are the Parquet that :func:`~cinerec.spark.prepare.read_release`
wrote; several releases combined on the driver are written there once. From them Spark
takes each person's mean rating, marks the likings (:mod:`cinerec.models.likes`: at
least 4 stars or at least the person's mean), finds the bounds of the periods of time
as exact order statistics of the timestamps, and counts ratings and likings per movie
and period, and likings per demographic group. Only these counts come back to the
driver: a row per person, per movie and period, per group and movie.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from cinerec.data.dataset import Dataset
from cinerec.models.aggregates import PERIODS, MovieCounts, period_ranks, person_means
from cinerec.models.likes import LIKE_THRESHOLD, RELATIVE_MARGIN
from cinerec.spark.prepare import read_release, write_prepared

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

#: Buckets per range in each pass of :func:`order_statistics`: two passes narrow a range
#: of 2^32 seconds (136 years) to single timestamps.
BUCKETS = 1 << 16


class SparkAggregates:
    """An :class:`~cinerec.models.aggregates.AggregateSource` on Spark, for the datasets
    read through :meth:`read` (or written to ``work``, a folder URI this machine and
    Spark's workers both reach)."""

    def __init__(self, spark: SparkSession, work: str):
        self.spark = spark
        self.work = work.rstrip("/")
        self._prepared: weakref.WeakKeyDictionary[Dataset, str] = weakref.WeakKeyDictionary()
        self._written = itertools.count(1)

    def read(self, path: str) -> Dataset:
        """A release read on Spark, its prepared ratings kept for the counts."""
        prepared = self._new_location("release")
        dataset = read_release(self.spark, str(path), prepared)
        self._prepared[dataset] = prepared
        return dataset

    def person_means(self, dataset: Dataset) -> np.ndarray:
        from pyspark.sql import functions as F

        table = (self._ratings(dataset).groupBy("user_id").agg(F.avg("rating").cast("float").alias("mean"))
                 .toArrow())
        means = np.zeros(dataset.n_users, np.float32)
        means[dataset.user_vocab.index(table["user_id"].to_numpy())] = table["mean"].to_numpy()
        return means

    def movie_counts(self, dataset: Dataset) -> MovieCounts:
        from pyspark.sql import functions as F

        times = self._ratings(dataset).select("timestamp")
        summary = times.agg(F.count("*").alias("n"), F.min("timestamp").alias("low"),
                            F.max("timestamp").alias("high")).first()
        n = int(summary["n"])
        bounds = order_statistics(times, "timestamp", period_ranks(n), int(summary["low"]), int(summary["high"])) \
            if n else np.zeros(PERIODS - 1, np.int64)
        period = sum((F.when(F.col("timestamp") >= int(bound), 1).otherwise(0) for bound in bounds), F.lit(0))
        table = (self._liked_ratings(dataset).groupBy("movie_id", period.alias("period"))
                 .agg(F.count("*").alias("ratings"), F.sum(F.col("liked").cast("long")).alias("likings"))
                 .toArrow())
        movies = dataset.movie_vocab.index(table["movie_id"].to_numpy())
        periods = table["period"].to_numpy().astype(np.int64)
        ratings, likings = (table[name].to_numpy().astype(np.int64) for name in ("ratings", "likings"))
        n_movies = dataset.n_movies
        per_period = np.zeros((PERIODS, n_movies), np.int64)
        per_period[periods, movies] = likings
        first_period = np.full(n_movies, PERIODS, np.int16)
        np.minimum.at(first_period, movies, periods.astype(np.int16))
        return MovieCounts(ratings=_summed(movies, ratings, n_movies), likings=per_period.sum(axis=0),
                           ratings_per_period=_summed(periods, ratings, PERIODS), likings_per_period=per_period,
                           first_period=first_period, period_bounds=bounds)

    def group_likings(self, dataset: Dataset, people: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        from pyspark.sql import functions as F

        members = self.spark.createDataFrame(pa.table({"user_id": dataset.user_vocab.ids[people].astype(np.int32),
                                                       "group": groups.astype(np.int32)}))
        table = (self._liked_ratings(dataset).where("liked").join(F.broadcast(members), "user_id")
                 .groupBy("group", "movie_id").agg(F.count("*").alias("likings")).toArrow())
        sums = np.zeros((n_groups, dataset.n_movies), np.int64)
        sums[table["group"].to_numpy(), dataset.movie_vocab.index(table["movie_id"].to_numpy())] = \
            table["likings"].to_numpy()
        return sums

    def _ratings(self, dataset: Dataset) -> DataFrame:
        """The dataset's prepared ratings; a dataset Spark did not read (releases combined
        on the driver) is written there first, once."""
        if (location := self._prepared.get(dataset)) is None:
            location = self._new_location("combined")
            write_prepared(self.spark, dataset.ratings, location)
            self._prepared[dataset] = location
        return self.spark.read.parquet(location)

    def _liked_ratings(self, dataset: Dataset) -> DataFrame:
        """The prepared ratings with ``liked`` (the likings' rule, on Spark). The people's
        means are counted once per dataset (:func:`~cinerec.models.aggregates.person_means`,
        which the driver keeps anyway) and broadcast, so joining them moves no rating; the
        ratings are not cached: reading the Parquet again is several times faster than
        scanning Spark's cache."""
        from pyspark.sql import functions as F

        means = self.spark.createDataFrame(pa.table({"user_id": dataset.user_vocab.ids.astype(np.int32),
                                                     "mean": person_means(dataset, self)}))
        return self._ratings(dataset).join(F.broadcast(means), "user_id").select(
            "user_id", "movie_id", "timestamp", _is_liking().alias("liked"))

    def _new_location(self, kind: str) -> str:
        return f"{self.work}/{kind}-{next(self._written)}"


def _is_liking() -> Column:
    """:func:`~cinerec.models.likes.likes_matrix`'s rule, on a rating and its rater's mean,
    compared in float32 as the local engine compares them."""
    from pyspark.sql import functions as F

    rating = F.col("rating").cast("float")
    return (rating >= F.lit(LIKE_THRESHOLD).cast("float")) | \
        (rating >= (F.col("mean").cast("float") + F.lit(RELATIVE_MARGIN).cast("float")))


def order_statistics(frame: DataFrame, column: str, ranks: np.ndarray, low: int, high: int) -> np.ndarray:
    """int64: the values of whole-number ``column`` at ``ranks`` (0-based, in sorted
    order) among ``frame``'s rows, exactly, all of them between ``low`` and ``high``.

    Each pass counts the values in :data:`BUCKETS` equal buckets of every range still
    open and narrows each rank's range to the bucket holding it, so a few passes over the
    column find any ranks, with no sort, and at most :data:`BUCKETS` counts per open range
    come to the driver in each pass.
    """
    from pyspark.sql import functions as F

    value = F.col(column).cast("long")
    lows = np.full(ranks.size, low, np.int64)
    highs = np.full(ranks.size, high, np.int64)
    below = np.zeros(ranks.size, np.int64)  # values under each rank's range
    while (open_ := np.flatnonzero(lows < highs)).size:
        ranges = sorted({(int(lows[i]), int(highs[i])) for i in open_})  # disjoint or equal, by construction
        widths = [-(-(hi - lo + 1) // BUCKETS) for lo, hi in ranges]
        which = F.coalesce(*(F.when(value.between(lo, hi), F.lit(number))
                             for number, (lo, hi) in enumerate(ranges)))
        bucket = F.coalesce(*(F.when(which == number, F.expr(f"(CAST(`{column}` AS BIGINT) - ({lo})) div {width}"))
                              for number, ((lo, _), width) in enumerate(zip(ranges, widths, strict=True))))
        table = (frame.select(which.alias("range"), bucket.alias("bucket")).where(F.col("range").isNotNull())
                 .groupBy("range", "bucket").count().toArrow())
        found, buckets, counts = (table[name].to_numpy().astype(np.int64) for name in ("range", "bucket", "count"))
        for i in open_:
            number = ranges.index((int(lows[i]), int(highs[i])))
            mine = np.flatnonzero(found == number)
            order = mine[np.argsort(buckets[mine])]
            through = below[i] + np.cumsum(counts[order])
            at = int(np.searchsorted(through, ranks[i], side="right"))
            below[i] = through[at - 1] if at else below[i]
            start = lows[i] + buckets[order[at]] * widths[number]
            lows[i], highs[i] = start, min(start + widths[number] - 1, highs[i])
    return lows


def _summed(index: np.ndarray, counts: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=counts, minlength=size).astype(np.int64)
