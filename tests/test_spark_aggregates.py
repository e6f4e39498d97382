"""The counts every component shares, aggregated on Spark from the prepared ratings:
equal to the local counts (means, likings, periods, groups), order statistics exact,
and ``--work`` refused without Spark.

Runs in the shared local-mode Spark session (the ``spark`` fixture).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cinerec.cli.main import main
from cinerec.data.dataset import Dataset
from cinerec.data.combine import combine
from cinerec.data.readers import read_movielens
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.models.aggregates import LocalAggregates, period_ranks

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark")]


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An ml-100k-style release (people with demographics, movies merged by title) and an
    ml-latest one with pairs rated twice."""
    root = tmp_path_factory.mktemp("releases")
    made = {}
    for name, config in {"ml-100k": SynthConfig(users=400, movies=150, ratings=8_000, format="ml-100k", seed=3),
                         "ml-latest": SynthConfig(users=300, movies=200, ratings=6_000, seed=4)}.items():
        generate(config, root / name)
        made[name] = root / name
    return made


@pytest.fixture(scope="module")
def counted(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Spark source, its prepared ratings in a folder of the test's."""
    from cinerec.spark.aggregates import SparkAggregates

    return SparkAggregates(spark, tmp_path_factory.mktemp("work").as_uri())


def assert_same_counts(spark_source: Any, dataset: Dataset) -> None:
    local = LocalAggregates()
    np.testing.assert_array_equal(spark_source.person_means(dataset), local.person_means(dataset))
    ours, theirs = spark_source.movie_counts(dataset), local.movie_counts(dataset)
    for field in ("ratings", "likings", "ratings_per_period", "likings_per_period", "first_period", "period_bounds"):
        np.testing.assert_array_equal(getattr(ours, field), getattr(theirs, field), err_msg=field)
        assert getattr(ours, field).dtype == getattr(theirs, field).dtype, field
    rng = np.random.default_rng(0)
    people = np.sort(rng.choice(dataset.n_users, dataset.n_users // 2, replace=False))
    groups = rng.integers(0, 5, people.size)
    np.testing.assert_array_equal(spark_source.group_likings(dataset, people, groups, 5),
                                  local.group_likings(dataset, people, groups, 5))


@pytest.mark.parametrize("name", ["ml-100k", "ml-latest"])
def test_spark_counts_a_release_as_the_local_engine_does(counted: Any, releases: dict[str, Path], name: str) -> None:
    dataset = counted.read(str(releases[name]))
    local = read_movielens(releases[name])
    assert dataset.fingerprint == local.fingerprint
    assert_same_counts(counted, dataset)


def test_spark_counts_combined_releases_as_the_local_engine_does(counted: Any, releases: dict[str, Path]) -> None:
    combined, _ = combine([counted.read(str(releases[name])) for name in ("ml-100k", "ml-latest")])
    assert_same_counts(counted, combined)


def test_prepared_ratings_away_from_this_machine_go_through_spark(spark: Any, releases: dict[str, Path],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cluster the work folder is not a path here: the prepared ratings are written
    and read back through Spark (file URIs stand in for HDFS), in order, counted alike."""
    from cinerec.spark import prepare
    from cinerec.spark.aggregates import SparkAggregates

    monkeypatch.setattr(prepare, "local_path", lambda uri: None)
    source = SparkAggregates(spark, (tmp_path / "work").as_uri())
    dataset = source.read(str(releases["ml-100k"]))  # merges movies, so the driver writes them back too
    assert dataset.fingerprint == read_movielens(releases["ml-100k"]).fingerprint
    assert len(list((tmp_path / "work" / "release-1").glob("part-*.parquet"))) >= 1
    assert_same_counts(source, dataset)


@pytest.mark.parametrize("values", [
    np.array([7]),
    np.full(50, 3),
    np.array([-5, 2**40, 0, 17, 17, -5, 9]),
    np.random.default_rng(1).integers(800_000_000, 1_600_000_000, 5_000),
    np.random.default_rng(2).integers(0, 30, 2_000),
], ids=["one", "all-equal", "spread", "timestamps", "many-ties"])
def test_order_statistics_are_exact(spark: Any, values: np.ndarray) -> None:
    import pandas as pd

    from cinerec.spark.aggregates import order_statistics

    frame = spark.createDataFrame(pd.DataFrame({"value": values.astype(np.int64)}))
    ranks = np.unique(np.concatenate([period_ranks(values.size), [0, values.size - 1]]))
    np.testing.assert_array_equal(order_statistics(frame, "value", ranks, int(values.min()), int(values.max())),
                                  np.sort(values)[ranks])


def test_work_without_spark_is_refused(releases: dict[str, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(releases["ml-latest"]), "--out", str(tmp_path / "model"),
                 "--work", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == \
        "cinerec: error: --work is where Spark keeps its files: add --engine spark"
    assert not (tmp_path / "model").exists()


def test_on_a_cluster_the_work_folder_is_on_its_file_system(spark: Any) -> None:
    from cinerec.spark.storage import HadoopStorage, work_folder

    storage = HadoopStorage(spark)
    with work_folder(storage, on_cluster=True) as folder:  # local mode: the default file system is this one
        assert folder.startswith(storage.home().rstrip("/") + "/cinerec-work-")
