"""Similar (content): known answers on a hand-made catalogue, and real ml-100k behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset, Genome
from cinerec.data.readers import load_dataset
from cinerec.features.movie_features import MovieFeaturizer
from cinerec.models.base import QueryBatch
from cinerec.models.content import ContentSimilarity

DIE_HARD, DIE_HARD_2, DIE_HARD_3 = 144, 226, 550


@pytest.fixture(scope="module")
def ml100k(ml100k_path: Path) -> Dataset:
    return load_dataset(ml100k_path, use_cache=False)


@pytest.fixture(scope="module")
def fitted(ml100k: Dataset) -> ContentSimilarity:
    return ContentSimilarity(k=20).fit(ml100k)


def _titles(dataset: Dataset, indices: np.ndarray) -> list[str]:
    movies = dataset.movies.iloc[indices]
    return [f"{title} ({year})" for title, year in zip(movies["title"], movies["year"], strict=True)]


def _likes(n_movies: int, liked: list[int]) -> QueryBatch:
    likes = sp.csr_matrix((np.ones(len(liked), np.float32), ([0] * len(liked), liked)), shape=(1, n_movies))
    return QueryBatch(likes, sp.csr_matrix((1, n_movies), dtype=np.float32), pd.DataFrame(index=[0]), likes)


# --------------------------------------------------------------------- known answers
def _tiny(tags: list[tuple[int, str]] = (), genome: Genome | None = None) -> Dataset:
    """Six dramas of 1995 whose titles share nothing, except that "Night Train" and
    "Night Shift" share a word — which makes them no closer than any others."""
    titles = ["Night Train", "Paper Moon", "Night Shift", "Harbour Lights", "Summer Rain", "Glass House"]
    movies = pd.DataFrame({"movie_id": np.arange(1, 7), "title": titles, "year": 1995, "genres": [["Drama"]] * 6})
    tag_frame = pd.DataFrame({"user_id": 1, "movie_id": [m for m, _ in tags], "tag": [t for _, t in tags],
                              "timestamp": 0})
    ratings = pd.DataFrame({"user_id": [1], "movie_id": [1], "rating": [4.0], "timestamp": [0]})
    return Dataset.from_frames(movies, pd.DataFrame({"user_id": [1]}), ratings, tag_frame, genome)


def _nearest(model: ContentSimilarity, movie_index: int) -> int:
    return int(model.similar(movie_index, 1)[0][0])


def test_a_shared_title_word_is_no_link() -> None:
    model = ContentSimilarity(k=5).fit(_tiny())
    neighbours, similarities = model.similar(0, 5)
    assert sorted(neighbours.tolist()) == [1, 2, 3, 4, 5] and len(set(similarities.tolist())) == 1


def test_rare_shared_tags_make_two_movies_each_others_nearest() -> None:
    common = [(movie, "classic") for movie in range(1, 7)] + [(movie, "slow") for movie in (3, 4, 5, 6)]
    rare = [(1, "time loop"), (2, "time loop"), (1, "unreliable narrator"), (2, "unreliable narrator")]
    with_tags = ContentSimilarity(k=3).fit(_tiny(tags=common + rare))
    assert _nearest(with_tags, 0) == 1 and _nearest(with_tags, 1) == 0
    ignoring_tags = ContentSimilarity(k=5, tag_weight=0.0).fit(_tiny(tags=common + rare))
    assert len(set(ignoring_tags.similar(0, 5)[1].tolist())) == 1  # nothing else sets them apart


def test_genome_profiles_make_two_movies_each_others_nearest() -> None:
    relevance = np.full((6, 4), 0.2, np.float32)
    relevance[[0, 1], 0] = relevance[[0, 1], 1] = 0.95  # both about, say, "heist" and "twist ending"
    relevance[2:, 2] = np.linspace(0.3, 0.9, 4)
    genome = Genome(np.arange(1, 7, dtype=np.int32), ("heist", "twist ending", "rain", "sea"), relevance)
    with_genome = ContentSimilarity(k=3).fit(_tiny(genome=genome))
    assert _nearest(with_genome, 0) == 1 and _nearest(with_genome, 1) == 0
    ignoring_genome = ContentSimilarity(k=5, genome_weight=0.0).fit(_tiny(genome=genome))
    assert len(set(ignoring_genome.similar(0, 5)[1].tolist())) == 1


def test_neighbours_are_the_cosines_of_the_movie_vectors_whatever_the_block_size() -> None:
    tags = [(1, "time loop"), (2, "time loop"), (3, "rain"), (5, "rain"), (4, "sea")]
    dataset = _tiny(tags=tags)
    vectors = MovieFeaturizer().fit_transform(dataset).toarray()
    cosines = vectors @ vectors.T
    for block_rows in (1, 4, None):
        model = ContentSimilarity(k=5, block_rows=block_rows).fit(dataset)
        for movie in range(dataset.n_movies):
            neighbours, similarities = model.similar(movie, 5)
            np.testing.assert_allclose(similarities, cosines[movie, neighbours], rtol=1e-5)
            others = np.delete(cosines[movie], movie)
            np.testing.assert_allclose(similarities, np.sort(others[others > 0])[::-1][:5], rtol=1e-5)


def test_a_catalogue_of_hundreds_matches_the_dense_cosines(rng: np.random.Generator) -> None:
    # Large enough that the kernel bounds each row's k-th best by maxima of groups of columns.
    words = ["night", "river", "ghost", "city", "summer", "war", "love", "king", "road", "house"]
    genres = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller", "Western"]
    n = 400
    movies = pd.DataFrame({
        "movie_id": np.arange(1, n + 1),
        "title": [" ".join(rng.choice(words, 2, replace=False)).title() for _ in range(n)],
        "year": rng.integers(1950, 2020, n),
        "genres": [list(rng.choice(genres, rng.integers(1, 4), replace=False)) for _ in range(n)],
    })
    tags = pd.DataFrame({"user_id": 1, "movie_id": rng.integers(1, n + 1, 600),
                         "tag": rng.choice(["slow", "twist", "funny", "dark", "score"], 600), "timestamp": 0})
    ratings = pd.DataFrame({"user_id": [1], "movie_id": [1], "rating": [4.0], "timestamp": [0]})
    dataset = Dataset.from_frames(movies, pd.DataFrame({"user_id": [1]}), ratings, tags)
    vectors = MovieFeaturizer().fit_transform(dataset).toarray()
    cosines = vectors @ vectors.T
    model = ContentSimilarity(k=5).fit(dataset)
    for movie in range(n):
        others = np.delete(cosines[movie], movie)
        neighbours, similarities = model.similar(movie, 5)
        np.testing.assert_allclose(similarities, np.sort(others[others > 0])[::-1][:5], rtol=1e-5)
        np.testing.assert_allclose(cosines[movie, neighbours], similarities, rtol=1e-5)


# ------------------------------------------------------------------------ ml-100k
def test_die_hard_brings_the_other_die_hard_films(ml100k: Dataset, fitted: ContentSimilarity) -> None:
    die_hard = int(ml100k.movie_vocab.index(DIE_HARD)[0])
    assert _titles(ml100k, [die_hard]) == ["Die Hard (1988)"]
    neighbours, similarities = fitted.similar(die_hard, 10)
    print("Similar to Die Hard (1988):",
          ", ".join(f"{title} {sim:.3f}" for title, sim in zip(_titles(ml100k, neighbours), similarities, strict=True)))
    top_ids = set(fitted.movie_ids_[neighbours].tolist())
    assert {DIE_HARD_2, DIE_HARD_3} <= top_ids


def test_liking_die_hard_recommends_its_sequel_first(ml100k: Dataset, fitted: ContentSimilarity) -> None:
    die_hard = int(ml100k.movie_vocab.index(DIE_HARD)[0])
    scores = fitted.score(_likes(ml100k.n_movies, [die_hard]))[0]
    assert np.isnan(scores[die_hard])  # nothing points a movie at itself
    assert fitted.movie_ids_[np.nanargmax(scores)] in {DIE_HARD_2, DIE_HARD_3}


def test_content_neighbours_share_genres_far_more_than_random_pairs(
        ml100k: Dataset, fitted: ContentSimilarity, rng: np.random.Generator) -> None:
    genres = [set(g) for g in ml100k.movies["genres"]]

    def jaccard(i: int, j: int) -> float:
        union = genres[i] | genres[j]
        return len(genres[i] & genres[j]) / len(union) if union else 0.0

    with_genres = [i for i in range(ml100k.n_movies) if genres[i]]
    neighbour_mean = np.mean([jaccard(i, int(j)) for i in with_genres for j in fitted.similar(i, 10)[0]])
    pairs = rng.choice(with_genres, size=(20_000, 2))
    random_mean = np.mean([jaccard(int(i), int(j)) for i, j in pairs if i != j])
    print(f"mean genre Jaccard: top-10 content neighbours {neighbour_mean:.3f}, random pairs {random_mean:.3f}"
          f" ({neighbour_mean / random_mean:.1f}x)")
    assert neighbour_mean >= 2 * random_mean


def test_lists_are_well_formed(ml100k: Dataset, fitted: ContentSimilarity) -> None:
    n = ml100k.n_movies
    assert fitted.neighbors_.shape == fitted.similarities_.shape == (n, 20)
    assert fitted.neighbors_.dtype == np.int32 and fitted.similarities_.dtype == np.float32
    assert not (fitted.neighbors_ == np.arange(n)[:, None]).any()  # never its own neighbour
    assert (np.diff(fitted.similarities_, axis=1) <= 1e-6).all()
    assert ((fitted.similarities_ > 0) & (fitted.similarities_ <= 1 + 1e-5) | (fitted.neighbors_ == -1)).all()
    np.testing.assert_array_equal(fitted.movie_ids_, ml100k.movies["movie_id"].to_numpy())
    assert fitted.movie_ids_.dtype == np.int32
    assert fitted.embedding_2d_.shape == (n, 2) and fitted.embedding_2d_.dtype == np.float32
    assert np.isfinite(fitted.embedding_2d_).all() and fitted.embedding_2d_.std(axis=0).min() > 0

