"""Most popular and the seed's reproduced methods: known answers, round trips, ml-100k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, top_n
from cinerec.models.popular import MostPopular
from cinerec.models.seed import SeedAlsoLiked, SeedPeopleLikeYou, one_hot_demographics
from tiny_data import dataset_from_stars


def batch(n_movies: int, demographics: pd.DataFrame, likes: sp.csr_matrix | None = None) -> QueryBatch:
    likes = sp.csr_matrix((len(demographics), n_movies), dtype=np.float32) if likes is None else likes
    return QueryBatch(likes, likes, demographics.reset_index(drop=True), likes)


# ------------------------------------------------------------------ most popular
def test_most_popular_ranks_by_likings_and_skips_what_was_seen() -> None:
    stars = np.array([[5, 4, 0, 0, 0], [5, 0, 4, 1, 0], [4, 5, 0, 0, 0],
                      [5, 1, 0, 3, 0],   # a harsh rater (mean 3): the 3 is a liking
                      [0, 0, 0, 4, 0], [0, 4, 0, 0, 2]], np.float32)
    model = MostPopular().fit(dataset_from_stars(stars))
    np.testing.assert_array_equal(model.scores_[:4], [4, 3, 1, 2])
    assert np.isnan(model.scores_[4])   # nobody liked it
    seen = sp.csr_matrix(np.array([[1, 0, 0, 0, 0], [0, 0, 0, 0, 0]]))
    scores = model.score(batch(5, pd.DataFrame(index=[0, 1]), sp.csr_matrix(seen, dtype=np.float32)))
    assert scores.shape == (2, 5)
    top, _ = top_n(scores, 5, exclude=seen)
    assert top[0].tolist() == [1, 3, 2, -1, -1]
    assert top[1][0] == 0


# -------------------------------------------------------------------- seed: also liked
def test_seed_also_liked_is_the_raw_sum_of_fans_high_ratings(rng: np.random.Generator) -> None:
    stars = np.where(rng.random((25, 7)) < 0.5, rng.choice([2.0, 4.0, 5.0], (25, 7)), 0.0).astype(np.float32)
    model = SeedAlsoLiked(k=6).fit(dataset_from_stars(stars))
    high = np.where(stars >= 4, stars, 0.0)
    sums = (high > 0).T.astype(float) @ high
    for movie in range(7):
        neighbours, values = model.similar(movie, 6)
        expected = np.delete(sums[movie], movie)
        np.testing.assert_allclose(np.sort(values)[::-1], np.sort(expected[expected > 0])[::-1])
        np.testing.assert_allclose(values, sums[movie, neighbours])


# --------------------------------------------------------------- seed: people like you
def two_groups() -> Dataset:
    """Ten teenage girls at school who rate movies 0–1 highly, ten retired men who rate
    movies 2–3 highly; both rate movie 4 badly."""
    users = pd.DataFrame({
        "user_id": np.arange(1, 21),
        "gender": ["F"] * 10 + ["M"] * 10,
        "age_band": ["under 18"] * 10 + ["56+"] * 10,
        "occupation": ["K-12 student"] * 10 + ["retired"] * 10,
    })
    stars = np.zeros((20, 5), np.float32)
    stars[:10, 0], stars[:10, 1] = 5, 4
    stars[10:, 2], stars[10:, 3] = 4, 5
    stars[:, 4] = 2
    return dataset_from_stars(stars, users)


def test_seed_people_like_you_gives_each_person_their_clusters_sums() -> None:
    model = SeedPeopleLikeYou(n_clusters=2, random_state=3).fit(two_groups())
    asking = pd.DataFrame({"gender": ["F", "M", None], "age_band": ["under 18", None, None],
                           "occupation": [None, "retired", None], "zip": [None] * 3})
    scores = model.score(batch(5, asking))
    np.testing.assert_array_equal(scores[0, :2], [50, 40])
    assert np.isnan(scores[0, 2:]).all()
    np.testing.assert_array_equal(scores[1, 2:4], [40, 50])
    assert np.isnan(scores[2]).all()       # gave nothing to place them by


def test_one_hot_marks_one_column_per_known_field() -> None:
    people = pd.DataFrame({"gender": ["M", None], "age_band": ["25-34", None], "occupation": ["writer", "lawyer"]})
    features = one_hot_demographics(people)
    assert features.shape == (2, 2 + 7 + 21)
    assert features.sum(axis=1).tolist() == [3, 1]


def test_seed_people_like_you_needs_demographics_and_round_trips(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no user has"):
        SeedPeopleLikeYou().fit(dataset_from_stars(np.array([[5, 4]], np.float32)))
    model = SeedPeopleLikeYou(n_clusters=2).fit(two_groups())
    model.save(tmp_path / "people")
    loaded = SeedPeopleLikeYou.load(tmp_path / "people")
    queries = batch(5, two_groups().users[["gender", "age_band", "occupation", "zip"]])
    np.testing.assert_array_equal(loaded.score(queries), model.score(queries))


@pytest.mark.realdata
def test_seed_people_like_you_on_ml100k_lists_mostly_the_same_blockbusters(ml100k_path: Path) -> None:
    """The seed's groups differ in who they are, but summed high ratings are popularity:
    every group's top 10 shares most of its movies with the overall most-liked list."""
    from cinerec.data.readers import load_dataset

    dataset = load_dataset(ml100k_path)
    model = SeedPeopleLikeYou().fit(dataset)
    assert model.cluster_scores_.shape == (8, dataset.n_movies)
    scores = model.score(batch(dataset.n_movies, dataset.users[["gender", "age_band", "occupation", "zip"]]))
    assert not np.isnan(scores).all(axis=1).any()
    overall, _ = top_n(MostPopular().fit(dataset).scores_[None, :].copy(), 10)
    shared = [np.intersect1d(top_n(row[None, :].copy(), 10)[0], overall).size / 10 for row in model.cluster_scores_]
    print(f"share of each seed group's top 10 that is in the overall top 10: {np.round(shared, 1).tolist()}")
    assert np.median(shared) >= 0.5
