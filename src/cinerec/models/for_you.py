"""*For you*: one personal ranking blended from every signal cinerec has.

Each component (the strong collaborative model, *also liked*, *similar*, *people
like you*, popularity) scores the whole catalogue on its own scale: EASE weights,
summed cosines, shrunk like-rates. To add them, each person's row of each component
is standardised over the movies it can score (z-scores), movies it cannot score get
that row's lowest standardised value (no opinion ranks below a weak opinion), and the
rows are summed with the blend's weights. Standardising per person, not per model,
keeps one person with long history from drowning out the scale for another.

A component with a **negative** weight (the mainstream penalty), and *rising* (how much
of a movie's liking is recent, :mod:`cinerec.models.rising`), are different: they only
re-order the movies in contention. Pushing blockbusters down across the whole
catalogue lifts its long tail instead, and how far depends on the catalogue's shape
(docs/evaluation.md#the-mainstream-penalty-only-re-orders-each-persons-50-best-candidates).
So each person's top :data:`POOL` unseen movies by the rest of the blend are found
first, the penalty is standardised among them alone, and only they are moved: a
penalty measured among the candidates means the same on every catalogue. *Rising* is
pooled for the same reason: across the whole catalogue it would lift every obscure
movie with one recent liking.

The weights are configuration, not learned state: the evaluation command tunes them
on a validation split, and the defaults here are what it chose
(docs/evaluation.md#how-the-defaults-were-chosen; the design: docs/design.md#for-you).
The defaults depend on two facts of the training data (:func:`default_weights`): how
many likings each modelled movie has — the denser the evidence, the more EASE is
trusted alone (:func:`signal_share`, :func:`blend_l2_scale`) — and how many of the
recent likings went to newly arrived movies — the more, the more *rising* counts
(:func:`rising_share`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from cinerec.models.base import QueryBatch, Recommender, top_n
from cinerec.models.ease import DEFAULT_L2_SCALE

#: Default weights on data like ml-100k's, relative to EASE's 1 (only ratios matter):
#: chosen on validation splits carved from the training part (never the test) of ml-100k
#: and six synthetic releases, each setting ranked by its worst NDCG@10 lead over EASE
#: alone and counted by the worse of itself and the same setting with the next stronger
#: mainstream penalty (:func:`cinerec.evaluation.tuning.guard_mainstream`); ``rising``
#: the same way across both protocols. The grid, the datasets and the figures are in
#: docs/evaluation.md#the-blends-weights and docs/evaluation.md#rising-at-each-persons-own-time.
#: ``mainstream`` is negative on purpose: among the movies in contention it pushes the
#: obvious blockbusters down for people with a history (see :class:`Blend` and
#: :mod:`cinerec.models.mainstream`). For people known only by demographics (``popular``
#: 0) people-like-you alone ranks, whatever its weight. On denser data the signals beside
#: EASE weigh less, and *rising* counts as far as new movies keep arriving: see
#: :func:`default_weights`.
DEFAULT_WEIGHTS: dict[str, float] = {
    "collaborative": 1.0,
    "collaborative_seen": 0.25,
    "also_liked": 0.13,
    "content": 0.2,
    "people_like_you": 0.25,
    "popular": 0.0,
    "mainstream": -0.9,
    "rising": 0.3,
}
#: The components :func:`signal_share` does not scale: EASE itself (the unit every
#: other weight is measured in) and the pooled ones, which re-order EASE's contenders
#: whatever the data's density (*rising* follows :func:`rising_share` instead).
UNSCALED = frozenset({"collaborative", "mainstream", "rising"})
#: Components that only re-order each person's :data:`POOL` contenders, whatever the
#: sign of their weight (any negatively weighted component does too).
POOLED = frozenset({"mainstream", "rising"})
#: Mean likings per modelled movie (:func:`cinerec.models.ease.likings_per_movie`) up to
#: which the signals beside EASE keep their full :data:`DEFAULT_WEIGHTS`; see
#: :func:`signal_share`.
FULL_SHARE_LIKINGS = 100.0


def signal_share(likings_per_movie: float | None = None) -> float:
    """The share of :data:`DEFAULT_WEIGHTS` the signals beside EASE keep on data whose
    modelled movies average ``likings_per_movie`` likings: 1 up to
    :data:`FULL_SHARE_LIKINGS`, then ``sqrt(FULL_SHARE_LIKINGS / likings_per_movie)``
    (1 when unknown).

    Why: EASE's weights are estimates from co-likings, and the more likings each movie
    has, the less noise the other signals have to average away. Z-scored components
    cannot show this by themselves: a standardised EASE row looks the same whether it
    rests on 30 likings per movie or 2,000. The threshold and the square root were
    chosen on the validation splits of eight synthetic releases; ml-100k (32 likings per
    movie) is untouched. The study:
    docs/evaluation.md#the-denser-the-data-the-lighter-the-blend.
    """
    if likings_per_movie is None or likings_per_movie <= FULL_SHARE_LIKINGS:
        return 1.0
    return float(np.sqrt(FULL_SHARE_LIKINGS / likings_per_movie))


#: The share of recent likings on newly arrived movies (:attr:`Rising.arrival_
#: <cinerec.models.rising.Rising>`) from which *rising* keeps its full weight.
FULL_RISING_ARRIVAL = 0.1


def rising_share(arrival: float | None = None) -> float:
    """How much of its default weight *rising* keeps on data where ``arrival`` of the
    recent likings went to newly arrived movies: ``arrival / FULL_RISING_ARRIVAL``, at
    most 1 (1 when unknown).

    Why: where no new movies arrive, the recent share of a movie's likings says little
    about what a person will like next: on real ml-100k (0.01) rising at full weight
    costs the temporal protocol, so there it keeps a tenth. The gate follows real
    ml-100k rather than synthetic data, because how strongly synthetic people lean to new
    movies is the generator's own assumption. The figures:
    docs/evaluation.md#rising-at-each-persons-own-time.
    """
    return 1.0 if arrival is None else min(1.0, max(0.0, float(arrival)) / FULL_RISING_ARRIVAL)


def default_weights(likings_per_movie: float | None = None, arrival: float | None = None) -> dict[str, float]:
    """:data:`DEFAULT_WEIGHTS` for data with ``likings_per_movie`` and ``arrival`` (see
    :func:`adapted_weights`)."""
    return adapted_weights(DEFAULT_WEIGHTS, likings_per_movie, arrival)


def adapted_weights(weights: Mapping[str, float], likings_per_movie: float | None = None,
                    arrival: float | None = None) -> dict[str, float]:
    """``weights`` adapted to the data as the defaults are: every component but
    :data:`UNSCALED` times :func:`signal_share` of ``likings_per_movie``, *rising* times
    :func:`rising_share` of ``arrival``; EASE and the mainstream penalty unchanged."""
    share, rising = signal_share(likings_per_movie), rising_share(arrival)
    return {name: weight * rising if name == "rising" else weight if name in UNSCALED else weight * share
            for name, weight in weights.items()}


def blend_l2_scale(likings_per_movie: float | None = None) -> float:
    """EASE's penalty inside the blend (its ``l2_scale``): EASE's own default times
    ``1 + share`` (:func:`signal_share`) — twice it on data like ml-100k's.

    A smoother EASE leaves room for the other signals; with less room to leave it
    needs less smoothing. The smoothing that suits the blend on a validation split
    overshoots on the larger training data of the test, so the factor was chosen with
    :data:`DEFAULT_WEIGHTS` (docs/evaluation.md#the-denser-the-data-the-lighter-the-blend).
    """
    return DEFAULT_L2_SCALE * (1.0 + signal_share(likings_per_movie))


def describe_defaults(likings_per_movie: float, arrival: float | None = None) -> str:
    """The defaults for data with ``likings_per_movie`` and ``arrival``, in a sentence a
    reader of a report follows (no setting names)."""
    share = signal_share(likings_per_movie)
    scaled = "at their full weight" if share == 1.0 else f"at {share:.0%} of their full weight"
    rising = "" if arrival is None else \
        (f"; what is rising lately at {rising_share(arrival):.0%} of its weight ({arrival:.0%} of recent likes "
         "went to new movies)")
    return (f"the usual settings for data where a movie has about {likings_per_movie:,.0f} likes: the signals "
            f"beside the liked-together model {scaled}, that model held back in proportion to its "
            f"likes per movie ({blend_l2_scale(likings_per_movie):.3g}×){rising}")


#: How many of each person's best unseen movies (by :meth:`Blend.affinity_weights`) the
#: pooled components re-order: chosen with the weights above from 50, 100 and 200 — the
#: fewer, the less a strong penalty can reach down to weak candidates.
POOL = 50


@dataclass(frozen=True)
class Blend:
    """Weighted sum of per-person standardised component scores; :data:`POOLED` and
    negatively weighted components re-order each person's top :data:`POOL` candidates
    (see the module docstring)."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    pool: int = POOL

    def combine(self, component_scores: Mapping[str, np.ndarray], exclude: sp.csr_matrix | None = None) -> np.ndarray:
        """Blend ``(q, n_movies)`` score arrays named like the weights; ``exclude`` (the
        movies each person has seen, which are never recommended) keeps them out of the
        candidates the pooled components re-order.

        Components missing from ``component_scores`` (e.g. no strong model for a very
        large catalogue) are skipped; a row no component can score stays NaN.
        """
        standardised = self.standardise(component_scores)
        if not standardised:
            shape = next(iter(component_scores.values())).shape
            return np.full(shape, np.nan, dtype=np.float32)
        return self.combine_standardised(standardised, exclude)

    def combine_standardised(self, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]],
                             exclude: sp.csr_matrix | None = None) -> np.ndarray:
        """:meth:`combine` from components already passed through :func:`standardise_rows`
        — so that many blends of the same scores (a tuning grid) standardise them once."""
        total = self.affinity(standardised)
        if self.pooled(standardised):
            total = self.reorder(total, standardised, self.contenders(total, exclude))
        return total

    def affinity(self, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """The sum of the components of :meth:`affinity_weights`: float32 ``(q, n_movies)``,
        NaN where none can score (a new array)."""
        total: np.ndarray | None = None
        any_finite: np.ndarray | None = None
        ranking = self.affinity_weights()
        for name, (z, finite) in standardised.items():
            weight = ranking.get(name, 0.0)
            if weight <= 0.0:
                continue
            total = weight * z if total is None else total + weight * z
            any_finite = finite if any_finite is None else any_finite | finite
        if total is None or any_finite is None:
            shape = next(iter(standardised.values()))[0].shape
            return np.full(shape, np.nan, dtype=np.float32)
        total[~any_finite] = np.nan
        return total.astype(np.float32, copy=False)

    def pooled(self, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> list[str]:
        """The components among ``standardised`` that only re-order the contenders."""
        return [name for name in standardised if _is_pooled(name, float(self.weights.get(name, 0.0)))]

    def affinity_weights(self) -> dict[str, float]:
        """The weights that rank the contenders (the positive ones not :data:`POOLED`)."""
        return {name: weight for name, weight in self.weights.items() if weight > 0.0 and not _is_pooled(name, weight)}

    def contenders(self, affinity: np.ndarray, exclude: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each row's :attr:`pool` best unseen movies by ``affinity``, as ``(rows,
        movies)`` index arrays (fewer for a row with fewer candidates)."""
        pool, _ = top_n(affinity.copy(), min(int(self.pool), affinity.shape[1]), exclude, ordered=False)
        rows, rank = np.nonzero(pool >= 0)
        return rows, pool[rows, rank]

    def reorder(self, affinity: np.ndarray, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]],
                 contenders: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """``affinity`` plus each pooled component, standardised among each row's
        ``contenders`` (see :meth:`contenders`) and added to them alone (in place,
        returned). Rows a pooled component cannot score (no history: NaN) are left alone."""
        rows, movies = contenders
        for name in self.pooled(standardised):
            z, finite = standardised[name]
            scored = finite[rows, movies]
            at, columns = rows[scored], movies[scored]
            pooled_z = _z_within_rows(at, z[at, columns], np.bincount(at, minlength=affinity.shape[0]))
            affinity[at, columns] += np.float32(self.weights[name]) * pooled_z
        return affinity

    def standardise(self, component_scores: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """:func:`standardise_rows` of every weighted component (the input of
        :meth:`combine_standardised` and :meth:`strongest`)."""
        return {name: standardise_rows(scores) for name, scores in component_scores.items()
                if float(self.weights.get(name, 0.0)) != 0.0}

    def strongest(self, standardised: Mapping[str, tuple[np.ndarray, np.ndarray]], row: int,
                  movies: np.ndarray) -> list[str]:
        """For one person, the component that contributed most to each movie's blended
        score, from :meth:`standardise`'s output (a pooled component is never the reason)."""
        ranking = self.affinity_weights()
        names = [name for name in standardised if name in ranking]
        contributions = np.stack([self.weights[name] * standardised[name][0][row, movies] for name in names])
        return [names[i] for i in contributions.argmax(axis=0)]


#: The weight of the fans' ranking for someone who named ``n`` movies is
#: ``NAMED_HALF / (NAMED_HALF + n)``: see :class:`ForYou`.
NAMED_HALF = 10.0
#: How strongly a newcomer's demographic lift multiplies the fans' shares: see :class:`ForYou`.
NEWCOMER_LIFT = 0.75


@dataclass(frozen=True)
class ForYou:
    """*For you*: one ranking whose behaviour follows how much it knows about the person.

    * Someone who names nothing is ranked by the history blend, in which only *people
      like you* (or, without demographics, nothing personal) can speak: their list is
      *people like you*'s.
    * Someone who names ``n`` movies they like, without a rating history (a newcomer),
      is ranked by two lists mixed by the evidence: the **fans' ranking** — the log share
      of the people who like what they like who rated each movie
      (:class:`~cinerec.models.fans.Fans`) plus ``lift_weight`` times how much more people
      like them like the movie than everyone (:meth:`PeopleLikeYou.lift
      <cinerec.models.demographic.PeopleLikeYou.lift>`), a product of the two in shares —
      weighted ``named_half / (named_half + n)``, and the history blend weighted the rest.
      Both lists are standardised by their mean and spread among the movies in contention
      (each list's ``pool`` best unseen movies), so that a 0.9 weight means "mostly the
      fans" however differently the two lists spread over the long tail.
    * Someone with a rating history (a known user) is ranked by the history blend
      (:class:`Blend`), which was chosen on them.

    Why two regimes and this switch: for a newcomer the fans' shares, which lean on what
    many people watch, beat every other list up to a few named movies, while the blend,
    whose EASE rows and mainstream penalty assume the person's history already holds the
    obvious movies, ranks below plain popularity after one; with more movies named the
    blend's view of what sets the person apart gains. A known user's history says what
    they have seen, and mixing the fans in cost them at any weight (see
    ``docs/newcomers.md``). ``named_half`` and ``lift_weight`` were chosen there, on
    validation newcomers carved from training data.
    """

    blend: Blend = field(default_factory=Blend)
    lift_weight: float = NEWCOMER_LIFT
    named_half: float = NAMED_HALF
    pool: int = POOL

    def fans_weights(self, queries: QueryBatch) -> np.ndarray:
        """Per person, the weight of the fans' ranking: ``named_half / (named_half + n)``
        for someone with no rating history who likes ``n >= 1`` movies, else 0."""
        likes = sp.csr_matrix(queries.likes)
        named = np.bincount(np.repeat(np.arange(queries.n_queries), np.diff(likes.indptr)),
                            weights=likes.data > 0, minlength=queries.n_queries)
        newcomer = (np.diff(sp.csr_matrix(queries.ratings).indptr) == 0) & (named > 0)
        return np.where(newcomer, self.named_half / (self.named_half + named), 0.0)

    def combine(self, history_scores: Mapping[str, np.ndarray], queries: QueryBatch,
                newcomer_signals: Callable[[QueryBatch], Mapping[str, np.ndarray]]) -> np.ndarray:
        """*For you* scores ``(q, n_movies)``: the history blend of ``history_scores`` (named
        like :attr:`Blend.weights`), mixed for newcomers with their fans' ranking (see
        :meth:`with_newcomers`)."""
        return self.with_newcomers(self.blend.combine(history_scores, queries.seen), queries, newcomer_signals)

    def with_newcomers(self, history: np.ndarray, queries: QueryBatch,
                       newcomer_signals: Callable[[QueryBatch], Mapping[str, np.ndarray]]) -> np.ndarray:
        """``history`` (the history blend's scores) with each newcomer's row mixed with their
        fans' ranking from ``newcomer_signals(newcomers)`` — ``"fans"`` and, where known,
        ``"demographic_lift"`` — which is asked for the newcomers' rows alone (a new array
        when there are any)."""
        weights = self.fans_weights(queries)
        rows = np.flatnonzero(weights > 0)
        signals = newcomer_signals(queries.take(rows)) if rows.size else {}
        if "fans" not in signals:
            return history
        mixed = np.array(history, dtype=np.float32)
        mixed[rows] = self.mix(self.newcomer_scores(signals), mixed[rows], weights[rows], queries.seen[rows])
        return mixed

    def newcomer_scores(self, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        """The fans' ranking: log shares plus ``lift_weight`` times the demographic lift."""
        scores = np.asarray(signals["fans"], dtype=np.float32)
        if "demographic_lift" in signals and self.lift_weight:
            scores = scores + np.float32(self.lift_weight) * np.asarray(signals["demographic_lift"], np.float32)
        return scores

    def mix(self, fans: np.ndarray, history: np.ndarray, weights: np.ndarray, seen: sp.csr_matrix) -> np.ndarray:
        """``weights × fans + (1 − weights) × history`` per row, each standardised by its
        mean and spread among the contenders (:meth:`contenders` of the two). A movie one
        list cannot score gets that list's lowest standardised value in the row."""
        return self.mixes([fans], history, weights, seen)[0]

    def mixes(self, fans_lists: Sequence[np.ndarray], history: np.ndarray, weights: np.ndarray,
              seen: sp.csr_matrix) -> list[np.ndarray]:
        """:meth:`mix` of each of ``fans_lists`` with ``history``, all standardised among the
        contenders of the first and ``history`` (variants of one ranking, compared on the
        same movies)."""
        rows, columns = self.contenders(fans_lists[0], history, seen=seen)
        share = weights[:, None].astype(np.float32)
        rest = (np.float32(1.0) - share) * _standardise_among(history, rows, columns)
        return [share * _standardise_among(fans, rows, columns) + rest for fans in fans_lists]

    def contenders(self, *lists: np.ndarray, seen: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The union of each list's :attr:`pool` best unseen movies per row, as ``(rows,
        movies)`` index arrays."""
        n_movies = lists[0].shape[1]
        cells = []
        for scores in lists:
            best, _ = top_n(np.array(scores, dtype=np.float32), min(int(self.pool), n_movies), seen, ordered=False)
            rows, rank = np.nonzero(best >= 0)
            cells.append(rows.astype(np.int64) * n_movies + best[rows, rank])
        union = np.unique(np.concatenate(cells))
        return union // n_movies, union % n_movies

    def to_json(self) -> dict[str, Any]:
        """The configuration as plain data (saved in a model directory's manifest)."""
        return {"blend": {"weights": dict(self.blend.weights), "pool": int(self.blend.pool)},
                "lift_weight": float(self.lift_weight), "named_half": float(self.named_half), "pool": int(self.pool)}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ForYou:
        """The configuration :meth:`to_json` wrote, typed; an unknown setting or a value of
        the wrong type is a :class:`~cinerec.errors.ModelError`."""
        from cinerec.models.config import typed_settings

        settings = typed_settings(cls, document, "For you settings")
        blend = settings.get("blend", Blend())
        return cls(**{**settings, "blend": Blend(dict(blend.weights), int(blend.pool))})

    @classmethod
    def for_components(cls, components: Mapping[str, Recommender]) -> ForYou:
        """The defaults for these fitted components: the history blend's weights for the
        likings per movie behind the collaborative model and the arrivals *rising* saw
        (see :func:`default_weights`), the plain defaults without them."""
        return cls(Blend(default_weights(*data_facts(components))))


def data_facts(components: Mapping[str, Recommender]) -> tuple[float | None, float | None]:
    """``(likings per modelled movie, arrival)`` as the fitted components learned them
    (``None`` for what a component that is missing would have said)."""
    from cinerec.models.ease import EASE
    from cinerec.models.rising import Rising

    collaborative, rising = components.get("collaborative"), components.get("rising")
    return (collaborative.mean_likings if isinstance(collaborative, EASE) else None,
            float(rising.arrival_) if isinstance(rising, Rising) else None)


def _standardise_among(scores: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Each row of ``scores`` minus its mean over the cells ``(rows, columns)`` in that row,
    divided by their standard deviation (float32); non-finite entries get the row's lowest
    value (0 in a row with none finite)."""
    scores = np.asarray(scores, dtype=np.float32)
    values = scores[rows, columns]
    finite = np.isfinite(values)
    at, values = rows[finite], values[finite].astype(np.float64)
    count = np.maximum(np.bincount(at, minlength=scores.shape[0]), 1)
    mean = np.bincount(at, weights=values, minlength=scores.shape[0]) / count
    var = np.bincount(at, weights=np.square(values - mean[at]), minlength=scores.shape[0]) / count
    z = (scores - mean[:, None].astype(np.float32)) * _inverse_deviation(var)[:, None]
    missing = ~np.isfinite(z)
    if missing.any():
        lowest = np.fmin.reduce(np.where(missing, np.float32(np.inf), z), axis=1)
        np.copyto(z, np.where(np.isfinite(lowest), lowest, np.float32(0.0))[:, None], where=missing)
    return z


def _is_pooled(name: str, weight: float) -> bool:
    return weight < 0.0 or (name in POOLED and weight != 0.0)


def standardise_rows(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Z-score each row over its finite entries; non-finite entries get the row's minimum.

    Returns ``(standardised float32, finite mask)``. A row with no finite entry is all 0.
    At 62,000 movies this runs for every blended component of every answer, so the
    work stays in float32 (the sums behind the mean and variance are accumulated in
    float64, which keeps them exact enough to rank by). Blocks that are mostly
    unscorable (neighbour scores of a person with a few likes) work on their finite
    entries alone.
    """
    scores = np.asarray(scores, dtype=np.float32)
    finite = np.isfinite(scores)
    count = np.count_nonzero(finite, axis=1)
    if int(count.sum()) * SPARSE_SHARE < finite.size:
        return _standardise_sparse_rows(scores, finite, count), finite
    return _standardise_dense_rows(scores, finite, count), finite


#: A block with fewer than one finite entry in this many is standardised entry by entry.
SPARSE_SHARE = 4


def _standardise_dense_rows(scores: np.ndarray, finite: np.ndarray, count: np.ndarray) -> np.ndarray:
    """:func:`standardise_rows` with whole-row arithmetic: one deviation array, turned
    into z-scores in place; a fully finite block skips the masking passes."""
    complete = bool((count == scores.shape[1]).all())
    safe = scores if complete else np.where(finite, scores, np.float32(0.0))
    n = np.maximum(count, 1)[:, None]
    mean = (safe.sum(axis=1, keepdims=True, dtype=np.float64) / n).astype(np.float32)
    deviation = safe - mean
    if not complete:
        deviation *= finite  # missing entries add nothing to the variance
    var = np.einsum("ij,ij->i", deviation, deviation, dtype=np.float64)[:, None] / n
    z = np.multiply(deviation, _inverse_deviation(var), out=deviation)
    if not complete:
        lowest = np.where(finite, z, np.float32(np.inf)).min(axis=1, keepdims=True)
        np.copyto(z, np.where(np.isfinite(lowest), lowest, np.float32(0.0)), where=~finite)
    return z


def _standardise_sparse_rows(scores: np.ndarray, finite: np.ndarray, count: np.ndarray) -> np.ndarray:
    """:func:`standardise_rows` over the finite entries gathered row by row; the rest
    of each row is filled with its lowest z-score."""
    rows, columns = np.nonzero(finite)
    z_values = _z_within_rows(rows, scores[rows, columns], count)
    lowest = np.zeros(count.size, np.float32)
    scored = np.flatnonzero(count)
    if scored.size:
        starts = np.concatenate([[0], np.cumsum(count)[:-1]])[scored]
        lowest[scored] = np.minimum.reduceat(z_values, starts)
    z = np.empty(scores.shape, np.float32)
    z[...] = lowest[:, None]
    z[rows, columns] = z_values
    return z


def _z_within_rows(rows: np.ndarray, values: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Z-scores of float32 ``values`` within their rows: ``rows[i]`` is the row of
    ``values[i]`` and ``count`` how many values each row has."""
    n = np.maximum(count, 1)
    mean = (np.bincount(rows, weights=values, minlength=count.size) / n).astype(np.float32)
    deviation = values - mean[rows]
    var = np.bincount(rows, weights=np.square(deviation, dtype=np.float64), minlength=count.size) / n
    return deviation * _inverse_deviation(var)[rows]


def _inverse_deviation(var: np.ndarray) -> np.ndarray:
    """``1 / sqrt(var)`` as float32, 1 where the variance is 0 (all scores equal)."""
    positive = var > 0
    return np.where(positive, 1.0 / np.sqrt(np.where(positive, var, 1.0)), 1.0).astype(np.float32)
