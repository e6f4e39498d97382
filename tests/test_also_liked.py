"""Likes and *also liked*: known answers on tiny data, and on ml-100k lists that differ
from movie to movie where the seed's lists all look alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.also_liked import AlsoLiked
from cinerec.models.base import QueryBatch
from cinerec.models.likes import likes_matrix
from cinerec.models.seed import SeedAlsoLiked
from tiny_data import dataset_from_stars


def liking(movies: list[int], n_movies: int) -> QueryBatch:
    likes = sp.csr_matrix((np.ones(len(movies), np.float32), (np.zeros(len(movies), int), movies)),
                          shape=(1, n_movies))
    return QueryBatch(likes, sp.csr_matrix(likes.shape, dtype=np.float32), pd.DataFrame(index=[0]), likes)


def blockbuster_and_pairs(n_pairs: int = 6, fans_per_pair: int = 5) -> np.ndarray:
    """Movie 0 is a blockbuster everyone rates 5; each pair (2p+1, 2p+2) has its own fans,
    who rate the first 5 and the second 4 (and nothing else)."""
    n_users = n_pairs * fans_per_pair
    stars = np.zeros((n_users, 1 + 2 * n_pairs), np.float32)
    stars[:, 0] = 5
    for pair in range(n_pairs):
        fans = slice(pair * fans_per_pair, (pair + 1) * fans_per_pair)
        stars[fans, 1 + 2 * pair] = 5
        stars[fans, 2 + 2 * pair] = 4
    return stars


# ------------------------------------------------------------------------ likes
def test_likes_are_high_ratings_or_above_a_harsh_raters_own_mean() -> None:
    stars = np.array([
        [5, 4, 3, 1, 0],   # mean 3.25: 5 and 4 liked, 3 not
        [2, 3, 1, 2, 0],   # harsh, mean 2: 2, 3, 2 are at or above it
        [5, 5, 4, 0, 5],   # generous, mean 4.75: a 4 is still a liking
    ], np.float32)
    expected = np.array([[1, 1, 0, 0, 0], [1, 1, 0, 1, 0], [1, 1, 1, 0, 1]], np.float32)
    dataset = dataset_from_stars(stars)
    np.testing.assert_array_equal(likes_matrix(dataset).toarray(), expected)
    np.testing.assert_array_equal(likes_matrix(dataset.rating_matrix()).toarray(), expected)
    absolute = likes_matrix(dataset, margin=None).toarray()
    np.testing.assert_array_equal(absolute, (stars >= 4).astype(np.float32))


def test_likes_keep_shape_and_store_only_likings() -> None:
    likes = likes_matrix(sp.csr_matrix((3, 4), dtype=np.float32))
    assert likes.shape == (3, 4) and likes.nnz == 0 and likes.dtype == np.float32


# -------------------------------------------------------------- tiny known answers
def test_movies_always_liked_together_are_each_others_top_neighbour(rng: np.random.Generator) -> None:
    stars = np.where(rng.random((40, 12)) < 0.25, 5.0, 0.0).astype(np.float32)
    stars[:, [3, 7]] = 0
    stars[:8, [3, 7]] = 5
    model = AlsoLiked(k=5).fit(dataset_from_stars(stars))
    assert model.similar(3, 1)[0].tolist() == [7]
    assert model.similar(7, 1)[0].tolist() == [3]


def test_a_blockbuster_tops_every_list_under_the_seed_but_not_under_ours() -> None:
    stars = blockbuster_and_pairs()
    ours = AlsoLiked(k=3, shrinkage=0.0).fit(dataset_from_stars(stars))
    seed = SeedAlsoLiked(k=3).fit(dataset_from_stars(stars))
    firsts = range(1, stars.shape[1], 2)
    assert [int(ours.similar(m, 1)[0][0]) for m in firsts] == [m + 1 for m in firsts]
    assert [int(seed.similar(m, 1)[0][0]) for m in firsts] == [0] * len(firsts)


def test_similarity_is_the_asymmetric_cosine_with_shrinkage() -> None:
    stars = blockbuster_and_pairs(n_pairs=2, fans_per_pair=4)   # 8 users like movie 0
    model = AlsoLiked(k=4, alpha=0.25, shrinkage=3.0, min_support=1).fit(dataset_from_stars(stars))
    neighbors, sims = model.similar(1, 4)
    by_movie = dict(zip(neighbors.tolist(), sims.tolist()))
    assert by_movie[2] == pytest.approx(4 / (4**0.25 * 4**0.75 + 3))
    assert by_movie[0] == pytest.approx(4 / (4**0.25 * 8**0.75 + 3))
    assert 3 not in by_movie and model.like_counts_.tolist() == [8, 4, 4, 4, 4]


@pytest.mark.parametrize(("alpha", "shrinkage", "min_support"), [(0.5, 20.0, 2), (0.2, 0.0, 1), (0.9, 3.0, 3)])
def test_lists_match_a_dense_reference_with_ties_to_the_lower_index(
        rng: np.random.Generator, alpha: float, shrinkage: float, min_support: int) -> None:
    stars = np.where(rng.random((120, 90)) < 0.15, rng.choice([2.0, 4.0, 5.0], (120, 90)), 0.0).astype(np.float32)
    dataset = dataset_from_stars(stars)
    model = AlsoLiked(k=6, alpha=alpha, shrinkage=shrinkage, min_support=min_support).fit(dataset)
    likes = likes_matrix(dataset).toarray()
    co_likes = likes.T @ likes
    counts = likes.sum(axis=0).astype(np.float32)
    denominator = np.outer(counts ** np.float32(alpha), counts ** np.float32(1 - alpha)) + np.float32(shrinkage)
    similarity = np.where(co_likes >= min_support, co_likes / np.maximum(denominator, np.finfo(np.float32).tiny), 0)
    for movie in range(stars.shape[1]):
        others = [j for j in range(stars.shape[1]) if j != movie and similarity[movie, j] > 0]
        expected = sorted(others, key=lambda j: (-round(float(similarity[movie, j]), 5), j))[:6]
        neighbours, sims = model.similar(movie, 6)
        np.testing.assert_allclose(sims, similarity[movie, neighbours], rtol=1e-5)
        np.testing.assert_allclose(sims, similarity[movie, expected], rtol=1e-5)


def test_pairs_with_too_few_co_likers_are_not_neighbours() -> None:
    stars = np.zeros((6, 3), np.float32)
    stars[:3, 0] = stars[:3, 1] = 5        # three people like 0 and 1
    stars[3:, 2] = stars[3, 0] = 5         # one person likes 0 and 2
    model = AlsoLiked(k=2, min_support=2).fit(dataset_from_stars(stars))
    assert model.similar(0)[0].tolist() == [1]
    assert model.similar(2)[0].size == 0


def test_scores_follow_the_liked_movies_and_explain_names_one(rng: np.random.Generator) -> None:
    stars = blockbuster_and_pairs()
    model = AlsoLiked(k=4, shrinkage=0.0).fit(dataset_from_stars(stars))
    scores = model.score(liking([3], stars.shape[1]))[0]
    assert np.nanargmax(np.where(np.arange(scores.size) == 3, np.nan, scores)) == 4
    assert model.explain(liking([3, 5], stars.shape[1]).likes, np.array([4, 6])).tolist() == [3, 5]


def test_votes_sum_to_one_per_movie_and_keep_each_lists_order() -> None:
    model = AlsoLiked(k=5, locality=3.0).fit(dataset_from_stars(blockbuster_and_pairs()))
    votes = model.similarity_matrix()
    totals = np.asarray(votes.sum(axis=1)).ravel()
    np.testing.assert_allclose(totals[totals > 0], 1.0, rtol=1e-5)
    for movie in range(votes.shape[0]):
        neighbours = model.similar(movie, 5)[0]
        row = votes[movie].toarray()[0]
        assert np.all(np.diff(row[neighbours]) <= 1e-7)


@pytest.mark.parametrize("params", [{"alpha": 1.5}, {"k": 0}, {"shrinkage": -1.0}, {"min_support": 0},
                                    {"locality": 0.0}])
def test_impossible_parameters_are_refused_by_name(params: dict[str, float]) -> None:
    with pytest.raises(ModelError, match=next(iter(params))):
        AlsoLiked(**params).fit(dataset_from_stars(blockbuster_and_pairs()))


# ------------------------------------------------------------------- real ml-100k
@pytest.fixture(scope="module")
def ml100k(ml100k_path: Path) -> Dataset:
    from cinerec.data.readers import load_dataset

    return load_dataset(ml100k_path)


@pytest.mark.realdata
def test_lists_differ_from_movie_to_movie_unlike_the_seeds(ml100k: Dataset, rng: np.random.Generator) -> None:
    ours = AlsoLiked().fit(ml100k)
    seed = SeedAlsoLiked(k=10).fit(ml100k)
    counts = np.bincount(ml100k.movie_vocab.index(ml100k.ratings["movie_id"].to_numpy()), minlength=ml100k.n_movies)
    pairs = rng.choice(np.flatnonzero(counts >= 20), size=(200, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]

    def mean_overlap(model: AlsoLiked | SeedAlsoLiked) -> float:
        return float(np.mean([np.intersect1d(model.similar(a, 10)[0], model.similar(b, 10)[0]).size / 10
                              for a, b in pairs]))

    ours_overlap, seed_overlap = mean_overlap(ours), mean_overlap(seed)
    print(f"mean top-10 overlap of {len(pairs)} movie pairs: also liked {ours_overlap:.3f}, seed {seed_overlap:.3f}")
    assert ours_overlap < 0.1
    assert ours_overlap < seed_overlap / 3


@pytest.mark.realdata
def test_star_wars_fans_also_liked_its_sequels_and_explain_names_a_liked_movie(ml100k: Dataset) -> None:
    model = AlsoLiked().fit(ml100k)
    star_wars, empire, jedi = ml100k.movie_vocab.index(np.array([50, 172, 181])).tolist()  # MovieLens ids
    assert {empire, jedi} <= set(model.similar(star_wars, 5)[0].tolist())
    person = likes_matrix(ml100k)[0]
    scores = model.score(QueryBatch(person, person, pd.DataFrame(index=[0]), person))[0]
    scores[person.indices] = np.nan
    best = np.argsort(-np.nan_to_num(scores, nan=-np.inf))[:5]
    assert set(model.explain(person, best).tolist()) <= set(person.indices.tolist())
