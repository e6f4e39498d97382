"""Top-k ranking metrics, vectorised over people.

Every function takes the recommended lists as one ``(n_people, K)`` int array of
movie indices, best first, padded with ``-1`` (what :func:`cinerec.models.base.top_n`
returns), and the held-out relevant movies as a ``(n_people, n_movies)`` CSR. A list
is computed once at the largest cut-off and every smaller ``k`` reads its prefix, so
one ranking per model gives the whole precision–recall curve.

Definitions (per person, then averaged over the people with at least one relevant
held-out movie — a person with none cannot be ranked well or badly):

* ``hit rate@k``: 1 if any of the top ``k`` is relevant.
* ``precision@k``: relevant among the top ``k`` / ``k``.
* ``recall@k``: relevant among the top ``k`` / all relevant.
* ``NDCG@k``: ``Σ rel_i / log2(i + 1)`` over ranks ``i = 1..k``, divided by the same sum
  for a perfect list (``min(k, n_relevant)`` hits first).
* ``MAP@k``: ``Σ precision@i · rel_i`` over ``i = 1..k``, divided by ``min(k, n_relevant)``.

Over the whole list set: ``coverage@k`` (share of the catalogue recommended to
anyone) and ``novelty@k`` (mean popularity rank of what is recommended, 1 = the most
liked movie; higher = less obvious).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Per-person metrics, in display order.
PERSON_METRICS: tuple[str, ...] = ("ndcg", "recall", "precision", "map", "hit_rate")


def hits(top: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """``(n_people, K)`` bool: whether each recommended movie is relevant to its person."""
    top = np.asarray(top)
    relevant = sp.csr_matrix(relevant)
    rows = np.repeat(np.arange(top.shape[0]), top.shape[1])
    cols = top.ravel()
    valid = cols >= 0
    found = np.zeros(cols.size, dtype=bool)
    found[valid] = np.asarray(relevant[rows[valid], cols[valid]]).ravel() > 0
    return found.reshape(top.shape)


def person_metrics(hit: np.ndarray, n_relevant: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Each of :data:`PERSON_METRICS` at cut-off ``k`` for every person (float64 arrays).

    ``hit`` is :func:`hits`' output (at least ``k`` columns); ``n_relevant`` the number of
    relevant held-out movies per person. People with none get NaN everywhere.
    """
    hit = np.asarray(hit, dtype=np.float64)[:, :k]
    n_relevant = np.asarray(n_relevant, dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal_counts = np.minimum(n_relevant, k).astype(np.int64)
    ideal = np.concatenate(([0.0], np.cumsum(discounts)))[ideal_counts]
    n_hits = hit.sum(axis=1)
    precision_at_i = np.cumsum(hit, axis=1) / np.arange(1, k + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "ndcg": (hit * discounts).sum(axis=1) / ideal,
            "recall": n_hits / n_relevant,
            "precision": n_hits / k,
            "map": (precision_at_i * hit).sum(axis=1) / ideal_counts,
            "hit_rate": (n_hits > 0).astype(np.float64),
        }
    has_relevant = n_relevant > 0
    return {name: np.where(has_relevant, value, np.nan) for name, value in values.items()}


def coverage(top: np.ndarray, n_movies: int, k: int) -> float:
    """Share of the catalogue that appears in at least one top-``k`` list."""
    shown = np.asarray(top)[:, :k]
    shown = shown[shown >= 0]
    return float(np.unique(shown).size / n_movies) if n_movies else 0.0


def popularity_ranks(like_counts: np.ndarray) -> np.ndarray:
    """Rank of each movie by how many people liked it (1 = most liked; ties share the
    better rank), as float64 — the scale :func:`novelty` reports on."""
    counts = np.asarray(like_counts)
    order = np.sort(counts)[::-1]
    return (np.searchsorted(-order, -counts, side="left") + 1).astype(np.float64)


def novelty(top: np.ndarray, ranks: np.ndarray, k: int) -> float:
    """Mean popularity rank of the recommended movies (higher = less obvious)."""
    shown = np.asarray(top)[:, :k]
    shown = shown[shown >= 0]
    return float(np.asarray(ranks)[shown].mean()) if shown.size else float("nan")


def list_recall(lists: np.ndarray, liked: sp.csr_matrix, hidden: np.ndarray, k: int) -> np.ndarray:
    """How often a hidden liked movie comes back in the lists of the person's other liked movies.

    ``lists`` is ``(n_movies, >= k)`` movie → related movies, best first, ``-1`` padded
    (a *similar* or *also liked* model's neighbour lists); ``liked`` the people's other
    liked movies; ``hidden`` one hidden liked movie per person (``-1`` = none). For each
    person, the share of their liked movies whose top-``k`` list contains the hidden one —
    how a person browsing those lists would find it. NaN for people with nothing to
    browse or nothing hidden.
    """
    lists = np.asarray(lists)[:, :k]
    liked = sp.csr_matrix(liked)
    hidden = np.asarray(hidden)
    n_liked = np.diff(liked.indptr)
    result = np.full(hidden.size, np.nan)
    usable = (hidden >= 0) & (n_liked > 0)
    if not usable.any():
        return result
    person = np.repeat(np.arange(hidden.size), n_liked)
    source = liked.indices
    contains = (lists[source] == hidden[person][:, None]).any(axis=1)
    found = np.bincount(person, weights=contains, minlength=hidden.size)
    result[usable] = found[usable] / n_liked[usable]
    return result
