"""Answering questions from a model directory: the four kinds of recommendation.

:class:`Engine` opens a model directory once (verified, arrays memory-mapped) and
then answers, for a person, *Similar to what you like*, *People who liked X also
liked*, *Popular with people like you* and *For you* — each movie with its year,
genres and a short reason — plus "movies like this one" and vectorised batches.
The CLI and the web service are thin layers over this class; nothing here fits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from cinerec.artifacts import ModelDirectory
from cinerec.data.dataset import Vocabulary
from cinerec.errors import ModelError, QueryError
from cinerec.models.base import DEMOGRAPHIC_COLUMNS, QueryBatch, Recommender, top_n
from cinerec.models.for_you import ForYou
from cinerec.models.likes import likes_matrix
from cinerec.models.config import schema_digest
from cinerec.models.registry import component_class
from cinerec.profile import Profile

if TYPE_CHECKING:
    from cinerec.build import BuildOptions
    from cinerec.data.dataset import Dataset

#: Section keys in display order, with their headings.
SECTIONS: dict[str, str] = {
    "similar": "Similar to what you like",
    "also_liked": "People who liked {liked} also liked",
    "people_like_you": "Popular with people like you",
    "for_you": "For you",
}
#: The component behind each of the first three sections, in section order.
SECTION_COMPONENTS: tuple[str, ...] = ("content", "also_liked", "people_like_you")
#: Components that do not score from what the person liked (their reason is not "because you liked").
NON_PERSONAL_COMPONENTS = frozenset({"people_like_you", "popular"})
#: Components only *For you*'s newcomer ranking reads (see :meth:`Engine.newcomer_signals`).
NEWCOMER_COMPONENTS = frozenset({"fans"})
#: The reason of a movie nothing personal put in a list.
CROWD_REASON = "a favourite of many MovieLens viewers"
#: Why *people like you* is empty for someone who gave no demographics.
ASK_DEMOGRAPHICS_NOTE = "tell me your gender, age, occupation or zip code to see this"
#: Why *people like you* is empty on data that describe nobody (ml-latest and ML-10M onwards).
NO_ONE_LIKE_YOU_NOTE = ("this data has no gender, age, occupation or zip code for anyone, so there is no one "
                        "like you to ask")
#: Liked movies the *also liked* heading names before "and N more".
HEADING_SOURCES = 2
#: ``recommend-batch --kind`` values → section keys.
BATCH_KINDS: dict[str, str] = {"for-you": "for_you", "similar": "similar", "also-liked": "also_liked",
                               "people-like-you": "people_like_you"}
#: Dense score blocks are kept under this many cells (~32 MB of float32; the blend's
#: intermediates are several times that, so larger blocks only add memory).
BATCH_CELLS = 8 * 1024 * 1024


@dataclass(frozen=True)
class Recommendation:
    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    score: float
    reason: str

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    items: tuple[Recommendation, ...]
    #: Why a section is empty (e.g. "tell me a movie you like"), for the person to read.
    note: str | None = None


@dataclass(frozen=True)
class Recommendations:
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


class Engine:
    """Fitted recommenders plus what is needed to answer without the dataset.

    ``components`` are fitted models by name (at least ``content``, ``also_liked`` and
    ``people_like_you``, which the sections show; every component may be blended into
    *For you* by :attr:`for_you`'s blend weights; ``fans`` ranks newcomers), all indexing
    movies in the order of ``movies`` (the catalogue table with ``n_ratings``).
    ``users`` holds the known users' ids and demographics; ``history`` their training
    ratings, ``(n_users, n_movies)`` CSR. Build one with :meth:`load` (a model
    directory) or :meth:`fit` (in memory, as the evaluation does).
    """

    def __init__(self, components: Mapping[str, Recommender], movies: pd.DataFrame, users: pd.DataFrame,
                 history: sp.csr_matrix, for_you: ForYou | None = None, manifest: Mapping[str, Any] | None = None):
        from cinerec.catalogue import Catalogue

        self.components = dict(components)
        self.movies = movies.reset_index(drop=True)
        self.movie_ids = self.movies["movie_id"].to_numpy(np.int32)
        self.catalogue = Catalogue.from_movies(self.movies)
        self.users = users.reset_index(drop=True)
        self.movie_vocab = Vocabulary(self.movie_ids)
        self.user_vocab = Vocabulary(self.users["user_id"].to_numpy(np.int64))
        self.history = history
        self._stored_demographics = {
            column: self.users[column].astype(object).where(self.users[column].notna(), None).to_numpy()
            for column in DEMOGRAPHIC_COLUMNS}
        self.for_you = for_you or ForYou.for_components(self.components)
        self.manifest = dict(manifest or {})
        self.content = self.components["content"]
        self.also_liked = self.components["also_liked"]
        self.people_like_you = self.components["people_like_you"]

    @classmethod
    def load(cls, path: str | Path) -> Engine:
        """Open a model directory (verified; large arrays memory-mapped)."""
        from cinerec.build import CATALOGUE_FILE, USERS_FILE

        model_dir = ModelDirectory.open(path)
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
            raise ModelError(f"{model_dir.path}: damaged ({_first_line(exc)}); rebuild the model") from None
        _check_same_movies(model_dir.path, movies, components)
        return cls(components, movies, users, history, for_you=saved_for_you(model_dir.manifest),
                   manifest=model_dir.manifest)

    @classmethod
    def fit(cls, dataset: Dataset, options: BuildOptions | None = None) -> Engine:
        """Fit every component on ``dataset`` in memory (no model directory)."""
        from cinerec.build import BuildOptions, catalogue_table, fit_components, users_table

        fitted, _ = fit_components(dataset, options or BuildOptions(report=False))
        return cls(fitted, catalogue_table(dataset), users_table(dataset), dataset.rating_matrix())

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
        try:
            return self.movie_vocab.index(np.asarray(movie_ids, dtype=np.int64))
        except KeyError as exc:
            raise QueryError(f"movie id {exc.args[0]} is not in this model's catalogue") from None

    def user_index(self, user_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row of each known user, ``-1`` for ids the model has not seen."""
        return self.user_vocab.positions(np.asarray(user_ids, dtype=np.int64))

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

    def _item(self, index: int, score: float, reason: str) -> Recommendation:
        movie = self.catalogue.details(int(self.movie_ids[index]))
        return Recommendation(movie.movie_id, movie.title, movie.year, movie.genres, float(score), reason)

    # ----------------------------------------------------------------- queries
    def query_batch(self, profiles: Sequence[Profile]) -> QueryBatch:
        """Turn profiles into the block of queries every model scores.

        A known user brings their training ratings (their likes follow the project's
        definition of liking) and, unless the profile says otherwise, their
        demographics; named likes count +1, named dislikes −1.
        """
        n_movies = self.movie_ids.size
        rows = self.user_index([p.user_id if p.user_id is not None else -1 for p in profiles])
        ratings = self._history_rows(rows)
        history_likes = likes_matrix(ratings) if ratings.nnz else ratings
        named_cells, named_values = self._named_cells(profiles)
        # A movie the person names overrides what their history says about it.
        like_cells = _cells(history_likes)
        kept = ~np.isin(like_cells, named_cells)
        likes = _csr_from_cells(np.concatenate([like_cells[kept], named_cells]),
                                np.concatenate([history_likes.data[kept], named_values]), len(profiles), n_movies)
        seen_cells = np.union1d(_cells(ratings), named_cells)
        seen = _csr_from_cells(seen_cells, np.ones(seen_cells.size, np.float32), len(profiles), n_movies)
        return QueryBatch(likes=likes, ratings=ratings, demographics=self._demographics(profiles, rows), seen=seen)

    def _history_rows(self, rows: np.ndarray) -> sp.csr_matrix:
        """The training ratings of each known row (``-1`` = an empty row), float32 CSR."""
        history = self.history
        source = np.where(rows >= 0, rows, 0)
        lengths = np.where(rows >= 0, history.indptr[source + 1] - history.indptr[source], 0).astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        entries = np.repeat(history.indptr[source].astype(np.int64) - indptr[:-1], lengths) + \
            np.arange(indptr[-1], dtype=np.int64)
        return sp.csr_matrix((np.asarray(history.data[entries], np.float32), history.indices[entries], indptr),
                             shape=(rows.size, history.shape[1]))

    def _named_cells(self, profiles: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
        """The liked (+1) and disliked (−1) movies the profiles name, as sorted cells
        ``row * n_movies + column`` with summed values; a movie named both ways counts as
        not named at all."""
        rows, columns, values = [], [], []
        for i, profile in enumerate(profiles):
            for ids, value in ((profile.liked, 1.0), (profile.disliked, -1.0)):
                if ids:
                    columns.append(self.movie_index(ids))
                    rows.append(np.full(len(ids), i, np.int64))
                    values.append(np.full(len(ids), value))
        if not columns:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cells, inverse = np.unique(np.concatenate(rows) * self.movie_ids.size + np.concatenate(columns),
                                   return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=np.concatenate(values), minlength=cells.size)
        named = summed != 0
        return cells[named], summed[named].astype(np.float32)

    def _demographics(self, profiles: Sequence[Profile], rows: np.ndarray) -> pd.DataFrame:
        """Each person's demographics: what the profile says, else what the training data knew."""
        table = np.empty((len(profiles), len(DEMOGRAPHIC_COLUMNS)), dtype=object)
        for j, column in enumerate(DEMOGRAPHIC_COLUMNS):
            given = np.asarray([getattr(p, column) for p in profiles], dtype=object)
            fill = (given == None) & (rows >= 0)  # noqa: E711 - element-wise
            given[fill] = self._stored_demographics[column][rows[fill]]
            table[:, j] = given
        # One object block: no per-column string inference, which costs more than the answer's ranking.
        return pd.DataFrame(table, columns=list(DEMOGRAPHIC_COLUMNS), dtype=object)

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
        missing = [name for name in self._weighted_components() if name not in scores]
        scores.update(self.component_scores(queries, missing))
        return self.for_you.combine(scores, queries, self.newcomer_signals)

    def newcomer_signals(self, queries: QueryBatch) -> dict[str, np.ndarray]:
        """What *For you* ranks newcomers by (see :class:`~cinerec.models.for_you.ForYou`):
        the fans' log shares and the demographic lift; nothing without a fans model."""
        if "fans" not in self.components:
            return {}
        return {"fans": self.components["fans"].score(queries), "demographic_lift": self.people_like_you.lift(queries)}

    def _weighted_components(self) -> list[str]:
        weights = self.for_you.blend.weights
        return [name for name in self.components if weights.get(name, 0.0) != 0.0]

    def recommend(self, profile: Profile, n: int = 10) -> Recommendations:
        """The four sections for one person (at most the whole catalogue each)."""
        n = self._list_length(n)
        queries = self.query_batch([profile])
        weighted = self._weighted_components()
        scores = self.component_scores(queries, list(dict.fromkeys([*SECTION_COMPONENTS, *weighted])))
        # One row of plain values: pandas' row access costs more than the rest of a section.
        person = dict(zip(queries.demographics.columns, queries.demographics.to_numpy(object)[0]))
        described = getattr(self.people_like_you, "describes_anyone", True)
        # On data that describe nobody, "people like you" is everyone: For you names no group.
        who = describe_people(person) if described else describe_people({})
        has_demographics = any(pd.notna(value) for value in person.values())
        sections = [
            self._neighbour_section("similar", SECTIONS["similar"], self.content, scores["content"], queries, n,
                                    "because you liked {}"),
            self._neighbour_section("also_liked", self._also_liked_heading, self.also_liked,
                                    scores["also_liked"], queries, n, "fans of {} also liked it"),
            self._people_like_you_section(queries, n, who if has_demographics else None, described),
            self._for_you_section(queries, {name: scores[name] for name in weighted}, n, who),
        ]
        return Recommendations(tuple(sections))

    def _also_liked_heading(self, sources: np.ndarray) -> str:
        """"People who liked X, Y and 2 more also liked", naming the liked movies the
        shown items came from (``sources``: :meth:`explain`'s answer for them, ``-1`` for
        none), those behind the most items first."""
        shown = np.asarray(sources)[np.asarray(sources) >= 0]
        if shown.size == 0:
            return SECTIONS["also_liked"].format(liked="what you like")
        distinct, first, counts = np.unique(shown, return_index=True, return_counts=True)
        order = np.lexsort((first, -counts))  # most items first, then the first shown
        labels = [self.label(int(movie)) for movie in distinct[order]]
        if len(labels) == 1:
            liked = labels[0]
        elif len(labels) == HEADING_SOURCES:
            liked = " and ".join(labels)
        else:
            named = labels[:HEADING_SOURCES]
            liked = f"{', '.join(named)} and {len(labels) - len(named)} more"
        return SECTIONS["also_liked"].format(liked=liked)

    def _neighbour_section(self, key: str, heading: str | Callable[[np.ndarray], str], model, scores: np.ndarray,
                           queries: QueryBatch, n: int, reason: str) -> Section:
        """A section of a neighbour model's list; ``heading`` may be a function of the liked
        movie behind each shown item (:meth:`explain`'s answer), which it then names."""
        if not (queries.likes.data > 0).any():
            title = heading if isinstance(heading, str) else heading(np.zeros(0, dtype=np.int64))
            return Section(key, title, (), note="tell me a movie you like to see this")
        idx, best = top_n(scores.copy(), n, exclude=queries.seen)
        movies = idx[0][idx[0] >= 0]
        sources = model.explain(queries.likes, movies)
        items = tuple(self._item(m, s, reason.format(self.label(src)) if src >= 0 else "")
                      for m, s, src in zip(movies, best[0], sources))
        return Section(key, heading if isinstance(heading, str) else heading(sources), items)

    def _people_like_you_section(self, queries: QueryBatch, n: int, who: str | None,
                                 described: bool = True) -> Section:
        """The section's list (:meth:`~cinerec.models.demographic.PeopleLikeYou.distinctive`,
        not the component's score, which *For you* blends); ``who``: :func:`describe_people`
        of the person, ``None`` when they gave no demographics; ``described``: whether the
        data describe anyone at all."""
        heading = SECTIONS["people_like_you"]
        if not described:
            return Section("people_like_you", heading, (), note=NO_ONE_LIKE_YOU_NOTE)
        if who is None:
            return Section("people_like_you", heading, (), note=ASK_DEMOGRAPHICS_NOTE)
        idx, best = top_n(self.people_like_you.distinctive(queries), n, exclude=queries.seen)
        movies = idx[0][idx[0] >= 0]
        reasons = self._people_like_you_reasons(queries, movies, who)
        items = tuple(self._item(m, s, reason) for m, s, reason in zip(movies, best[0], reasons))
        return Section("people_like_you", f"{heading} ({who})", items)

    def _people_like_you_reasons(self, queries: QueryBatch, movies: np.ndarray, who: str) -> list[str]:
        """"liked by 58% of women 50-55, academic/educator (33% of everyone)": how many of
        the people like the person liked each movie against how many of everyone did —
        what the list is ranked by (see :class:`~cinerec.models.demographic.PeopleLikeYou`)."""
        shares = getattr(self.people_like_you, "liked_shares", None)
        if shares is None or movies.size == 0:
            return [f"popular with {who}"] * movies.size
        people, everyone = shares(queries.demographics)
        return [f"liked by {_percent(people[0, m])} of {who} ({_percent(everyone[m])} of everyone)"
                if np.isfinite(people[0, m]) else f"popular with {who}" for m in movies]

    def _for_you_section(self, queries: QueryBatch, scores: dict[str, np.ndarray], n: int, who: str) -> Section:
        for_you = self.for_you
        standardised = for_you.blend.standardise(scores)  # once, for the ranking and for the reasons
        history = for_you.blend.combine_standardised(standardised, queries.seen) if standardised else \
            np.full((1, self.movie_ids.size), np.nan, dtype=np.float32)
        fans_weight = for_you.fans_weights(queries)
        signals = self.newcomer_signals(queries) if fans_weight[0] > 0 else {}
        combined = plain = history
        if signals:
            # Also mixed without the demographic lift: what the lift alone brought in.
            lists = [for_you.newcomer_scores(signals), for_you.newcomer_scores({"fans": signals["fans"]})]
            combined, plain = for_you.mixes(lists, history, fans_weight, queries.seen)
        idx, best = top_n(combined, n, exclude=queries.seen)
        movies = idx[0][idx[0] >= 0]
        if fans_weight[0] >= 0.5 and signals:
            reasons = self._newcomer_reasons(queries, plain, movies, who)
        else:
            reasons = self._history_reasons(queries, standardised, movies, who)
        items = tuple(self._item(movie, score, reason) for movie, score, reason in zip(movies, best[0], reasons))
        return Section("for_you", SECTIONS["for_you"], items)

    def _history_reasons(self, queries: QueryBatch, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]],
                         movies: np.ndarray, who: str) -> list[str]:
        """Why each movie of a list the history blend led (``standardised``: its components
        as :meth:`Blend.standardise` gives them): the liked movie behind it when the
        strongest contribution was personal, else the group or the crowd."""
        strongest = self.for_you.blend.strongest(standardised, 0, movies) if movies.size else []
        because = self._because(queries, movies, (self.also_liked, self.content))
        reasons = []
        for source, liked in zip(strongest, because):
            if source not in NON_PERSONAL_COMPONENTS and liked >= 0:
                reasons.append(f"because you liked {self.label(liked)}")
            elif source == "people_like_you" and who != "people like you":
                reasons.append(f"popular with {who}")
            else:
                reasons.append(CROWD_REASON)
        return reasons

    def _newcomer_reasons(self, queries: QueryBatch, unlifted: np.ndarray, movies: np.ndarray,
                          who: str) -> list[str]:
        """Why each movie of a list the fans led: "popular with <who>" for a movie only the
        demographic lift brought into the list (not among the best of ``unlifted``, the
        same mix without it), else the liked movie whose fans liked it most."""
        without_lift = set(top_n(unlifted, max(movies.size, 1), exclude=queries.seen)[0][0].tolist())
        because = self._because(queries, movies, (self.components["fans"], self.also_liked, self.content))
        reasons = []
        for movie, liked in zip(movies, because):
            if movie not in without_lift and who != "people like you":
                reasons.append(f"popular with {who}")
            elif liked >= 0:
                reasons.append(f"because you liked {self.label(liked)}")
            else:
                reasons.append(CROWD_REASON)
        return reasons

    def _because(self, queries: QueryBatch, movies: np.ndarray, explainers: Sequence[Any]) -> np.ndarray:
        """For each movie, the liked movie the first explainer that has one names (``-1``: none)."""
        because = np.full(movies.size, -1, dtype=np.int64)
        for model in explainers:
            open_ = because < 0
            if not open_.any():
                break
            because[open_] = model.explain(queries.likes, movies[open_])
        return because

    def _list_length(self, n: int) -> int:
        """``n`` capped at the catalogue's size: no list can be longer, and arrays are sized by it."""
        return max(0, min(int(n), int(self.movie_ids.size)))

    def similar(self, movie_id: int, n: int = 10) -> list[Recommendation]:
        """Movies most similar in content to one movie."""
        index = int(self.movie_index([movie_id])[0])
        neighbours, sims = self.content.similar(index, n)
        return [self._item(m, s, f"like {self.label(index)}") for m, s in zip(neighbours, sims)]

    def also_liked_for(self, movie_id: int, n: int = 10) -> list[Recommendation]:
        """Movies most liked by the people who liked one movie."""
        index = int(self.movie_index([movie_id])[0])
        neighbours, sims = self.also_liked.similar(index, n)
        return [self._item(m, s, f"fans of {self.label(index)} also liked it") for m, s in zip(neighbours, sims)]

    def recommend_batch(self, profiles: Sequence[Profile], n: int = 10, kind: str = "for-you") -> pd.DataFrame:
        """Top-``n`` per profile (at most the catalogue) as ``user_id, rank, movie_id, score``
        rows, computed blockwise."""
        n = self._list_length(n)
        key = BATCH_KINDS[kind]
        block = max(1, BATCH_CELLS // max(self.movie_ids.size, 1))
        frames = []
        for start in range(0, len(profiles), block):
            chunk = profiles[start: start + block]
            queries = self.query_batch(chunk)
            scores = self._batch_scores(key, queries)
            idx, best = top_n(scores, n, exclude=queries.seen)
            user_ids = np.repeat([p.user_id for p in chunk], n)
            ranks = np.tile(np.arange(1, n + 1), len(chunk))
            valid = idx.ravel() >= 0
            frames.append(pd.DataFrame({
                "user_id": user_ids[valid], "rank": ranks[valid],
                "movie_id": self.movie_ids[idx.ravel()[valid]], "score": best.ravel()[valid],
            }))
        if not frames:
            return pd.DataFrame(columns=["user_id", "rank", "movie_id", "score"])
        return pd.concat(frames, ignore_index=True)

    def _batch_scores(self, key: str, queries: QueryBatch) -> np.ndarray:
        """The scores of the section ``key`` (as :meth:`recommend` ranks it) for a block."""
        if key == "for_you":
            return self.for_you_scores(queries)
        if key == "people_like_you":
            return self.people_like_you.distinctive(queries)
        return self.components[SECTION_COMPONENTS[list(SECTIONS).index(key)]].score(queries)


def saved_for_you(manifest: Mapping[str, Any]) -> ForYou:
    """The *For you* configuration a model directory's build saved."""
    if not isinstance(manifest.get("for_you"), Mapping):
        raise ModelError("the model directory has no For you settings; rebuild it")
    return ForYou.from_json(manifest["for_you"])


def _percent(share: float) -> str:
    """A share as a person reads it: "58%", "under 1%" for a few in a thousand."""
    share = float(share)
    return "under 1%" if 0 < share < 0.005 else f"{share:.0%}"


def _cells(matrix: sp.csr_matrix) -> np.ndarray:
    """A CSR matrix's stored positions as ``row * n_columns + column`` (int64)."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * matrix.shape[1] + matrix.indices


def _csr_from_cells(cells: np.ndarray, values: np.ndarray, n_rows: int, n_columns: int) -> sp.csr_matrix:
    """A float32 CSR matrix with sorted indices from distinct cells and their values —
    the canonical form the sparse arithmetic this replaces produced."""
    order = np.argsort(cells, kind="stable")
    cells = cells[order]
    indptr = np.searchsorted(cells, np.arange(n_rows + 1, dtype=np.int64) * n_columns).astype(np.int32)
    return sp.csr_matrix((np.asarray(values, np.float32)[order], (cells % n_columns).astype(np.int32), indptr),
                         shape=(n_rows, n_columns))


def _check_same_movies(path: Path, movies: pd.DataFrame, components: Mapping[str, Recommender]) -> None:
    """Every component must index the catalogue's movies, in its order: a model directory
    pieced together from two builds answers nonsense, so it is refused at load."""
    movie_ids = movies["movie_id"].to_numpy()
    for name, component in components.items():
        if not np.array_equal(np.asarray(component.movie_ids_), movie_ids):
            raise ModelError(f"{path}: damaged (its {name} part and its catalogue list different movies); "
                             "rebuild the model")


def _optional_int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def describe_people(demographics: Mapping[str, Any] | pd.Series) -> str:
    """A short description of a demographic profile: "men 25-34, programmer, zip 871xx"."""
    parts = [{"M": "men", "F": "women"}.get(demographics.get("gender") or "", "people")]
    if demographics.get("age_band"):
        parts[0] += f" {demographics['age_band']}"
    if demographics.get("occupation"):
        parts.append(str(demographics["occupation"]))
    if demographics.get("zip"):
        parts.append(f"zip {str(demographics['zip'])[:3]}xx")
    return ", ".join(parts) if len(parts) > 1 or parts[0] != "people" else "people like you"
