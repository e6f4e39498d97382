"""Movie vectors: shape, normalisation, what each block contributes, franchise keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cinerec.data.dataset import Dataset, Genome
from cinerec.features.movie_features import MovieFeaturizer, franchise_keys


def _dataset(movies: list[tuple[int, str, int | None, list[str]]], tags: list[tuple[int, str]] = (),
             genome: Genome | None = None) -> Dataset:
    """A catalogue from ``(movie_id, title, year, genres)`` rows and ``(movie_id, tag)`` applications."""
    frame = pd.DataFrame(movies, columns=["movie_id", "title", "year", "genres"])
    tag_frame = pd.DataFrame({"user_id": 1, "movie_id": [m for m, _ in tags], "tag": [t for _, t in tags],
                              "timestamp": 0})
    ratings = pd.DataFrame({"user_id": [1], "movie_id": [movies[0][0]], "rating": [4.0], "timestamp": [0]})
    return Dataset.from_frames(frame, pd.DataFrame({"user_id": [1]}), ratings, tag_frame, genome)


CATALOGUE = [
    (1, "Night Train", 1995, ["Drama"]),
    (2, "Paper Moon", 1985, ["Comedy", "Drama"]),
    (3, "Black Angel", 1946, ["Drama", "Film-Noir"]),
    (4, "The Dark Corner", 1946, ["Film-Noir"]),
    (5, "Desert Wind", None, []),
    (6, "Harbour Lights", 1998, ["Drama"]),
    (7, "Summer Rain", 1977, ["Drama"]),
]


def _cosine(vectors, i: int, j: int) -> float:  # noqa: ANN001 - a CSR matrix
    return float(vectors[i].multiply(vectors[j]).sum())


def test_rows_follow_the_catalogue_and_are_unit_length() -> None:
    dataset = _dataset(CATALOGUE[::-1], tags=[(1, "trains"), (6, "trains")])
    featurizer = MovieFeaturizer()
    vectors = featurizer.fit_transform(dataset)
    assert vectors.shape[0] == len(CATALOGUE) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.sqrt(vectors.multiply(vectors).sum(axis=1)).A1, 1.0, rtol=1e-5)
    assert set(featurizer.blocks_) == {"title", "genres", "year", "tags", "audience"}  # no genome in this dataset
    assert max(stop for _, stop in featurizer.blocks_.values()) == vectors.shape[1]


def test_a_weight_of_zero_leaves_the_block_out() -> None:
    featurizer = MovieFeaturizer(title_weight=0.0, year_weight=0.0, audience_weight=0.0)
    vectors = featurizer.fit_transform(_dataset(CATALOGUE))
    assert set(featurizer.blocks_) == {"genres"}
    assert vectors.shape[1] == 3  # Drama, Comedy, Film-Noir


def test_a_block_weight_is_its_share_of_the_cosine() -> None:
    # Movies 1 and 6 share only the genre block exactly (titles and decades differ).
    # The title block is every movie's (a column of its own where no series is named).
    vectors = MovieFeaturizer(title_weight=1.0, genre_weight=2.0, year_weight=0.0,
                              audience_weight=0.0).fit_transform(_dataset(CATALOGUE))
    assert _cosine(vectors, 0, 5) == pytest.approx(2.0 / 3.0, rel=1e-5)


def test_rare_genres_count_more_than_common_ones() -> None:
    vectors = MovieFeaturizer(title_weight=0.0, year_weight=0.0, audience_weight=0.0).fit_transform(
        _dataset(CATALOGUE))
    drama_only, drama_noir, noir_only = vectors[0], vectors[2], vectors[3]
    assert drama_noir.multiply(noir_only).sum() > drama_noir.multiply(drama_only).sum()


def test_neighbouring_decades_are_closer_than_distant_ones() -> None:
    vectors = MovieFeaturizer(title_weight=0.0, genre_weight=0.0, audience_weight=0.0).fit_transform(
        _dataset(CATALOGUE))
    same, adjacent, two_apart, far = (_cosine(vectors, 2, 3), _cosine(vectors, 0, 1), _cosine(vectors, 0, 6),
                                      _cosine(vectors, 0, 2))
    assert same == pytest.approx(1.0, rel=1e-5) and same > adjacent > two_apart > far == 0.0
    assert vectors[4].nnz == 0  # no year, no block, and nothing invented


def test_a_movie_lacking_tags_and_genome_keeps_its_other_blocks() -> None:
    genome = Genome(np.array([1, 6], np.int32), ("noir", "trains", "sea"),
                    np.array([[0.9, 0.8, 0.1], [0.2, 0.9, 0.7]], np.float32))
    vectors = MovieFeaturizer().fit_transform(_dataset(CATALOGUE, tags=[(1, "trains"), (6, "trains")], genome=genome))
    untagged = vectors[1]
    assert untagged.nnz > 0
    assert _cosine(vectors, 1, 5) > 0  # Paper Moon still meets Harbour Lights through Drama


def test_franchise_keys_strip_sequel_numbers_subtitles_and_articles() -> None:
    titles = pd.Series(["Die Hard", "Die Hard 2", "Die Hard: With a Vengeance", "Terminator 2: Judgment Day",
                        "The Terminator", "Star Wars: Episode V - The Empire Strikes Back", "Rocky III",
                        "The Godfather: Part II", "2001: A Space Odyssey", "Heat"])
    assert franchise_keys(titles).tolist() == [
        "die hard", "die hard", "die hard", "terminator", "terminator", "star wars", "rocky", "godfather",
        "2001", "heat"]


def test_the_series_token_brings_sequels_together_and_shared_words_nothing() -> None:
    movies = [(1, "Alpha Quest", 1990, ["Action"]), (2, "Alpha Quest: Reckoning", 1992, ["Action"]),
              (3, "Quest Alpha Reckoning", 1991, ["Action"]), (4, "Beta Run", 1990, ["Action"])]
    vectors = MovieFeaturizer(genre_weight=0.0, year_weight=0.0, audience_weight=0.0).fit_transform(_dataset(movies))
    # 2 and 3 have the same words; only 2 is of the "alpha quest" series.
    assert _cosine(vectors, 0, 1) == pytest.approx(1.0, rel=1e-5)
    assert _cosine(vectors, 0, 2) == _cosine(vectors, 0, 3) == 0.0
