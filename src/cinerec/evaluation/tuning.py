"""Choosing the *For you* blend and EASE's penalty on a validation split, never the test.

The validation split is carved out of the training part with the same protocol, the
components are fitted on what remains, and a small grid is searched: EASE's penalty
(as a multiple of its data-scaled default, so that the grid means the same on every
dataset) and the blend weights of EASE on seen movies, *also liked*, *similar*, *people like
you*, popularity and the mainstream penalty (EASE's weight is fixed at 1: only ratios
matter). For someone known only by their demographics *For you* is the blend of
people-like-you and popularity alone, so people-like-you never gets a zero weight
(their list would be empty) and popularity never a negative one (it would recommend
them the least liked movies); the mainstream penalty, which only people with a
history see, may be negative.

The EASE row of the results table is tuned too, on its own: the penalty whose EASE
*alone* scores the best validation NDCG@k (:attr:`Tuning.ease_l2_scale`), which need
not be the blend's. *For you* is measured against the best EASE the grid holds, not against
the EASE that suits the blend.

Each blend is counted by the worse of its own validation NDCG@k and that of the same
blend with the next stronger mainstream penalty (:func:`guard_mainstream`). The penalty
has a cliff: past a point it pushes good movies out of a person's list for obscure ones
and accuracy falls fast. The validation split trains on less data than the test does,
and the cliff moves with the data, so a setting on its edge at validation — often the
best there, since the penalty helps right up to the edge — can fall off it on the test.

The defaults stay unless the chosen setting beats them clearly: by more than
:data:`SIGNIFICANCE` standard errors of the per-person NDCG@k difference on validation
(:func:`clearly_better`), and EASE alone keeps its default penalty on the same terms.
Choosing the best of hundreds of settings on a few hundred people picks noise.
The figures behind both rules: docs/evaluation.md#tuning-rules.

Under the new-users protocol the history blend has no one to serve: newcomers are ranked by
the fans and the demographic lift (:class:`~cinerec.models.for_you.ForYou`), and
:func:`tune_newcomers` chooses the lift's weight and the half-point of the fans' weight on
validation newcomers, with the same rule of keeping the defaults unless clearly beaten.

The choice: among the settings whose validation coverage reaches :data:`MIN_COVERAGE`,
or the defaults' own coverage where that is lower, the highest validation NDCG@k, except
that among the settings within :data:`TOLERANCE` of it — indistinguishable at
validation's noise — the one with the widest catalogue coverage wins. Equal accuracy,
broader lists; and tuning never buys accuracy by narrowing the lists below the defaults'.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from cinerec.build import BuildOptions, catalogue_table, fit_engine, users_table
from cinerec.data.dataset import Dataset
from cinerec.engine import Engine
from cinerec.evaluation import metrics
from cinerec.evaluation.scorers import ScoreFn
from cinerec.evaluation.splits import Split
from cinerec.models.aggregates import movie_counts
from cinerec.models.base import QueryBatch, Recommender
from cinerec.models.ease import DEFAULT_L2_SCALE, EASE, likings_per_movie
from cinerec.models.for_you import (
    DEFAULT_WEIGHTS,
    Blend,
    ForYou,
    adapted_weights,
    blend_l2_scale,
    default_weights,
    standardise_rows,
)
from cinerec.models.rising import Rising
from cinerec.progress import status

#: EASE penalties tried, as ``l2_scale`` multiples of EASE's default (λ relative to the
#: mean likings per movie, see :class:`~cinerec.models.ease.EASE`): half the default never
#: won, and EASE alone peaks near 2.4× it on every dataset tried
#: (docs/evaluation.md#tuning-rules).
L2_SCALES: tuple[float, ...] = tuple(factor * DEFAULT_L2_SCALE for factor in (1.0, 2.0, 4.0))
#: Blend weights tried, relative to EASE's weight of 1: around the defaults, from half
#: to three times each signal beside EASE, on data like ml-100k's; on denser data the
#: signals beside EASE (and *rising*, by the data's arrivals) are scaled as the defaults
#: are (:func:`~cinerec.models.for_you.adapted_weights`), so that the grid stays centred on them.
#: ``popular`` adds nothing beside ``mainstream`` for people with a history (the same
#: like counts). The strongest ``mainstream`` value is never chosen itself: it is the
#: probe that guards the one before it (see :func:`guard_mainstream`). *Rising* keeps its
#: default: each value tried would multiply the grid.
WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "collaborative_seen": (0.25, 0.5, 0.8),
    "also_liked": (0.13, 0.3, 0.6),
    "content": (0.2, 0.4),
    "people_like_you": (0.05, 0.25, 0.5),
    "popular": (0.0,),
    "mainstream": (-0.6, -0.9, -1.2),
    "rising": (DEFAULT_WEIGHTS["rising"],),
}
#: Where every person's validation NDCG@k is kept in :func:`score_grid`'s entries.
PER_PERSON = "person_ndcg"
#: How many standard errors of the paired per-person NDCG@k difference a tuned setting
#: must gain over the defaults on validation to replace them (about 95% one-sided).
SIGNIFICANCE = 2.0
#: Relative NDCG loss accepted for wider coverage. Wider spans let coverage win at a
#: measurable cost on the test, so accuracy comes first and coverage only breaks
#: near-ties (docs/evaluation.md#tuning-rules).
TOLERANCE = 0.0025
#: The share of the catalogue a set of *For you* lists should reach (coverage@10 of at
#: least 0.20): among the settings whose validation coverage reaches it the most accurate
#: wins. Lists that keep to the same few hundred blockbusters serve nobody's particular
#: taste. Where the defaults' validation lists cover less, their coverage is the floor
#: instead, so the defaults always qualify and tuning cannot buy accuracy by narrowing
#: the lists (blends narrower than the defaults on validation stay narrower on the test,
#: for little gain); on synthetic data, whose lists are
#: naturally narrow, a fixed 20% would trade the recommender's purpose for breadth.
#: The figures: docs/evaluation.md#tuning-rules.
MIN_COVERAGE = 0.20


@dataclass(frozen=True)
class Tuning:
    """What was chosen (``l2_scale`` is ``None`` when the build has no EASE): the blend's
    EASE penalty ``l2_scale`` (EASE's parameter: λ as a multiple of the mean likings per
    movie) and ``weights``, the penalty ``ease_l2_scale`` of EASE alone, and every blend
    tried with its validation ``ndcg`` and ``coverage``. ``defaults`` says the build
    defaults were kept: they are then re-derived for the training data, which is denser
    than the validation split's (see :func:`~cinerec.models.for_you.default_weights`)."""

    l2_scale: float | None
    weights: dict[str, float]
    validation_people: int
    tried: list[dict[str, Any]] = field(default_factory=list)
    ease_l2_scale: float | None = None
    defaults: bool = False

    def describe(self) -> str:
        weights = ", ".join(f"{name} {value:.3g}" for name, value in self.weights.items())
        l2 = f"EASE l2 {self.l2_scale:.3g}× likings per movie; " if self.l2_scale is not None else ""
        alone = f"; EASE alone: l2 {self.ease_l2_scale:g}×" if self.ease_l2_scale is not None else ""
        chosen = f"{l2}blend weights {weights}"
        if self.defaults:
            chosen = f"the build defaults (at validation's density: {chosen})"
        return chosen + alone


#: Newcomer settings tried (:class:`~cinerec.models.for_you.ForYou`): the demographic
#: lift's weight and the number of named movies at which the fans weigh half.
NEWCOMER_GRID: dict[str, tuple[float, ...]] = {"lift_weight": (0.5, 0.75, 1.0), "named_half": (5.0, 10.0, 20.0)}


@dataclass(frozen=True)
class NewcomerTuning:
    """What :func:`tune_newcomers` chose: *For you*'s ``lift_weight`` and ``named_half``,
    on ``validation_people`` validation newcomers (summed over the numbers of named
    movies), every setting tried with its validation ``ndcg``, and whether the build
    defaults were kept."""

    lift_weight: float
    named_half: float
    validation_people: int
    tried: list[dict[str, Any]] = field(default_factory=list)
    defaults: bool = False

    def describe(self) -> str:
        chosen = (f"newcomers' demographic lift at weight {self.lift_weight:g}, the fans weighing half at "
                  f"{self.named_half:g} named movies")
        return f"the build defaults ({chosen})" if self.defaults else chosen


def tune_newcomers(validation: Split, given_likes: Sequence[int], *, demographics: bool, k: int, seed: int,
                   max_people: int | None = None) -> NewcomerTuning:
    """Choose *For you*'s newcomer settings from :data:`NEWCOMER_GRID` on ``validation``
    (a new-users split of the training data), its people naming each of ``given_likes``
    movies; the defaults stay unless a setting is :func:`clearly_better`."""
    from cinerec.evaluation.runner import newcomer_people, top_lists

    with status("Fitting the components for the newcomer grid…"):
        engine = fit_engine(validation.train, BuildOptions(report=False, random_state=seed))
    defaults = engine.for_you
    settings = [dict(zip(NEWCOMER_GRID, values, strict=True)) for values in itertools.product(*NEWCOMER_GRID.values())]
    per_person: dict[int, list[np.ndarray]] = {i: [] for i in range(len(settings))}
    n_people = 0
    for named in [count for count in given_likes if count > 0]:
        people, _ = newcomer_people(validation, seed, named, demographics=demographics, max_people=max_people)
        n_people += len(people.profiles)
        signals = _NewcomerSignals(engine)
        scorers = {str(i): _newcomer_scorer(engine, replace(defaults, **setting), signals)
                   for i, setting in enumerate(settings)}
        lists = top_lists(engine, people, scorers, k, f"newcomer grid ({named} named)")
        for i, ndcgs in per_person.items():
            hit = metrics.hits(lists[str(i)], people.relevant)
            ndcgs.append(metrics.person_metrics(hit, people.n_relevant, k)["ndcg"])
    tried = [{**setting, "ndcg": float(np.nanmean(np.concatenate(per_person[i]))) if per_person[i] else float("nan"),
              PER_PERSON: np.concatenate(per_person[i]) if per_person[i] else np.zeros(0)}
             for i, setting in enumerate(settings)]
    kept = next((entry for entry in tried if entry["lift_weight"] == defaults.lift_weight
                 and entry["named_half"] == defaults.named_half), None)
    best = clearly_better(max(tried, key=lambda entry: np.nan_to_num(entry["ndcg"], nan=-1.0)), kept) \
        if n_people else kept or tried[0]
    public = [{key: value for key, value in entry.items() if key != PER_PERSON} for entry in tried]
    return NewcomerTuning(best["lift_weight"], best["named_half"], n_people, public, defaults=best is kept)


class _NewcomerSignals:
    """The newcomer signals of the block being ranked, computed once and shared by every
    setting of the newcomer grid (the fans' shares are most of a setting's cost)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._key: tuple[int, int] | None = None
        self._signals: Mapping[str, np.ndarray] = {}

    def __call__(self, queries: QueryBatch, start: int) -> Mapping[str, np.ndarray]:
        key = (start, queries.n_queries)
        if key != self._key:
            self._key, self._signals = key, self._engine.newcomer_signals(queries)
        return self._signals


def _newcomer_scorer(engine: Engine, for_you: ForYou, signals: _NewcomerSignals) -> ScoreFn:
    return lambda queries, components, start: for_you.combine(
        {name: components[name] for name in for_you.blend.weights if name in components}, queries,
        lambda newcomers: signals(newcomers, start))


def weight_grid(likings_per_movie: float | None = None, arrival: float | None = None) -> list[dict[str, float]]:
    """Every blend of :data:`WEIGHT_GRID`, each with EASE at 1, adapted to the data as
    the defaults are (:func:`~cinerec.models.for_you.adapted_weights`)."""
    names = list(WEIGHT_GRID)
    return [adapted_weights({"collaborative": 1.0, **dict(zip(names, values, strict=True))}, likings_per_movie, arrival)
            for values in itertools.product(*(WEIGHT_GRID[name] for name in names))]


def tune(validation: Split, *, k: int, seed: int, max_people: int | None = None) -> Tuning:
    """Search the grid on ``validation`` (a split of the training data), centred on the
    defaults for its likings per movie (which join the grid's EASE penalties)."""
    likings, arrival = training_facts(validation.train)
    default_l2 = blend_l2_scale(likings)
    tried, n_people = score_grid(validation, weight_grid(likings, arrival), sorted({*L2_SCALES, default_l2}),
                                 k=k, seed=seed, max_people=max_people)
    blends = [entry for entry in tried if entry["weights"] is not None]
    defaults = _setting_of(blends, default_l2, default_weights(likings, arrival))
    best = clearly_better(choose(guard_mainstream(blends), defaults=defaults), defaults)
    alone = [entry for entry in tried if entry["weights"] is None and entry["l2_scale"] in L2_SCALES]
    ease_alone = clearly_better(max(alone, key=lambda entry: entry["ndcg"]), _setting_of(alone, DEFAULT_L2_SCALE, None))
    public = [{key: value for key, value in entry.items() if key != PER_PERSON} for entry in blends]
    return Tuning(best["l2_scale"], best["weights"], n_people, public, ease_alone["l2_scale"],
                  defaults=defaults is not None and best is defaults)


def training_facts(train: Dataset) -> tuple[float, float]:
    """``(likings per modelled movie, arrival)`` of a training dataset: the facts the
    *For you* defaults follow (:func:`~cinerec.models.for_you.default_weights`), read
    before fitting — :func:`cinerec.models.for_you.data_facts` reads them from fitted components."""
    return likings_per_movie(movie_counts(train).likings), Rising().fit(train).arrival_


def clearly_better(candidate: dict[str, Any], default: dict[str, Any] | None,
                   significance: float = SIGNIFICANCE) -> dict[str, Any]:
    """``candidate`` if its validation NDCG@k beats ``default``'s by more than
    ``significance`` standard errors of their paired per-person difference, else
    ``default`` itself (``candidate`` when there is no default to keep)."""
    if default is None or candidate is default:
        return candidate
    difference = np.asarray(candidate[PER_PERSON]) - np.asarray(default[PER_PERSON])
    difference = difference[np.isfinite(difference)]
    if difference.size < 2:
        return default
    standard_error = float(difference.std(ddof=1)) / np.sqrt(difference.size)
    return candidate if float(difference.mean()) > significance * standard_error else default


def _setting_of(entries: list[dict[str, Any]], l2_scale: float,
                weights: Mapping[str, float] | None) -> dict[str, Any] | None:
    """The entry with this EASE penalty and these blend weights, if the grid holds it."""
    wanted = None if weights is None else dict(weights)
    return next((entry for entry in entries if entry["l2_scale"] == l2_scale and entry["weights"] == wanted), None)


def score_grid(split: Split, candidates: list[dict[str, float]], l2_scales: Sequence[float], *, k: int, seed: int,
               max_people: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """NDCG@k and coverage on ``split`` of every blend of ``candidates`` with EASE at
    every penalty of ``l2_scales``, and of EASE alone (``weights`` ``None``), with how
    many people were asked. Each entry also holds every person's NDCG@k under
    :data:`PER_PERSON`. The other components are fitted once and shared."""
    from cinerec.evaluation.runner import evaluation_people, top_lists

    train = split.train
    with status("Fitting the components for the blend grid…"):
        base = _fit_without_ease(train, seed)
        people = evaluation_people(split, seed, max_people)
    tried: list[dict[str, Any]] = []
    for l2_scale in l2_scales:
        components = {**base, "collaborative": EASE(l2_scale=l2_scale).fit(train)}
        engine = Engine(components, catalogue_table(train), users_table(train), train.rating_matrix())
        block = _StandardisedBlock()
        scorers = {str(i): _blend_scorer(weights, block) for i, weights in enumerate(candidates)}
        scorers["ease"] = lambda _queries, scores, _start: scores["collaborative"]
        lists = top_lists(engine, people, scorers, k, f"blend grid (l2 {l2_scale:g}× likings per movie)")
        for key, weights in [*((str(i), w) for i, w in enumerate(candidates)), ("ease", None)]:
            hit = metrics.hits(lists[key], people.relevant)
            per_person = metrics.person_metrics(hit, people.n_relevant, k)["ndcg"]
            tried.append({"l2_scale": l2_scale, "weights": weights, "ndcg": float(np.nanmean(per_person)),
                          "coverage": metrics.coverage(lists[key], train.n_movies, k), PER_PERSON: per_person})
    return tried, len(people.profiles)


def choose(tried: list[dict[str, Any]], tolerance: float = TOLERANCE, min_coverage: float = MIN_COVERAGE,
           defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Among the settings reaching ``min_coverage``, or the ``defaults``' coverage where
    that is lower (all of them if none does), the widest-coverage one within
    ``tolerance`` of their best NDCG."""
    floor = min_coverage if defaults is None else min(min_coverage, defaults["coverage"])
    pool = [entry for entry in tried if entry["coverage"] >= floor] or tried
    top = max(entry["ndcg"] for entry in pool)
    close = [entry for entry in pool if entry["ndcg"] >= top * (1.0 - tolerance)]
    return max(close, key=lambda entry: (entry["coverage"], entry["ndcg"]))


def guard_mainstream(tried: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blends of ``tried`` that have a stronger mainstream penalty in the grid, each
    with ``ndcg`` the worse of its own and that stronger neighbour's (its own is kept as
    ``validation_ndcg``). Blends at the strongest penalty only serve as probes; when the
    grid has one penalty, ``tried`` is returned as it is."""
    penalties = sorted({entry["weights"]["mainstream"] for entry in tried}, reverse=True)
    stronger = dict(zip(penalties[:-1], penalties[1:], strict=True))
    by_setting = {(entry["l2_scale"], weights_key(entry["weights"])): entry for entry in tried}
    guarded = []
    for entry in tried:
        penalty = entry["weights"]["mainstream"]
        if penalty not in stronger:
            continue
        probe = by_setting[(entry["l2_scale"], weights_key({**entry["weights"], "mainstream": stronger[penalty]}))]
        guarded.append({**entry, "ndcg": min(entry["ndcg"], probe["ndcg"]), "validation_ndcg": entry["ndcg"]})
    return guarded or tried


def weights_key(weights: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """A set of blend weights as a hashable key, whatever order they were written in."""
    return tuple(sorted(weights.items()))


def _fit_without_ease(train: Dataset, seed: int) -> dict[str, Recommender]:
    """Every build component except the likes EASE, which is fitted per penalty instead."""
    unfitted = BuildOptions(report=False, random_state=seed).components(train)
    return {name: model.fit(train) for name, model in unfitted.items() if name != "collaborative"}


class _StandardisedBlock:
    """The component scores of the block being ranked, standardised once and shared
    by every blend of the grid (standardising is most of a blend's cost), and the
    contenders a penalty re-orders, found once per set of positive weights (the
    blends that differ only in their penalty share them)."""

    def __init__(self) -> None:
        self._start: int | None = None
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._contenders: dict[tuple[tuple[str, float], ...], tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, components: Mapping[str, np.ndarray], start: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        if start != self._start:
            self._start, self._rows = start, {name: standardise_rows(s) for name, s in components.items()}
            self._contenders = {}
        return self._rows

    def blend(self, blend: Blend, queries: QueryBatch, components: Mapping[str, np.ndarray], start: int) -> np.ndarray:
        """:meth:`Blend.combine_standardised` of this block, sharing contenders."""
        standardised = self(components, start)
        affinity = blend.affinity(standardised)
        if not blend.pooled(standardised):
            return affinity
        positive = weights_key(blend.affinity_weights())
        if positive not in self._contenders:
            self._contenders[positive] = blend.contenders(affinity, queries.seen)
        return blend.reorder(affinity, standardised, self._contenders[positive])


def _blend_scorer(weights: dict[str, float], block: _StandardisedBlock) -> ScoreFn:
    blend = Blend(weights)
    return lambda queries, components, start: block.blend(blend, queries, components, start)
