"""Answering from a model directory: the fitted parts, opened once, scoring people.

:class:`Engine` opens a model directory once (verified, arrays memory-mapped) and
answers: the components' scores and *For you*'s for a block of people, the four
sections for one person (worded in :mod:`cinerec.sections`), "movies like this one".
People become queries in :mod:`cinerec.query`; blocks of many people are
:mod:`cinerec.batch`'s; fitting is :mod:`cinerec.build`'s. The CLI and the web service
are thin layers over this class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from cinerec import sections
from cinerec.artifacts import ModelDirectory
from cinerec.errors import ModelError, first_line
from cinerec.models.base import QueryBatch, Recommender, misaligned
from cinerec.models.config import schema_digest
from cinerec.models.for_you import ForYou
from cinerec.models.registry import component_class
from cinerec.profile import Profile
from cinerec.query import QueryBuilder
from cinerec.sections import Recommendation, Recommendations

#: Components only *For you*'s newcomer ranking reads (see :meth:`Engine.newcomer_signals`).
NEWCOMER_COMPONENTS = frozenset({"fans"})


class Engine:
    """Fitted recommenders plus what is needed to answer without the dataset.

    ``components`` are fitted models by name (at least ``content``, ``also_liked`` and
    ``people_like_you``, which the sections show; every component may be blended into
    *For you* by :attr:`for_you`'s blend weights; ``fans`` ranks newcomers), all indexing
    movies in the order of ``movies`` (the catalogue table with ``n_ratings``).
    ``users`` holds the known users' ids and demographics; ``history`` their training
    ratings, ``(n_users, n_movies)`` CSR. Build one with :meth:`load` (a model
    directory) or :func:`cinerec.build.fit_engine` (in memory, as the evaluation does).
    """

    def __init__(self, components: Mapping[str, Recommender], movies: pd.DataFrame, users: pd.DataFrame,
                 history: sp.csr_matrix, for_you: ForYou | None = None, manifest: Mapping[str, Any] | None = None):
        from cinerec.catalogue import Catalogue

        self.components = dict(components)
        self.movies = movies.reset_index(drop=True)
        self.movie_ids = self.movies["movie_id"].to_numpy(np.int32)
        self.catalogue = Catalogue.from_movies(self.movies)
        self.users = users.reset_index(drop=True)
        self.history = history
        self.queries = QueryBuilder(self.movie_ids, self.users, history)
        self.for_you = for_you or ForYou.for_components(self.components)
        self.manifest = dict(manifest or {})
        self.content = self.components["content"]
        self.also_liked = self.components["also_liked"]
        self.people_like_you = self.components["people_like_you"]

    @classmethod
    def load(cls, path: str | Path, *, verify_checksums: bool = True) -> Engine:
        """Open a model directory (verified; large arrays memory-mapped). Checksums may be
        skipped only where the same directory was just verified (a cluster's workers,
        after the driver)."""
        from cinerec.build import CATALOGUE_FILE, USERS_FILE

        model_dir = ModelDirectory.open(path, verify_checksums=verify_checksums)
        classes = {name: component_class(spec["class"]) for name, spec in model_dir.manifest["components"].items()}
        if model_dir.manifest.get("schema") != schema_digest(classes.values()):
            raise ModelError(f"{model_dir.path}: built by a cinerec whose models take other settings; rebuild it "
                             "with cinerec build")
        components = {name: model_dir.component(name, cls) for name, cls in classes.items()}
        try:
            movies = pq.read_table(model_dir.path / CATALOGUE_FILE).to_pandas()
            users = pq.read_table(model_dir.path / USERS_FILE).to_pandas()
            history = sp.csr_matrix(
                (model_dir.array("history_ratings"), model_dir.array("history_indices"),
                 model_dir.array("history_indptr")), shape=(len(users), len(movies)))
            history.check_format(full_check=False)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ModelError(f"{model_dir.path}: damaged ({first_line(exc)}); rebuild the model") from None
        if (name := misaligned(components, movies["movie_id"].to_numpy())) is not None:
            raise ModelError(f"{model_dir.path}: damaged (its {name} part and its catalogue list different movies); "
                             "rebuild the model")
        return cls(components, movies, users, history, for_you=saved_for_you(model_dir.manifest),
                   manifest=model_dir.manifest)

    def warm_up(self) -> None:
        """Answer one made-up person, so that what scoring derives from the model on first
        use (similarity matrices, the demographic neighbours' arrays, the pages of the
        memory-mapped arrays) is ready before the first real person asks — a service calls
        this before it listens, so that the first visitor does not wait for it (its cost:
        docs/performance.md#building-and-answering-at-25m)."""
        if self.movie_ids.size:
            most_rated = int(self.movie_ids[np.argmax(self.movies["n_ratings"].to_numpy())])
            self.recommend(Profile(liked=(most_rated,), gender="F", age_band="25-34"), n=1)

    # ----------------------------------------------------------------- lookups
    def movie_index(self, movie_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Column of each movie id; :class:`QueryError` names the first the model does not know."""
        return self.queries.movie_index(movie_ids)

    def user_index(self, user_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row of each known user, ``-1`` for ids the model has not seen."""
        return self.queries.user_index(user_ids)

    def links(self, movie_id: int) -> dict[str, str]:
        """The movie's pages on MovieLens, IMDb and TMDB by site (empty where the release
        had no ``links.csv``): links for a person to follow, nothing fetched."""
        from cinerec.catalogue import movie_links

        row = self.movie_index([movie_id])[0]
        return movie_links(movie_id, *(_optional_int(self.movies[column].iloc[row]) if column in self.movies
                                       else None for column in ("imdb_id", "tmdb_id")))

    def label(self, index: int) -> str:
        """"Die Hard (1988)" for a movie index."""
        return self.catalogue.label(int(self.movie_ids[index]))

    # ----------------------------------------------------------------- queries
    def query_batch(self, profiles: Sequence[Profile]) -> QueryBatch:
        """Turn profiles into the block of queries every model scores (see
        :class:`~cinerec.query.QueryBuilder`)."""
        return self.queries.batch(profiles)

    def component_scores(self, queries: QueryBatch, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """The named components' ``(q, n_movies)`` scores for a block of queries (default:
        every component but those only newcomers are ranked by, which
        :meth:`newcomer_signals` asks for the newcomers alone)."""
        if names is None:
            names = [name for name in self.components if name not in NEWCOMER_COMPONENTS]
        return {name: self.components[name].score(queries) for name in names}

    def for_you_scores(self, queries: QueryBatch, scores: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """*For you* scores; ``scores`` may hold component scores already computed for the
        block (the rest of what the history blend weighs is computed here)."""
        scores = dict(scores or {})
        missing = [name for name in self.weighted_components() if name not in scores]
        scores.update(self.component_scores(queries, missing))
        return self.for_you.combine(scores, queries, self.newcomer_signals)

    def newcomer_signals(self, queries: QueryBatch) -> dict[str, np.ndarray]:
        """What *For you* ranks newcomers by (see :class:`~cinerec.models.for_you.ForYou`):
        the fans' log shares and the demographic lift; nothing without a fans model."""
        if "fans" not in self.components:
            return {}
        return {"fans": self.components["fans"].score(queries), "demographic_lift": self.people_like_you.lift(queries)}

    def weighted_components(self) -> list[str]:
        """The components *For you*'s history blend weighs (a non-zero weight)."""
        weights = self.for_you.blend.weights
        return [name for name in self.components if weights.get(name, 0.0) != 0.0]

    def recommend(self, profile: Profile, n: int = 10) -> Recommendations:
        """The four sections for one person (at most the whole catalogue each), worded
        for them by :mod:`cinerec.sections`."""
        return sections.recommend(self, profile, n)

    def similar(self, movie_id: int, n: int = 10) -> list[Recommendation]:
        """Movies most similar in content to one movie."""
        return sections.similar(self, movie_id, n)

    def also_liked_for(self, movie_id: int, n: int = 10) -> list[Recommendation]:
        """Movies most liked by the people who liked one movie."""
        return sections.also_liked_for(self, movie_id, n)

    def list_length(self, n: int) -> int:
        """``n`` capped at the catalogue's size: no list can be longer, and arrays are sized by it."""
        return max(0, min(int(n), int(self.movie_ids.size)))



def saved_for_you(manifest: Mapping[str, Any]) -> ForYou:
    """The *For you* configuration a model directory's build saved."""
    if not isinstance(manifest.get("for_you"), Mapping):
        raise ModelError("the model directory has no For you settings; rebuild it")
    return ForYou.from_json(manifest["for_you"])


def _optional_int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)

