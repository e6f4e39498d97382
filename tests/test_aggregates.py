"""The counts components share: taken once per dataset, by the source a build chooses,
and equal to what each component would count itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cinerec.data.dataset import Dataset
from cinerec.data.readers import read_movielens
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.models import aggregates
from cinerec.models.aggregates import PERIODS, LocalAggregates, MovieCounts, aggregates_computed_by, period_bounds
from cinerec.models.likes import likes_matrix


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("release") / "ml-100k"
    generate(SynthConfig(users=300, movies=120, ratings=6_000, format="ml-100k", seed=5), folder)
    return read_movielens(folder)


@pytest.mark.parametrize("n", [1, 2, 19, 20, 21, 399, 1_000, 4_096])
def test_period_bounds_split_whole_timestamps_as_interpolated_quantiles_do(n: int) -> None:
    rng = np.random.default_rng(n)
    times = rng.integers(0, max(n // 3, 2), n) * 1_000 + 900_000_000  # ties and gaps
    quantiles = np.quantile(times, np.arange(1, PERIODS) / PERIODS)
    np.testing.assert_array_equal(np.searchsorted(period_bounds(times), times, side="right"),
                                  np.searchsorted(quantiles, times, side="right"))


def test_no_timestamps_have_bounds_all_zero() -> None:
    assert period_bounds(np.zeros(0, np.int64)).tolist() == [0] * (PERIODS - 1)


def test_local_counts_are_the_counts_of_the_ratings(dataset: Dataset) -> None:
    counts = LocalAggregates().movie_counts(dataset)
    likes = likes_matrix(dataset)
    movies = dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy())
    np.testing.assert_array_equal(counts.ratings, np.bincount(movies, minlength=dataset.n_movies))
    np.testing.assert_array_equal(counts.likings, np.asarray(likes.sum(axis=0)).ravel())
    np.testing.assert_array_equal(counts.likings_per_period.sum(axis=0), counts.likings)
    assert counts.ratings_per_period.sum() == len(dataset.ratings)
    # equal shares of the ratings in each period, give or take the ties of one timestamp
    assert counts.ratings_per_period.min() > 0.5 * len(dataset.ratings) / PERIODS
    rated = counts.ratings > 0
    assert (counts.first_period[~rated] == PERIODS).all() and (counts.first_period[rated] < PERIODS).all()


def test_person_means_are_each_persons_mean_rating(dataset: Dataset) -> None:
    means = LocalAggregates().person_means(dataset)
    expected = dataset.ratings.groupby("user_id")["rating"].mean()
    index = dataset.user_vocab.index(expected.index.to_numpy())
    np.testing.assert_allclose(means[index], expected.to_numpy(), rtol=1e-6)


def test_group_likings_count_each_groups_likers(dataset: Dataset) -> None:
    people = np.arange(0, dataset.n_users, 3)
    groups = people % 4
    sums = LocalAggregates().group_likings(dataset, people, groups, 4)
    likes = likes_matrix(dataset).toarray()
    for group in range(4):
        np.testing.assert_array_equal(sums[group], likes[people[groups == group]].sum(axis=0))


class CountingSource(LocalAggregates):
    """The local counts, remembering what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def person_means(self, dataset: Dataset) -> np.ndarray:
        self.asked.append("person_means")
        return super().person_means(dataset)

    def movie_counts(self, dataset: Dataset) -> MovieCounts:
        self.asked.append("movie_counts")
        return super().movie_counts(dataset)


def test_the_chosen_source_counts_each_dataset_once(dataset: Dataset) -> None:
    fresh = Dataset.from_frames(dataset.movies, dataset.users, dataset.ratings)
    source = CountingSource()
    with aggregates_computed_by(source):
        first = aggregates.movie_counts(fresh)
        assert aggregates.movie_counts(fresh) is first
        likes_matrix(fresh)
    assert source.asked == ["movie_counts", "person_means"]  # the likings' rule asked for the means once
    assert aggregates.movie_counts(fresh) is first  # kept with the dataset, whoever asks later


def test_a_dataset_without_ratings_counts_nothing() -> None:
    empty = Dataset.from_frames(pd.DataFrame({"movie_id": [1, 2], "title": ["A", "B"]}),
                                pd.DataFrame({"user_id": [1]}),
                                pd.DataFrame({"user_id": [], "movie_id": [], "rating": [], "timestamp": []}))
    counts = LocalAggregates().movie_counts(empty)
    assert counts.ratings.tolist() == [0, 0] and counts.first_period.tolist() == [PERIODS, PERIODS]
    assert counts.likings_per_period.shape == (PERIODS, 2) and not counts.likings_per_period.any()
