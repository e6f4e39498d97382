"""What a person reads: the four sections, their headings, and each movie's reason.

:func:`recommend` turns a model's scores for one person into *Similar to what you like*,
*People who liked X also liked*, *Popular with people like you* and *For you*; every
"because you liked Die Hard (1988)" and "liked by 58% of women 50-55" is written here,
next to the ranking it explains, so a reason can never drift from what ranked the movie.
The engine scores; this module words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cinerec.models.base import QueryBatch, top_n
from cinerec.profile import Profile

if TYPE_CHECKING:
    from cinerec.engine import Engine

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
#: The reason of a movie nothing personal put in a list.
CROWD_REASON = "a favourite of many MovieLens viewers"
#: Why *people like you* is empty for someone who gave no demographics.
ASK_DEMOGRAPHICS_NOTE = "tell me your gender, age, occupation or zip code to see this"
#: Why *people like you* is empty on data that describe nobody (ml-latest and ML-10M onwards).
NO_ONE_LIKE_YOU_NOTE = ("this data has no gender, age, occupation or zip code for anyone, so there is no one "
                        "like you to ask")
#: Liked movies the *also liked* heading names before "and N more".
HEADING_SOURCES = 2


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


def recommend(engine: Engine, profile: Profile, n: int = 10) -> Recommendations:
    """The four sections for one person (at most the whole catalogue each)."""
    n = engine.list_length(n)
    queries = engine.query_batch([profile])
    weighted = engine.weighted_components()
    scores = engine.component_scores(queries, list(dict.fromkeys([*SECTION_COMPONENTS, *weighted])))
    # One row of plain values: pandas' row access costs more than the rest of a section.
    person = dict(zip(queries.demographics.columns, queries.demographics.to_numpy(object)[0]))
    described = getattr(engine.people_like_you, "describes_anyone", True)
    # On data that describe nobody, "people like you" is everyone: For you names no group.
    who = describe_people(person) if described else describe_people({})
    has_demographics = any(pd.notna(value) for value in person.values())
    sections = [
        _neighbour_section(engine, "similar", SECTIONS["similar"], engine.content, scores["content"], queries, n,
                           "because you liked {}"),
        _neighbour_section(engine, "also_liked", partial(also_liked_heading, engine), engine.also_liked,
                           scores["also_liked"], queries, n, "fans of {} also liked it"),
        _people_like_you_section(engine, queries, n, who if has_demographics else None, described),
        _for_you_section(engine, queries, {name: scores[name] for name in weighted}, n, who),
    ]
    return Recommendations(tuple(sections))


def also_liked_heading(engine: Engine, sources: np.ndarray) -> str:
    """"People who liked X, Y and 2 more also liked", naming the liked movies the
    shown items came from (``sources``: :meth:`explain`'s answer for them, ``-1`` for
    none), those behind the most items first."""
    shown = np.asarray(sources)[np.asarray(sources) >= 0]
    if shown.size == 0:
        return SECTIONS["also_liked"].format(liked="what you like")
    distinct, first, counts = np.unique(shown, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))  # most items first, then the first shown
    labels = [engine.label(int(movie)) for movie in distinct[order]]
    if len(labels) == 1:
        liked = labels[0]
    elif len(labels) == HEADING_SOURCES:
        liked = " and ".join(labels)
    else:
        named = labels[:HEADING_SOURCES]
        liked = f"{', '.join(named)} and {len(labels) - len(named)} more"
    return SECTIONS["also_liked"].format(liked=liked)


def _neighbour_section(engine: Engine, key: str, heading: str | Callable[[np.ndarray], str], model: Any,
                       scores: np.ndarray, queries: QueryBatch, n: int, reason: str) -> Section:
    """A section of a neighbour model's list; ``heading`` may be a function of the liked
    movie behind each shown item (:meth:`explain`'s answer), which it then names."""
    if not (queries.likes.data > 0).any():
        title = heading if isinstance(heading, str) else heading(np.zeros(0, dtype=np.int64))
        return Section(key, title, (), note="tell me a movie you like to see this")
    idx, best = top_n(scores.copy(), n, exclude=queries.seen)
    movies = idx[0][idx[0] >= 0]
    sources = model.explain(queries.likes, movies)
    items = tuple(_item(engine, m, s, reason.format(engine.label(src)) if src >= 0 else "")
                  for m, s, src in zip(movies, best[0], sources))
    return Section(key, heading if isinstance(heading, str) else heading(sources), items)


def _people_like_you_section(engine: Engine, queries: QueryBatch, n: int, who: str | None,
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
    idx, best = top_n(engine.people_like_you.distinctive(queries), n, exclude=queries.seen)
    movies = idx[0][idx[0] >= 0]
    reasons = _people_like_you_reasons(engine, queries, movies, who)
    items = tuple(_item(engine, m, s, reason) for m, s, reason in zip(movies, best[0], reasons))
    return Section("people_like_you", f"{heading} ({who})", items)


def _people_like_you_reasons(engine: Engine, queries: QueryBatch, movies: np.ndarray, who: str) -> list[str]:
    """"liked by 58% of women 50-55, academic/educator (33% of everyone)": how many of
    the people like the person liked each movie against how many of everyone did —
    what the list is ranked by (see :class:`~cinerec.models.demographic.PeopleLikeYou`)."""
    shares = getattr(engine.people_like_you, "liked_shares", None)
    if shares is None or movies.size == 0:
        return [f"popular with {who}"] * movies.size
    people, everyone = shares(queries.demographics)
    return [f"liked by {_percent(people[0, m])} of {who} ({_percent(everyone[m])} of everyone)"
            if np.isfinite(people[0, m]) else f"popular with {who}" for m in movies]


def _for_you_section(engine: Engine, queries: QueryBatch, scores: dict[str, np.ndarray], n: int,
                     who: str) -> Section:
    for_you = engine.for_you
    standardised = for_you.blend.standardise(scores)  # once, for the ranking and for the reasons
    history = for_you.blend.combine_standardised(standardised, queries.seen) if standardised else \
        np.full((1, engine.movie_ids.size), np.nan, dtype=np.float32)
    fans_weight = for_you.fans_weights(queries)
    signals = engine.newcomer_signals(queries) if fans_weight[0] > 0 else {}
    combined = plain = history
    if signals:
        # Also mixed without the demographic lift: what the lift alone brought in.
        lists = [for_you.newcomer_scores(signals), for_you.newcomer_scores({"fans": signals["fans"]})]
        combined, plain = for_you.mixes(lists, history, fans_weight, queries.seen)
    idx, best = top_n(combined, n, exclude=queries.seen)
    movies = idx[0][idx[0] >= 0]
    if fans_weight[0] >= 0.5 and signals:
        reasons = _newcomer_reasons(engine, queries, plain, movies, who)
    else:
        reasons = _history_reasons(engine, queries, standardised, movies, who)
    items = tuple(_item(engine, movie, score, reason) for movie, score, reason in zip(movies, best[0], reasons))
    return Section("for_you", SECTIONS["for_you"], items)


def _history_reasons(engine: Engine, queries: QueryBatch,
                     standardised: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     movies: np.ndarray, who: str) -> list[str]:
    """Why each movie of a list the history blend led (``standardised``: its components
    as :meth:`Blend.standardise` gives them): the liked movie behind it when the
    strongest contribution was personal, else the group or the crowd."""
    strongest = engine.for_you.blend.strongest(standardised, 0, movies) if movies.size else []
    because = _because(queries, movies, (engine.also_liked, engine.content))
    reasons = []
    for source, liked in zip(strongest, because):
        if source not in NON_PERSONAL_COMPONENTS and liked >= 0:
            reasons.append(f"because you liked {engine.label(liked)}")
        elif source == "people_like_you" and who != "people like you":
            reasons.append(f"popular with {who}")
        else:
            reasons.append(CROWD_REASON)
    return reasons


def _newcomer_reasons(engine: Engine, queries: QueryBatch, unlifted: np.ndarray, movies: np.ndarray,
                      who: str) -> list[str]:
    """Why each movie of a list the fans led: "popular with <who>" for a movie only the
    demographic lift brought into the list (not among the best of ``unlifted``, the
    same mix without it), else the liked movie whose fans liked it most."""
    without_lift = set(top_n(unlifted, max(movies.size, 1), exclude=queries.seen)[0][0].tolist())
    because = _because(queries, movies, (engine.components["fans"], engine.also_liked, engine.content))
    reasons = []
    for movie, liked in zip(movies, because):
        if movie not in without_lift and who != "people like you":
            reasons.append(f"popular with {who}")
        elif liked >= 0:
            reasons.append(f"because you liked {engine.label(liked)}")
        else:
            reasons.append(CROWD_REASON)
    return reasons


def _because(queries: QueryBatch, movies: np.ndarray, explainers: Sequence[Any]) -> np.ndarray:
    """For each movie, the liked movie the first explainer that has one names (``-1``: none)."""
    because = np.full(movies.size, -1, dtype=np.int64)
    for model in explainers:
        open_ = because < 0
        if not open_.any():
            break
        because[open_] = model.explain(queries.likes, movies[open_])
    return because


def similar(engine: Engine, movie_id: int, n: int = 10) -> list[Recommendation]:
    """Movies most similar in content to one movie."""
    index = int(engine.movie_index([movie_id])[0])
    neighbours, sims = engine.content.similar(index, n)
    return [_item(engine, m, s, f"like {engine.label(index)}") for m, s in zip(neighbours, sims)]


def also_liked_for(engine: Engine, movie_id: int, n: int = 10) -> list[Recommendation]:
    """Movies most liked by the people who liked one movie."""
    index = int(engine.movie_index([movie_id])[0])
    neighbours, sims = engine.also_liked.similar(index, n)
    return [_item(engine, m, s, f"fans of {engine.label(index)} also liked it") for m, s in zip(neighbours, sims)]


def _item(engine: Engine, index: int, score: float, reason: str) -> Recommendation:
    """One movie of a list, as a person reads it: title, year, genres and the reason."""
    movie = engine.catalogue.details(int(engine.movie_ids[index]))
    return Recommendation(movie.movie_id, movie.title, movie.year, movie.genres, float(score), reason)


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


def _percent(share: float) -> str:
    """A share as a person reads it: "58%", "under 1%" for a few in a thousand."""
    share = float(share)
    return "under 1%" if 0 < share < 0.005 else f"{share:.0%}"
