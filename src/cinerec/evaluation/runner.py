"""One evaluation run: split, tune on validation, fit, rank every contender, measure.

The models are fitted exactly as ``cinerec build`` fits them (:func:`cinerec.build.fit_engine`), the
people are asked exactly as the product asks (:class:`~cinerec.profile.Profile` →
:meth:`Engine.query_batch`), and a person's training ratings are excluded from their
candidates just as in production. Scoring runs a block of people at a time, so
memory stays at one ``block × n_movies`` array per contender whatever the release.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.build import BuildOptions
from cinerec.data.dataset import Dataset
from cinerec.batch import BATCH_CELLS
from cinerec.build import fit_engine
from cinerec.engine import Engine
from cinerec.errors import CinerecError
from cinerec.evaluation import metrics
from cinerec.evaluation.names import CONTENDERS, DEMOGRAPHIC_CONTENDERS
from cinerec.evaluation.scorers import Contender, ScoreFn, contenders
from cinerec.evaluation.splits import Split, split_dataset, validation_split
from cinerec.evaluation.tuning import NewcomerTuning, Tuning, tune, tune_newcomers
from cinerec.models.base import DEMOGRAPHIC_COLUMNS, Recommender, top_n
from cinerec.models.ease import DEFAULT_L2_SCALE, EASE
from cinerec.models.for_you import Blend, ForYou, data_facts, describe_defaults
from cinerec.models.likes import LIKE_THRESHOLD, likes_matrix
from cinerec.profile import Profile
from cinerec.progress import note, progress, status

#: Cut-offs of the precision–recall curve (the run's ``k`` is added).
CURVE_CUTOFFS: tuple[int, ...] = (1, 5, 10, 20, 50)
#: Training ratings per person: lower edges of the activity buckets.
ACTIVITY_EDGES: tuple[int, ...] = (0, 20, 50, 100, 250)


@dataclass(frozen=True)
class People:
    """The people an evaluation asks, in one fixed order.

    ``profiles`` are what the product is given; ``relevant`` ``(n, n_movies)`` CSR marks
    their relevant held-out movies; ``n_train_ratings`` their history length; ``liked``
    their training likes and ``hidden`` one relevant held-out movie each (for the list
    measure).
    """

    profiles: list[Profile]
    relevant: sp.csr_matrix
    n_train_ratings: np.ndarray
    liked: sp.csr_matrix
    hidden: np.ndarray

    @property
    def n_relevant(self) -> np.ndarray:
        return np.diff(self.relevant.indptr)


def evaluation_people(split: Split, seed: int, max_people: int | None = None) -> People:
    """Every held-out person of a ``random`` or ``temporal`` split with at least one
    relevant held-out movie (at most ``max_people`` of them, a seeded sample), asked as
    the known user they are."""
    train = split.train
    liked_test = split.test[split.test["rating"].to_numpy() >= LIKE_THRESHOLD]
    user_ids = np.unique(liked_test["user_id"].to_numpy())
    rng = np.random.default_rng([seed, 7])
    if max_people is not None and user_ids.size > max_people:
        user_ids = np.sort(rng.choice(user_ids, size=max_people, replace=False))
        liked_test = liked_test[liked_test["user_id"].isin(user_ids).to_numpy()]
    rows = np.searchsorted(user_ids, liked_test["user_id"].to_numpy())
    cols = train.movie_vocab.index(liked_test["movie_id"].to_numpy())
    relevant = _indicator(rows, cols, (user_ids.size, train.n_movies))
    counts = train.ratings["user_id"].value_counts()
    n_train = pd.Series(user_ids).map(counts).fillna(0).to_numpy(np.int64)
    profiles = [Profile(user_id=int(u)) for u in user_ids]
    liked = likes_matrix(train)[train.user_vocab.index(user_ids)]
    return People(profiles, relevant, n_train, liked, _one_each(relevant, rng))


def newcomer_people(split: Split, seed: int, given_likes: int, *, demographics: bool = True,
                    max_people: int | None = None) -> tuple[People, int]:
    """The held-out people of a ``new-users`` split asked as newcomers, and how many of
    them were left out.

    Each names ``given_likes`` of their own movies rated 4 stars or more, drawn with
    ``seed`` (every person's liked movies are shuffled once, so a person's first movie
    is the same whatever ``given_likes``), and gives their demographics unless
    ``demographics`` is false; they are scored on their other liked movies. People with
    fewer than ``given_likes + 1`` liked held-out movies cannot be scored and are left
    out (counted). At most ``max_people`` are asked (a seeded sample).
    """
    train = split.train
    liked_test = split.test[split.test["rating"].to_numpy() >= LIKE_THRESHOLD]
    users = liked_test["user_id"].to_numpy()
    columns = train.movie_vocab.index(liked_test["movie_id"].to_numpy())
    order = np.lexsort((np.random.default_rng([seed, 11]).random(users.size), users))
    users, columns = users[order], columns[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if users.size else np.zeros(0, np.int64)
    counts = np.diff(np.r_[starts, users.size])
    position = np.arange(users.size) - np.repeat(starts, counts)
    user_ids = users[starts][counts > given_likes]
    left_out = int(split.test_users.size - user_ids.size)
    rng = np.random.default_rng([seed, 7])
    if max_people is not None and user_ids.size > max_people:
        user_ids = np.sort(rng.choice(user_ids, size=max_people, replace=False))
    rows = np.searchsorted(user_ids, users)
    asked = np.isin(users, user_ids)
    named = asked & (position < given_likes)
    shape = (user_ids.size, train.n_movies)
    liked = _indicator(rows[named], columns[named], shape)
    relevant = _indicator(rows[asked & ~named], columns[asked & ~named], shape)
    people = split.test_people.set_index("user_id").loc[user_ids, list(DEMOGRAPHIC_COLUMNS)]
    movie_ids = train.movie_vocab.ids
    profiles = [_newcomer_profile(tuple(movie_ids[liked.indices[liked.indptr[i]:liked.indptr[i + 1]]]),
                                  row if demographics else ())
                for i, row in enumerate(people.itertuples(index=False))]
    return People(profiles, relevant, np.zeros(user_ids.size, np.int64), liked, _one_each(relevant, rng)), left_out


def _indicator(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A float32 CSR with 1 at each ``(row, column)``."""
    matrix = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, columns)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def _newcomer_profile(liked: tuple[int, ...], demographics: tuple[Any, ...]) -> Profile:
    """A profile naming ``liked`` (movie ids) with ``demographics`` in
    :data:`DEMOGRAPHIC_COLUMNS` order (empty: none given)."""
    values = [None if pd.isna(v) else str(v) for v in demographics]
    return Profile(liked=tuple(int(m) for m in liked), **dict(zip(DEMOGRAPHIC_COLUMNS, values)))


def _one_each(relevant: sp.csr_matrix, rng: np.random.Generator) -> np.ndarray:
    """One random stored column per row (``-1`` for an empty row)."""
    counts = np.diff(relevant.indptr)
    pick = relevant.indptr[:-1] + np.floor(rng.random(counts.size) * counts).astype(np.int64)
    return np.where(counts > 0, relevant.indices[np.minimum(pick, relevant.indices.size - 1)], -1)


def top_lists(engine: Engine, people: People, scorers: Mapping[str, ScoreFn], n: int,
              description: str = "ranking") -> dict[str, np.ndarray]:
    """Each scorer's top-``n`` movie indices per person, ``(n_people, n)``, ``-1`` padded;
    the engine's component scores are computed once per block and shared."""
    block = max(1, BATCH_CELLS // max(engine.movie_ids.size, 1))
    starts = range(0, len(people.profiles), block)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in scorers}
    for start in progress(starts, description, total=len(starts)):
        queries = engine.query_batch(people.profiles[start: start + block])
        components = engine.component_scores(queries)
        for name, score in scorers.items():
            scores = np.array(score(queries, components, start), dtype=np.float32)  # top_n writes into it
            parts[name].append(top_n(scores, n, exclude=queries.seen)[0])
    return {name: np.vstack(lists) if lists else np.zeros((0, n), np.int32) for name, lists in parts.items()}


@dataclass
class ModelResult:
    """One contender's figures: ``metrics`` at ``k``, the ``curve`` (precision and
    recall by cut-off), NDCG@k by activity bucket and ``paired``: by how much the
    reference list (*For you*) leads this one — the mean per-person NDCG@k difference
    and its standard error (``None`` for the reference itself or without it).

    ``per_person`` keeps each person's ``"ndcg"`` at ``k`` ``(n_people,)`` and
    ``"recall"`` at every cut-off of the curve ``(n_people, n_cutoffs)``, for the
    report's bootstrap intervals; it is not part of the JSON document.
    """

    name: str
    description: str
    metrics: dict[str, float]
    curve: dict[int, dict[str, float]]
    by_activity: dict[str, float]
    paired: dict[str, float] | None = None
    per_person: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class EvaluationResult:
    """One run's results. ``given_likes`` is how many liked movies each newcomer named
    (``None`` outside the new-users protocol) and ``demographics`` whether they gave
    their demographics too."""

    dataset: str
    fingerprint: str
    protocol: str
    k: int
    seed: int
    sizes: dict[str, int]
    tuning: Tuning | NewcomerTuning | None
    models: list[ModelResult]
    seconds: float
    notes: list[str] = field(default_factory=list)
    given_likes: int | None = None
    demographics: bool = True

    def model(self, name: str) -> ModelResult:
        return next(m for m in self.models if m.name == name)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["models"] = [{**{key: value for key, value in m.items() if key != "per_person"},
                               "curve": {str(c): v for c, v in m["curve"].items()}} for m in document["models"]]
        return _finite(document)


def _finite(value: Any) -> Any:
    """NaN → ``None`` throughout (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


#: The contender the others are compared with, person by person.
REFERENCE = "for-you"


def evaluate(dataset: Dataset, protocol: str = "random", *, k: int = 10, models: Sequence[str] = CONTENDERS,
             seed: int = 0, tuned: bool = True, max_people: int | None = None, given_likes: int = 0,
             demographics: bool = True, extra: Sequence[Callable[[Dataset], Contender]] = ()) -> EvaluationResult:
    """Evaluate ``models`` on ``dataset`` under ``protocol``; see the module docstring and
    :func:`evaluate_runs` (this is one run of it)."""
    return evaluate_runs(dataset, protocol, k=k, models=models, seed=seed, tuned=tuned, max_people=max_people,
                         given_likes=(given_likes,), demographics=demographics, extra=extra)[0]


def evaluate_runs(dataset: Dataset, protocol: str = "random", *, k: int = 10, models: Sequence[str] = CONTENDERS,
                  seed: int = 0, tuned: bool = True, max_people: int | None = None,
                  given_likes: Sequence[int] = (0,), demographics: bool = True,
                  extra: Sequence[Callable[[Dataset], Contender]] = ()) -> list[EvaluationResult]:
    """Evaluate ``models`` on ``dataset`` under ``protocol``: one run per entry of
    ``given_likes`` (the movies each newcomer names, under ``new-users``), all on one
    split and one fit. ``demographics`` false withholds the newcomers' demographics.

    ``extra`` adds contenders from outside cinerec (e.g. ``benchmarks/peers_evaluation.py``):
    each is made from the training dataset and ranked on exactly the same people.
    """
    started = time.perf_counter()
    new_users = protocol == "new-users"
    if not new_users and tuple(given_likes) != (0,):
        raise CinerecError("only newcomers name movies: --given-likes needs --protocol new-users")
    split = split_dataset(dataset, protocol, seed=seed)
    described = demographics and split.train.users_with_demographics() > 0
    if new_users and not described and 0 in given_likes:
        raise CinerecError("newcomers who give no demographics must name a movie they like: "
                           "--given-likes 1 or more")
    notes: list[str] = []
    tuning: Tuning | NewcomerTuning | None = None
    if tuned and not new_users:
        tuning = tune(validation_split(split, seed), k=k, seed=seed, max_people=max_people)
    elif tuned:
        tuning = tune_newcomers(validation_split(split, seed), given_likes, demographics=described, k=k, seed=seed,
                                max_people=max_people)
    skipped = [name for name in models if name in DEMOGRAPHIC_CONTENDERS and not described]
    models = [name for name in models if name not in skipped]
    if skipped and split.train.users_with_demographics() == 0:
        note(f"cinerec: skipping {', '.join(skipped)}: the data describe no user's gender, age, occupation or zip")
    tuned_blend = tuning if isinstance(tuning, Tuning) and not tuning.defaults else None
    with status("Fitting every model on the training split…"):
        fitted = fit_engine(split.train, BuildOptions(report=False, random_state=seed,
                                                      ease_l2_scale=tuned_blend.l2_scale if tuned_blend else None))
        engine = Engine(fitted.components, fitted.movies, fitted.users, fitted.history,
                        for_you=_tuned_for_you(tuning, fitted.components))
        likings, arrival = data_facts(engine.components)
        if tuned_blend is None and likings is not None:
            notes.append(f"For you: {describe_defaults(likings, arrival)}.")
        blend_tuning = tuning if isinstance(tuning, Tuning) else None
        ease = _ease_alone(blend_tuning, engine.components.get("collaborative"), split.train) \
            if "ease" in models else None
        chosen = [*contenders(engine, split.train, models, seed, ease), *(make(split.train) for make in extra)]
    setup = time.perf_counter() - started
    ranks = metrics.popularity_ranks(np.bincount(likes_matrix(split.train).indices, minlength=split.train.n_movies))
    runs = []
    for named in given_likes if new_users else (None,):
        run_started = time.perf_counter()
        if named is None:
            people, left_out = evaluation_people(split, seed, max_people), 0
        else:
            people, left_out = newcomer_people(split, seed, named, demographics=described, max_people=max_people)
        answering = [c for c in chosen if c.needs != "history" or named != 0]
        lists = top_lists(engine, people, {c.name: c.score for c in answering}, max(k, *CURVE_CUTOFFS),
                          "ranking for the test people")
        results = _paired([_measure(c, lists[c.name], people, ranks, k) for c in answering], people, lists, k)
        sizes = {"train_ratings": int(len(split.train.ratings)), "test_ratings": int(len(split.test)),
                 "people": len(people.profiles), "movies": int(split.train.n_movies),
                 "relevant": int(people.relevant.nnz), "left_out": left_out}
        seconds = round(setup + time.perf_counter() - run_started, 1)
        runs.append(EvaluationResult(", ".join(dataset.releases) or "dataset", dataset.fingerprint, protocol, k,
                                     seed, sizes, tuning, results, seconds, notes, named, described))
    return runs


def _paired(results: list[ModelResult], people: People, lists: Mapping[str, np.ndarray], k: int) -> list[ModelResult]:
    """``results`` with :attr:`ModelResult.paired` filled in against :data:`REFERENCE`."""
    if REFERENCE not in lists:
        return results
    reference = _person_ndcg(lists[REFERENCE], people, k)
    for result in results:
        if result.name != REFERENCE:
            result.paired = paired_difference(reference, _person_ndcg(lists[result.name], people, k))
    return results


def _person_ndcg(lists: np.ndarray, people: People, k: int) -> np.ndarray:
    return metrics.person_metrics(metrics.hits(lists, people.relevant), people.n_relevant, k)["ndcg"]


def paired_difference(first: np.ndarray, second: np.ndarray) -> dict[str, float]:
    """The mean of ``first - second`` over the people both score, and its standard error."""
    difference = np.asarray(first, np.float64) - np.asarray(second, np.float64)
    difference = difference[np.isfinite(difference)]
    error = float(difference.std(ddof=1) / np.sqrt(difference.size)) if difference.size > 1 else float("nan")
    return {"difference": float(difference.mean()) if difference.size else float("nan"), "standard_error": error}


def _tuned_for_you(tuning: Tuning | NewcomerTuning | None, components: Mapping[str, Recommender]) -> ForYou | None:
    """*For you* as tuning chose it (``None``: the defaults for these components)."""
    if tuning is None or tuning.defaults:
        return None
    if isinstance(tuning, NewcomerTuning):
        return replace(ForYou.for_components(components), lift_weight=tuning.lift_weight, named_half=tuning.named_half)
    return ForYou(Blend(tuning.weights))


def _ease_alone(tuning: Tuning | None, blend_ease: Recommender | None, train: Dataset) -> EASE | None:
    """EASE at the penalty that suits it alone — tuned, else EASE's own default — fitted
    apart unless the blend's EASE (``blend_ease``) has that penalty (then it serves)."""
    alone = tuning.ease_l2_scale if tuning is not None and tuning.ease_l2_scale is not None else DEFAULT_L2_SCALE
    if isinstance(blend_ease, EASE) and blend_ease.l2 is None and blend_ease.l2_scale == alone:
        return None
    return EASE(l2_scale=alone).fit(train)


def _measure(contender: Contender, lists: np.ndarray, people: People, ranks: np.ndarray, k: int) -> ModelResult:
    hit = metrics.hits(lists, people.relevant)
    at_k = {name: float(np.nanmean(values)) for name, values in metrics.person_metrics(hit, people.n_relevant, k).items()}
    at_k["coverage"] = metrics.coverage(lists, people.relevant.shape[1], k)
    at_k["novelty"] = metrics.novelty(lists, ranks, k)
    if contender.lists is not None and people.liked.nnz:
        shares = metrics.list_recall(contender.lists(k), people.liked, people.hidden, k)
        at_k["list_recall"] = float(np.nanmean(shares))
    curve, recall = {}, []
    for cutoff in sorted({*CURVE_CUTOFFS, k}):
        values = metrics.person_metrics(hit, people.n_relevant, cutoff)
        curve[cutoff] = {"precision": float(np.nanmean(values["precision"])),
                         "recall": float(np.nanmean(values["recall"]))}
        recall.append(values["recall"])
    ndcg = metrics.person_metrics(hit, people.n_relevant, k)["ndcg"]
    return ModelResult(contender.name, contender.description, at_k, curve,
                       _by_activity(ndcg, people.n_train_ratings),
                       per_person={"ndcg": ndcg, "recall": np.column_stack(recall)})


def activity_bucket_labels(n_ratings: np.ndarray) -> np.ndarray:
    """Each person's activity bucket label ("20–49 ratings" …) from their training ratings."""
    edges = np.asarray(ACTIVITY_EDGES)
    labels = [f"{low}–{high - 1}" for low, high in zip(edges[:-1], edges[1:])] + [f"{edges[-1]}+"]
    return np.asarray(labels, dtype=object)[np.searchsorted(edges, n_ratings, side="right") - 1]


def _by_activity(values: np.ndarray, n_ratings: np.ndarray) -> dict[str, float]:
    buckets = activity_bucket_labels(n_ratings)
    frame = pd.DataFrame({"bucket": buckets, "value": values, "order": n_ratings})
    grouped = frame.groupby("bucket", sort=False).agg(value=("value", "mean"), order=("order", "min"))
    return {str(b): float(v) for b, v in grouped.sort_values("order")["value"].items()}
