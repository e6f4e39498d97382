"""The contenders an evaluation ranks side by side, all scoring the same query blocks.

Every contender turns a :class:`~cinerec.models.base.QueryBatch` (plus the engine's
component scores for that block, computed once and shared) into ``(q, n_movies)``
scores, so the product's own recommenders, the seed's methods and the textbook
baselines meet on exactly the same people, candidates and exclusions:

* baselines: ``random`` (seeded), ``popular`` (most liked), ``item-knn`` (cosine
  item-kNN with 50 neighbours, the usual reference);
* the seed's methods, reproduced in :mod:`cinerec.models.seed`: ``seed-also-liked``,
  ``seed-people-like-you``;
* cinerec's components as the engine fitted them: ``similar`` (content),
  ``also-liked``, ``people-like-you``, ``ease`` (the collaborative model), and
  ``for-you`` (the blend the product serves).

A contender that has movie → movie lists (the neighbour models and EASE) also
exposes them, for the list measure of :func:`cinerec.evaluation.metrics.list_recall`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np

from cinerec.data.dataset import Dataset
from cinerec.engine import Engine
from cinerec.errors import CinerecError
from cinerec.evaluation.names import CONTENDERS
from cinerec.models.base import QueryBatch, Recommender, require, top_n
from cinerec.models.likes import likes_matrix
from cinerec.models.neighbor_search import top_k_neighbors
from cinerec.models.neighbors import NeighborScorer
from cinerec.models.seed import SeedAlsoLiked, SeedPeopleLikeYou

#: ``score(queries, component_scores, block_start)`` → ``(q, n_movies)`` float32.
ScoreFn = Callable[[QueryBatch, Mapping[str, np.ndarray], int], np.ndarray]


@dataclass(frozen=True)
class Contender:
    """One row of the results table.

    ``needs`` says what a person must have told us for the contender to say anything:
    ``"history"`` (liked movies), ``"demographics"`` or ``"nothing"``; contenders that
    cannot answer under a protocol are left out of it. ``lists`` returns the top-``k``
    related movies of every movie, ``(n_movies, k)``, for those that have such lists.
    """

    name: str
    description: str
    needs: str
    score: ScoreFn
    lists: Callable[[int], np.ndarray] | None = None


class ItemKNN(NeighborScorer):
    """Textbook item-kNN: cosine between movies' columns of the likes matrix, ``k`` kept.

    The reference row every recommender paper reports; no shrinkage, no asymmetry,
    no locality — the plain version to measure :class:`~cinerec.models.also_liked.AlsoLiked`
    against. Learned attributes: ``neighbors_``, ``similarities_``, ``movie_ids_``.
    """

    def __init__(self, k: int = 50):
        self.k = k

    def fit(self, dataset: Dataset) -> Self:
        require(self, "k", int(self.k) >= 1, "must be at least 1")
        # Imported here: scikit-learn takes about 2 s to import, and only item-kNN needs it.
        from sklearn.preprocessing import normalize

        vectors = normalize(likes_matrix(dataset).T.tocsr().astype(np.float32), norm="l2", axis=1)
        self.neighbors_, self.similarities_ = top_k_neighbors(vectors, int(self.k), description="item-kNN")
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self


def contenders(engine: Engine, train: Dataset, names: Sequence[str], seed: int,
               ease: Recommender | None = None) -> list[Contender]:
    """The contenders called ``names`` (see :data:`CONTENDERS`), fitted on ``train`` where
    they are not engine components. ``ease``, when given, is the ``ease`` row instead of
    the engine's collaborative component (EASE tuned on its own, not for the blend)."""
    unknown = [name for name in names if name not in CONTENDERS]
    if unknown:
        raise CinerecError(f"unknown model {unknown[0]!r} for --models; choose from {', '.join(CONTENDERS)}")
    makers: dict[str, Callable[[], Contender | None]] = {
        "random": lambda: Contender("random", "random order (seeded)", "nothing", random_scores(seed)),
        "popular": lambda: _component("popular", "popular", "most liked movies", "nothing", engine),
        "seed-also-liked": lambda: _fitted("seed-also-liked", "the seed's also-liked (summed high ratings)",
                                           "history", SeedAlsoLiked().fit(train)),
        "seed-people-like-you": lambda: _fitted("seed-people-like-you",
                                                "the seed's k-means clusters of demographics",
                                                "demographics", SeedPeopleLikeYou(random_state=seed).fit(train)),
        "item-knn": lambda: _fitted("item-knn", "item-kNN cosine, 50 neighbours", "history", ItemKNN().fit(train)),
        "similar": lambda: _component("similar", "content", "similar in content (title, genres, era, tags)",
                                      "history", engine),
        "also-liked": lambda: _component("also-liked", "also_liked", "what fans also liked (asymmetric cosine)",
                                         "history", engine),
        "people-like-you": lambda: Contender("people-like-you", "popular with people like you (the section's list)",
                                             "demographics", lambda queries, _scores, _start:
                                             engine.people_like_you.distinctive(queries)),
        "ease": lambda: (_fitted("ease", "EASE collaborative model", "history", ease) if ease is not None else
                         _component("ease", "collaborative", "EASE collaborative model", "history", engine)),
        "for-you": lambda: Contender("for-you", "the For you blend", "nothing",
                                     lambda queries, scores, _start: engine.for_you_scores(queries, scores)),
    }
    chosen = [makers[name]() for name in CONTENDERS if name in names]
    return [c for c in chosen if c is not None]


def random_scores(seed: int) -> ScoreFn:
    """Uniform random scores, reproducible per block (seeded by ``seed`` and the block)."""
    def score(queries: QueryBatch, _scores: Mapping[str, np.ndarray], start: int) -> np.ndarray:
        rng = np.random.default_rng([seed, start])
        return rng.random((queries.n_queries, queries.n_movies), dtype=np.float32)
    return score


def _component(name: str, key: str, description: str, needs: str, engine: Engine) -> Contender | None:
    """A component of the engine as a contender; ``None`` when the build has none (no
    EASE for a very large catalogue)."""
    model = engine.components.get(key)
    if model is None:
        return None
    return Contender(name, description, needs, lambda _queries, scores, _start: scores[key], _lists_of(model))


def _fitted(name: str, description: str, needs: str, model: Recommender) -> Contender:
    return Contender(name, description, needs, lambda queries, _scores, _start: model.score(queries),
                     _lists_of(model))


def _lists_of(model: Recommender) -> Callable[[int], np.ndarray] | None:
    """A model's movie → movie top-``k`` lists: neighbour lists as learned, or the
    largest EASE weights of each modelled movie's row (``-1`` rows for the others)."""
    if isinstance(model, NeighborScorer):
        return lambda k: np.asarray(model.neighbors_)[:, :k]
    if not hasattr(model, "weights_"):
        return None

    def ease_lists(k: int) -> np.ndarray:
        modelled = np.asarray(model.modelled_)
        weights = np.array(model.weights_, dtype=np.float32)
        np.fill_diagonal(weights, np.nan)  # a movie is not its own neighbour
        best = top_n(weights, k)[0]
        lists = np.full((np.asarray(model.movie_ids_).size, k), -1, dtype=np.int32)
        lists[modelled] = np.where(best >= 0, modelled[best], -1)
        return lists
    return ease_lists
