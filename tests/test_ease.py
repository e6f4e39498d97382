"""EASE against its closed form computed densely, its catalogue limit, and on ml-100k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, top_n
from cinerec.models.ease import EASE, likings_per_movie
from cinerec.models.likes import likes_matrix
from cinerec.models.popular import MostPopular
from tiny_data import dataset_from_stars


def batch(likes: sp.csr_matrix) -> QueryBatch:
    likes = sp.csr_matrix(likes, dtype=np.float32)
    return QueryBatch(likes, likes, pd.DataFrame(index=range(likes.shape[0])), likes)


@pytest.fixture
def tiny(rng: np.random.Generator) -> Dataset:
    stars = np.where(rng.random((30, 9)) < 0.45, rng.choice([1.0, 2.0, 5.0], (30, 9)), 0.0).astype(np.float32)
    stars[:, 8] = 0  # nobody rated the last movie
    return dataset_from_stars(stars)


def test_weights_match_the_dense_closed_form(tiny: Dataset) -> None:
    l2 = 3.0
    x = likes_matrix(tiny).toarray().astype(np.float64)[:, :8]  # movie 8: nobody liked it, not modelled
    inverse = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    expected = np.eye(x.shape[1]) - inverse / np.diag(inverse)
    model = EASE(l2=l2).fit(tiny)
    assert model.modelled_.tolist() == list(range(8))
    np.testing.assert_allclose(model.weights_, expected, atol=1e-5)
    assert model.weights_.dtype == np.float32
    assert np.all(np.diag(model.weights_) == 0)


def test_scores_are_likes_times_weights_and_nan_where_nothing_is_known(tiny: Dataset) -> None:
    model = EASE(l2=2.0).fit(tiny)
    likes = likes_matrix(tiny)[:4]
    likes = sp.vstack([likes, sp.csr_matrix((1, likes.shape[1]), dtype=np.float32)]).tocsr()
    scores = model.score(batch(likes))
    expected = likes.toarray()[:, :8] @ model.weights_
    np.testing.assert_allclose(scores[:4, :8], expected[:4], rtol=1e-5, atol=1e-6)
    assert np.isnan(scores[:, 8]).all()    # nobody liked it in training
    assert np.isnan(scores[4]).all()       # a person with no likes


def test_a_large_catalogue_models_only_its_most_liked_movies(tiny: Dataset) -> None:
    model = EASE(max_movies=5).fit(tiny)
    counts = np.asarray(likes_matrix(tiny).sum(axis=0)).ravel()
    assert model.weights_.shape == (5, 5)
    assert set(model.modelled_) == set(np.argsort(-counts, kind="stable")[:5])
    scores = model.score(batch(likes_matrix(tiny)[:3]))
    others = np.setdiff1d(np.arange(9), model.modelled_)
    assert np.isnan(scores[:, others]).all() and np.isfinite(scores[:, model.modelled_]).any()


def test_the_default_penalty_follows_the_likings_per_movie(tiny: Dataset) -> None:
    counts = np.bincount(likes_matrix(tiny).indices, minlength=tiny.n_movies)
    mean_likings = counts[counts > 0].mean()  # the Gram matrix's mean diagonal over the modelled movies
    assert EASE(l2_scale=2.0, min_mean_likings=0.0).fit(tiny).l2_ == pytest.approx(2.0 * mean_likings)
    # Twice the people with the same tastes: twice the likings per movie, twice the penalty,
    # and the same weights (the whole regularised Gram matrix doubles).
    doubled = dataset_from_stars(np.vstack([tiny.rating_matrix().toarray()] * 2))
    single, double = EASE(min_mean_likings=0.0).fit(tiny), EASE(min_mean_likings=0.0).fit(doubled)
    assert double.l2_ == pytest.approx(2.0 * single.l2_)
    np.testing.assert_allclose(double.weights_, single.weights_, atol=1e-5)
    # A fixed penalty overrides the scale; seen feedback scales with the ratings per movie.
    assert EASE(l2=7.0, l2_scale=100.0).fit(tiny).l2_ == 7.0
    rated = np.bincount(tiny.rating_matrix().indices, minlength=tiny.n_movies)
    assert EASE(l2_scale=1.0, feedback="seen", min_mean_likings=0.0).fit(tiny).l2_ == \
        pytest.approx(rated[rated > 0].mean())


def test_the_likings_per_movie_are_known_before_fitting_and_kept_after(tiny: Dataset) -> None:
    counts = np.bincount(likes_matrix(tiny).indices, minlength=tiny.n_movies)
    assert likings_per_movie(counts) == pytest.approx(counts[counts > 0].mean())
    assert likings_per_movie(counts, max_movies=2) == pytest.approx(np.sort(counts)[-2:].mean())
    assert EASE(max_movies=2).fit(tiny).mean_likings == pytest.approx(likings_per_movie(counts, 2))


def test_a_sparse_catalogue_gets_at_least_the_penalty_of_the_least_mean_likings(tiny: Dataset) -> None:
    counts = np.bincount(likes_matrix(tiny).indices, minlength=tiny.n_movies)
    mean_likings = counts[counts > 0].mean()
    assert mean_likings < 10.0  # a handful of likings per movie
    assert EASE(l2_scale=2.0, min_mean_likings=10.0).fit(tiny).l2_ == pytest.approx(20.0)
    assert EASE(l2_scale=2.0, min_mean_likings=1.0).fit(tiny).l2_ == pytest.approx(2.0 * mean_likings)
    assert EASE().fit(tiny).l2_ == pytest.approx(8.0 * 32.0)


def test_bad_parameters_are_refused(tiny: Dataset) -> None:
    with pytest.raises(ModelError, match="l2"):
        EASE(l2=0.0).fit(tiny)
    with pytest.raises(ModelError, match="l2_scale"):
        EASE(l2_scale=-1.0).fit(tiny)
    with pytest.raises(ModelError, match="max_movies"):
        EASE(max_movies=0).fit(tiny)


@pytest.mark.realdata
def test_ease_finds_held_out_likes_far_better_than_popularity(ml100k_path: Path, rng: np.random.Generator) -> None:
    """Hold out a fifth of the ratings; EASE should recover many more held-out likes
    in each person's top 10 than the most-popular list does."""
    from cinerec.data.readers import load_dataset

    ratings = load_dataset(ml100k_path).ratings
    catalogue = pd.DataFrame({"movie_id": np.unique(ratings["movie_id"]), "title": ""})
    users = pd.DataFrame({"user_id": np.unique(ratings["user_id"])})
    held_out = rng.random(len(ratings)) < 0.2
    train = Dataset.from_frames(catalogue, users, ratings[~held_out])
    test = ratings[held_out & (ratings["rating"] >= 4).to_numpy()]
    relevant = sp.csr_matrix((np.ones(len(test)), (train.user_vocab.index(test["user_id"].to_numpy()),
                                                   train.movie_vocab.index(test["movie_id"].to_numpy()))),
                             shape=(train.n_users, train.n_movies))
    queries = batch(likes_matrix(train))
    seen = train.rating_matrix()

    def hits_at_10(scores: np.ndarray) -> int:
        top, _ = top_n(scores, 10, exclude=seen)
        people = np.repeat(np.arange(train.n_users), 10)
        found = top.ravel() >= 0
        return int(relevant[people[found], top.ravel()[found]].sum())

    ease_hits = hits_at_10(EASE().fit(train).score(queries))
    popular_hits = hits_at_10(MostPopular().fit(train).score(queries))
    print(f"held-out likes in the top 10: EASE {ease_hits}, most popular {popular_hits}")
    assert ease_hits > 1.5 * popular_hits


def test_seen_feedback_learns_from_every_rating_and_scores_from_what_was_seen(tiny: Dataset) -> None:
    l2 = 3.0
    seen = (tiny.rating_matrix().toarray() != 0).astype(np.float64)[:, :8]  # movie 8: nobody rated it
    inverse = np.linalg.inv(seen.T @ seen + l2 * np.eye(8))
    expected = np.eye(8) - inverse / np.diag(inverse)
    model = EASE(l2=l2, feedback="seen").fit(tiny)
    np.testing.assert_allclose(model.weights_, expected, atol=1e-5)
    # Scored from the seen matrix, not the likes: a person who rated without liking still gets scores.
    rated = sp.csr_matrix(seen[:3].astype(np.float32))
    queries = QueryBatch(sp.csr_matrix((3, 9), dtype=np.float32), rated, pd.DataFrame(index=range(3)),
                         sp.hstack([rated, sp.csr_matrix((3, 1))]).tocsr())
    np.testing.assert_allclose(model.score(queries)[:, :8], seen[:3] @ expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ModelError, match="feedback"):
        EASE(feedback="stars").fit(tiny)


def test_seen_feedback_survives_save_and_load(tiny: Dataset, tmp_path: Path) -> None:
    model = EASE(l2=5.0, feedback="seen").fit(tiny)
    model.save(tmp_path / "seen")
    loaded = EASE.load(tmp_path / "seen")
    queries = batch(tiny.rating_matrix()[:6])
    assert loaded.feedback == "seen"
    np.testing.assert_array_equal(loaded.score(queries), model.score(queries))
