"""Splits: fractions, at least one held out, determinism, latest-first, whole people held out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cinerec.data.dataset import Dataset
from cinerec.errors import DataError
from cinerec.evaluation.splits import split_dataset


def make_dataset(rng: np.random.Generator, *, demographics: bool = True) -> Dataset:
    """40 people with 1 to 30 ratings each over 60 movies, increasing timestamps."""
    rows = []
    for user in range(1, 41):
        n = 1 + (user * 7) % 30
        movies = rng.choice(60, size=n, replace=False) + 1
        rows += [(user, m, float(rng.integers(1, 6)), 1000 * user + rng.integers(0, 500)) for m in movies]
    ratings = pd.DataFrame(rows, columns=["user_id", "movie_id", "rating", "timestamp"])
    movies = pd.DataFrame({"movie_id": np.arange(1, 61), "title": [f"Movie {i}" for i in range(60)]})
    users = pd.DataFrame({"user_id": np.arange(1, 41)})
    if demographics:
        users["gender"] = np.where(users["user_id"] % 2 == 0, "F", "M")
        users["age_band"] = "25-34"
    tags = pd.DataFrame({"user_id": [1, 2], "movie_id": ratings[ratings.user_id.isin([1, 2])].groupby("user_id")
                         ["movie_id"].first().to_numpy(), "tag": ["funny", "dark"], "timestamp": [0, 0]})
    return Dataset.from_frames(movies, users, ratings, tags, releases=("test",))


@pytest.mark.parametrize("protocol", ["random", "temporal"])
def test_each_person_loses_a_fifth_at_least_one(protocol: str, rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    split = split_dataset(dataset, protocol, seed=3)
    per_user = dataset.ratings["user_id"].value_counts()
    held = split.test["user_id"].value_counts().reindex(per_user.index, fill_value=0)
    eligible = per_user >= 5
    expected = np.maximum(1, np.rint(0.2 * per_user[eligible]))
    assert (held[eligible] == expected).all()
    assert (held[~eligible] == 0).all()
    assert len(split.train.ratings) + len(split.test) == len(dataset.ratings)
    together = pd.concat([split.train.ratings, split.test])
    assert not together.duplicated(["user_id", "movie_id"]).any()
    assert split.train.n_movies == dataset.n_movies and split.train.n_users == dataset.n_users
    np.testing.assert_array_equal(split.test_users, np.sort(per_user[eligible].index.to_numpy()))


def test_random_split_is_determined_by_the_seed(rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    first, again = split_dataset(dataset, "random", seed=5), split_dataset(dataset, "random", seed=5)
    other = split_dataset(dataset, "random", seed=6)
    pd.testing.assert_frame_equal(first.test, again.test)
    assert not first.test.equals(other.test)


def test_temporal_split_holds_out_the_latest_ratings(rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    split = split_dataset(dataset, "temporal")
    last_train = split.train.ratings.groupby("user_id")["timestamp"].max()
    first_test = split.test.groupby("user_id")["timestamp"].min()
    assert (first_test >= last_train.reindex(first_test.index)).all()


def test_tags_on_held_out_ratings_leave_the_training_data(rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    split = split_dataset(dataset, "temporal")
    held = set(zip(split.test["user_id"], split.test["movie_id"]))
    assert not any(pair in held for pair in zip(split.train.tags["user_id"], split.train.tags["movie_id"]))


def test_new_users_are_held_out_whole_with_their_demographics(rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    split = split_dataset(dataset, "new-users", seed=1)
    held = split.test_users
    eligible = (dataset.ratings["user_id"].value_counts() >= 5).sum()
    assert held.size == round(0.2 * eligible)
    assert not split.train.ratings["user_id"].isin(held).any()
    assert not split.train.users["user_id"].isin(held).any()
    assert set(split.test["user_id"]) == set(held)
    assert len(split.test) == dataset.ratings["user_id"].isin(held).sum()
    np.testing.assert_array_equal(split.test_people["user_id"], held)
    expected = np.where(held % 2 == 0, "F", "M")
    assert split.test_people["gender"].astype(str).tolist() == expected.tolist()


def test_new_users_are_the_described_people_where_anyone_is_described(rng: np.random.Generator) -> None:
    dataset = make_dataset(rng)
    users = dataset.users.copy()
    users.loc[users["user_id"] > 20, ["gender", "age_band"]] = None
    partly = Dataset.from_frames(dataset.movies, users, dataset.ratings, dataset.tags, releases=("test",))
    assert (split_dataset(partly, "new-users", seed=2).test_users <= 20).all()
    # Data that describe nobody hold out anyone: such newcomers only name movies.
    anyone = split_dataset(make_dataset(rng, demographics=False), "new-users", seed=2)
    eligible = (dataset.ratings["user_id"].value_counts() >= 5).sum()
    assert anyone.test_users.size == round(0.2 * eligible)


def test_new_users_needs_people_to_hold_out(rng: np.random.Generator) -> None:
    with pytest.raises(DataError, match="at least two people"):
        split_dataset(make_dataset(rng), "new-users", min_ratings=1_000)


def test_unknown_protocol_is_refused(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="protocol"):
        split_dataset(make_dataset(rng), "leave-one-out")
