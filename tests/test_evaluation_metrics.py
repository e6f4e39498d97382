"""Ranking metrics on tiny lists whose values are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from cinerec.evaluation import metrics


def relevant(rows: list[list[int]], n_movies: int) -> sp.csr_matrix:
    dense = np.zeros((len(rows), n_movies), np.float32)
    for i, cols in enumerate(rows):
        dense[i, cols] = 1
    return sp.csr_matrix(dense)


def test_hits_mark_relevant_movies_and_ignore_padding() -> None:
    top = np.array([[3, 1, -1], [0, 2, 4]])
    found = metrics.hits(top, relevant([[1, 4], [4]], 5))
    assert found.tolist() == [[False, True, False], [False, False, True]]


def test_person_metrics_match_hand_computed_values() -> None:
    # Person 0: hits at ranks 1 and 3 of 3, two relevant movies in all.
    # Person 1: one hit at rank 2, three relevant. Person 2: nothing relevant (NaN).
    hit = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0]], bool)
    values = metrics.person_metrics(hit, np.array([2, 3, 0]), k=3)
    ideal_2 = 1 + 1 / math.log2(3)
    assert values["ndcg"][0] == pytest.approx((1 + 1 / math.log2(4)) / ideal_2)
    assert values["ndcg"][1] == pytest.approx((1 / math.log2(3)) / (ideal_2 + 1 / math.log2(4)))
    assert values["recall"][:2] == pytest.approx([1.0, 1 / 3])
    assert values["precision"][:2] == pytest.approx([2 / 3, 1 / 3])
    assert values["map"][0] == pytest.approx((1 + 2 / 3) / 2)
    assert values["map"][1] == pytest.approx((1 / 2) / 3)
    assert values["hit_rate"][:2].tolist() == [1.0, 1.0]
    assert all(np.isnan(v[2]) for v in values.values())


def test_a_prefix_gives_the_smaller_cut_off() -> None:
    hit = np.array([[0, 1, 1, 1]], bool)
    at_1 = metrics.person_metrics(hit, np.array([3]), k=1)
    assert at_1["hit_rate"][0] == 0.0 and at_1["ndcg"][0] == 0.0
    at_4 = metrics.person_metrics(hit, np.array([3]), k=4)
    assert at_4["recall"][0] == 1.0 and at_4["precision"][0] == 0.75


def test_a_perfect_list_scores_one() -> None:
    values = metrics.person_metrics(np.array([[1, 1, 0]], bool), np.array([2]), k=3)
    assert values["ndcg"][0] == pytest.approx(1.0)
    assert values["map"][0] == pytest.approx(1.0)


def test_coverage_and_novelty() -> None:
    top = np.array([[0, 1, -1], [1, 2, 3]])
    assert metrics.coverage(top, n_movies=8, k=2) == pytest.approx(3 / 8)  # movies 0, 1, 2
    ranks = metrics.popularity_ranks(np.array([10, 30, 30, 1]))
    assert ranks.tolist() == [3.0, 1.0, 1.0, 4.0]
    assert metrics.novelty(top, ranks, k=2) == pytest.approx((3 + 1 + 1 + 1) / 4)


def test_list_recall_counts_the_lists_that_bring_the_hidden_movie_back() -> None:
    lists = np.array([[1, 2], [0, 3], [3, 0], [2, 1]])   # movie -> its two related movies
    liked = relevant([[0, 1, 2], [3], []], 4)
    share = metrics.list_recall(lists, liked, hidden=np.array([3, 0, 1]), k=2)
    # Person 0 likes 0, 1, 2: lists of 1 and 2 contain movie 3 -> 2/3. Person 1: list of 3 lacks 0.
    assert share[0] == pytest.approx(2 / 3)
    assert share[1] == 0.0
    assert np.isnan(share[2])                      # nothing to browse
    assert metrics.list_recall(lists, liked, np.array([3, 0, 1]), k=1)[0] == pytest.approx(1 / 3)
