"""Train/test splits for offline evaluation: which ratings (or people) the models never see.

Three protocols, each answering a different question:

* ``random`` — *how well do we fill in a person's gaps?* Among people with at least
  ``min_ratings`` ratings, a seeded random ``fraction`` of each person's ratings (at
  least one) is held out.
* ``temporal`` — *how well do we predict what a person watches next?* The same share,
  but each person's **latest** ratings by timestamp (ties broken by movie id), so the
  models never learn from the future of the people they are tested on.
* ``new-users`` — *what do we say to someone new, who gives a few facts about themselves
  and names a few movies they like?* A seeded ``fraction`` of the people is held out
  entirely (of the people with demographics, where the data describe anyone): their
  ratings leave the training data and so do they (the models never saw them). The
  evaluation asks them as newcomers with their gender, age band, occupation and zip and
  a few of their own liked movies (see :func:`cinerec.evaluation.runner.newcomer_people`).

The training part is a :class:`~cinerec.data.dataset.Dataset` with the full catalogue,
so every model indexes movies exactly as it would in production.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.errors import DataError
from cinerec.evaluation.names import PROTOCOLS

#: Share of each person's ratings (random, temporal) or of the people (new-users) held out.
TEST_FRACTION = 0.2
#: People with fewer ratings are not evaluated (and keep all their ratings for training).
MIN_RATINGS = 5


@dataclass(frozen=True)
class Split:
    """A training dataset and the held-out ratings it must predict.

    ``test`` has the ratings table's columns; every held-out person is in
    ``test_users`` (sorted ids). For ``new-users``, ``test_people`` holds those
    people's demographics (they are no longer in ``train.users``).
    """

    protocol: str
    train: Dataset
    test: pd.DataFrame
    test_users: np.ndarray
    test_people: pd.DataFrame | None = None

    @property
    def new_users(self) -> bool:
        return self.protocol == "new-users"


def split_dataset(dataset: Dataset, protocol: str, *, fraction: float = TEST_FRACTION,
                  min_ratings: int = MIN_RATINGS, seed: int = 0) -> Split:
    """Split ``dataset`` by ``protocol`` (one of :data:`PROTOCOLS`); same seed, same split."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be within (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    if protocol == "new-users":
        return _split_people(dataset, fraction, min_ratings, rng)
    ratings = dataset.ratings
    order_key = ratings["timestamp"].to_numpy() if protocol == "temporal" else rng.random(len(ratings))
    held_out = _held_out_per_person(ratings["user_id"].to_numpy(), order_key, ratings["movie_id"].to_numpy(),
                                    fraction, min_ratings, latest=protocol == "temporal")
    test = ratings[held_out].reset_index(drop=True)
    train = _with_ratings(dataset, ratings[~held_out], dataset.users, _tags_outside(dataset.tags, test))
    return Split(protocol, train, test, np.unique(test["user_id"].to_numpy()))


def validation_split(split: Split, seed: int) -> Split:
    """The split tuning chooses on: carved from ``split``'s training part by the same
    protocol (with the next seed), so the test part is never seen."""
    return split_dataset(split.train, split.protocol, seed=seed + 1)


def _held_out_per_person(users: np.ndarray, key: np.ndarray, movies: np.ndarray, fraction: float,
                         min_ratings: int, *, latest: bool) -> np.ndarray:
    """Mask of the ratings held out: per person with ``>= min_ratings`` ratings, the
    ``max(1, round(fraction * n))`` with the largest ``key`` (``latest``) or smallest."""
    order = np.lexsort((movies, -key if latest else key, users))
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, users.size])
    position = np.arange(users.size) - np.repeat(starts, counts)
    n_held = np.where(counts >= min_ratings, np.maximum(1, np.rint(fraction * counts)), 0)
    mask = np.zeros(users.size, dtype=bool)
    mask[order] = position < np.repeat(n_held, counts)
    return mask


def _split_people(dataset: Dataset, fraction: float, min_ratings: int, rng: np.random.Generator) -> Split:
    """Hold out whole people among those with enough ratings — among those with
    demographics where the data describe anyone, so that every newcomer can say
    something about themselves (data that describe nobody hold out anyone)."""
    users = dataset.users
    n_ratings = dataset.ratings["user_id"].value_counts()
    enough = users["user_id"].map(n_ratings).fillna(0).to_numpy() >= min_ratings
    described = users[["gender", "age_band", "occupation", "zip"]].notna().any(axis=1).to_numpy()
    eligible = users["user_id"].to_numpy()[enough & (described if described.any() else True)]
    if eligible.size < 2:
        raise DataError(f"the new-users protocol needs at least two people with {min_ratings} or more ratings; "
                        f"{', '.join(dataset.releases) or 'this dataset'} has {eligible.size}")
    n_held = max(1, int(round(fraction * eligible.size)))
    held = np.sort(rng.choice(eligible, size=n_held, replace=False))
    is_held = dataset.ratings["user_id"].isin(held).to_numpy()
    people_held = users["user_id"].isin(held).to_numpy()
    tags = dataset.tags[~dataset.tags["user_id"].isin(held).to_numpy()]
    train = _with_ratings(dataset, dataset.ratings[~is_held], users[~people_held], tags)
    test_people = users[people_held].reset_index(drop=True)
    return Split("new-users", train, dataset.ratings[is_held].reset_index(drop=True), held, test_people)


def _with_ratings(dataset: Dataset, ratings: pd.DataFrame, users: pd.DataFrame, tags: pd.DataFrame) -> Dataset:
    """``dataset`` with other ratings, people and tags; the catalogue and genome stay."""
    return Dataset.from_frames(dataset.movies, users, ratings, tags, dataset.genome, dataset.releases)


def _tags_outside(tags: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Tags except those a person put on a movie whose rating is held out: a tag says
    the person watched the movie, which the models must not learn from the test."""
    if tags.empty:
        return tags
    held = pd.MultiIndex.from_arrays([test["user_id"].to_numpy(), test["movie_id"].to_numpy()])
    applied = pd.MultiIndex.from_arrays([tags["user_id"].to_numpy(), tags["movie_id"].to_numpy()])
    return tags[~applied.isin(held)]

