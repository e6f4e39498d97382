"""*People like you*: what people of your gender, age, occupation and region enjoy
more than everyone else does.

Users with demographics are grouped by k-means on their encoded profile
(:class:`~cinerec.features.user_features.DemographicEncoder`); the number of groups is
chosen by silhouette over ``k_range``. Each group's share of likers is shrunk:

* ``p_c(i)``, the share of the group that liked movie ``i``, is shrunk toward the share
  ``p(i)`` among all people with demographics, ``p_c(i) = (likes_ci + m·p(i)) / (n_c + m)``
  — a Beta prior of strength ``m``, estimated from the data (empirical Bayes: how much
  the groups' shares really vary beyond binomial noise). A two-person group therefore
  keeps close to the overall list instead of listing its two members' favourites.

Two lists come out of it.

**The section's list** (:meth:`PeopleLikeYou.distinctive`) leads with what people like you
like more than everyone does. It starts from ``q(i)``, an estimate of the share of people
like the person who liked movie ``i``: their group's shrunk share, refined by their
nearest people by demographics (as many people as the kernel weights are worth, against
``neighbor_prior`` pseudo-neighbours holding the group's share), and mixed in log-odds
(``field_share`` of it) with a per-field estimate — everyone's log-odds plus, for each of
gender, age band and occupation the person gave, how much more the people who share that
value liked the movie (their share shrunk by ``field_prior`` pseudo-people of
everyone's): a cluster can be small (ml-100k's people under 18 are a cluster of 36)
where one gender or one age band is many (its men are 670). The list is ranked by the
*contrasted share* ``logit s = logit q + c·(logit q − logit p)`` (``c`` = ``contrast``):
how much people like you like a movie, and ``c`` times more of how much more than
everyone does. A person
reads ``q`` and ``p`` as the reason ("liked by 53% of women 50-55, academic/educator
(33% of everyone)").

Why this form: the group's own popularity makes six very different people's lists
nearly the same (Star Wars first for most of them), and leaning harder on the group's
lift costs more accuracy than it buys. Among the forms compared on ml-100k validation
newcomers who give only their demographics, the defaults are the most accurate whose
lists for six very different people share at most 3 of 10 movies. Once lists differ
that much, every form tried is about as accurate as the seed baseline's clusters:
demographics alone say little, and what sets a group apart is by nature liked by fewer
people. The forms, settings and figures: docs/design.md#people-like-you.

**For you's list** (:meth:`PeopleLikeYou.score`, the model's score as a component) is
the group's ``p_c + γ·(p_c − p)`` (``γ`` = ``lift_weight``, the rows of
``cluster_scores_``) blended with the demographic neighbours' shares. *For you* ranks
someone known only by their demographics by it alone, and there accuracy comes first
(it ranks them better than the section's list does). The
lift is a difference, not a ratio, on purpose: a ratio ``p_c / p`` explodes for movies
almost nobody liked, so a group whose two members share one obscure favourite would list
it first whatever the shrinkage; a difference is bounded by the shrunk share itself (the
log-odds contrast above is safe for the same reason: ``q`` is shrunk at every level).

People who give no demographics — every user of ml-10m and later releases — are left
out of the clustering (as a group they would be a fake "unknown" cluster) and get the
last row of ``cluster_scores_``: what everyone likes most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from cinerec.data.dataset import Dataset
from cinerec.features.user_features import FIELDS, DemographicEncoder, zip_region
from cinerec.models.aggregates import group_likings, movie_counts
from cinerec.models.base import QueryBatch, Recommender, require
from cinerec.models.for_you import Blend
from cinerec.models.likes import likes_matrix
from cinerec.models.neighbors import gather_rows
from cinerec.progress import progress

if TYPE_CHECKING:
    from sklearn.cluster import KMeans

#: Movies need this many likes among people with demographics to inform the
#: empirical-Bayes estimate of the shrinkage strength (rarer ones are pure noise).
MIN_LIKES_FOR_PRIOR = 10

#: Shares listed per field in a cluster's profile.
PROFILE_TOP = 3


#: How much each field's own lift counts in the per-field estimate (see the module docstring;
#: equal weights were as accurate on validation as any tried).
FIELD_WEIGHTS: dict[str, float] = {"gender": 1.0, "age_band": 1.0, "occupation": 1.0}
#: The encoder's one-hot blocks the per-field estimate reads, and their fields.
_FIELD_BLOCKS: dict[str, str] = {"gender": "gender", "age": "age_band", "occupation": "occupation"}
#: Shares are kept this far from 0 and 1 before taking log-odds. It bounds the log-odds
#: (±6.9), so that the contrasted share of :meth:`PeopleLikeYou.score` still orders
#: movies in float32 at the extremes (a two-person group without shrinkage that liked
#: several movies all alike) instead of rounding them all to 1.
SHARE_FLOOR = 1e-3

#: People whose demographic neighbours are worked out at once (each holds a row of
#: float64 distances to every member: 512 × 6,040 members of ml-1m is 25 MB).
NEIGHBOUR_BLOCK = 512

#: Memory kept for lists already worked out (see :meth:`PeopleLikeYou.score`).
SCORE_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Lists:
    """What a person's demographics give (see :meth:`PeopleLikeYou._lists`): their
    ``group`` (row of ``group_shares_``; ``n_clusters_`` = none), ``overall`` (everyone's
    shares, what someone who gave nothing gets), ``affinity`` (:meth:`PeopleLikeYou.score`'s
    row) and ``logits`` (the estimated log-odds of :meth:`PeopleLikeYou.distinctive`; ``None``
    for someone who gave nothing)."""

    group: int
    overall: np.ndarray
    affinity: np.ndarray
    logits: np.ndarray | None


class PeopleLikeYou(Recommender):
    """Demographic-group recommender (see the module docstring).

    Parameters
    ----------
    k_range : (low, high), both inclusive: the numbers of groups tried.
    k : a fixed number of groups; ``None`` chooses the best silhouette in ``k_range``.
    shrinkage : the prior strength ``m`` (in people); ``None`` estimates it from the data.
    lift_weight : ``γ``, how much "more than everyone else" counts beside the group's popularity.
    block_weights, min_count : passed to :class:`DemographicEncoder`.
    n_init : k-means restarts per ``k``.
    silhouette_sample : at most this many people are used to compute silhouettes (its cost
        grows with the square: 3,000 keeps choosing k to seconds at ML-25M scale).
    embedding_sample : at most this many people are projected for the 2-D picture.
    random_state : seed for k-means, the samples and the projection.
    neighbors, bandwidth : the demographic neighbours: the ``neighbors`` people nearest to
        the asker, each weighted ``exp(-d² / bandwidth)`` by their distance (0 neighbours:
        groups only).
    neighbor_weight : weight of the neighbours' standardised shares beside the group's list
        in :meth:`score`.
    estimate_bandwidth, neighbor_prior : the neighbours' kernel width in the section's
        estimate ``q``, and how many pseudo-neighbours holding the group's share they are
        weighed against.
    field_prior, field_weights, field_share : the per-field estimate: the pseudo-people of
        everyone's share each field value's share is shrunk by, each field's weight
        (:data:`FIELD_WEIGHTS` by default) and its share of ``q``'s log-odds.
    contrast : ``c``, how much further from everyone's the section's list moves ``q``'s odds.

    Learned: ``movie_ids_``, ``encoder_`` (JSON), ``k_values_``, ``silhouettes_``,
    ``inertias_``, ``n_clusters_``, ``centers_``, ``center_spreads_``, ``cluster_sizes_``, ``shrinkage_``,
    ``cluster_scores_`` (``(n_clusters + 1, n_movies)`` float32, last row = everyone),
    ``group_shares_`` (``(n_clusters + 1, n_movies)`` float32: each group's shrunk share of
    likers, last row = the share among everyone with demographics),
    ``cluster_profiles_``, ``embedding_2d_`` and ``embedding_labels_``, ``member_features_``
    (float32 ``(n_described, n_features)``: the encoded people with demographics) and
    ``member_likes_`` (their likes, CSR ``(n_described, n_movies)``).
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (2, 16),
        k: int | None = None,
        shrinkage: float | None = None,
        lift_weight: float = 0.5,
        block_weights: dict[str, float] | None = None,
        min_count: int = 5,
        n_init: int = 4,
        silhouette_sample: int = 3_000,
        embedding_sample: int = 5_000,
        random_state: int | None = None,
        neighbors: int = 200,
        bandwidth: float = 0.5,
        neighbor_weight: float = 1.0,
        estimate_bandwidth: float = 1.0,
        neighbor_prior: float = 10.0,
        field_prior: float = 15.0,
        field_weights: dict[str, float] | None = None,
        field_share: float = 0.2,
        contrast: float = 0.5,
    ):
        self.k_range = k_range
        self.k = k
        self.shrinkage = shrinkage
        self.lift_weight = lift_weight
        self.block_weights = block_weights
        self.min_count = min_count
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.embedding_sample = embedding_sample
        self.random_state = random_state
        self.neighbors = neighbors
        self.bandwidth = bandwidth
        self.neighbor_weight = neighbor_weight
        self.estimate_bandwidth = estimate_bandwidth
        self.neighbor_prior = neighbor_prior
        self.field_prior = field_prior
        self.field_weights = field_weights
        self.field_share = field_share
        self.contrast = contrast

    # ------------------------------------------------------------------ fitting
    def fit(self, dataset: Dataset) -> Self:
        """Cluster the people with demographics and rank movies for each group."""
        self.forget_derived()
        self._validate_params()
        rng = np.random.default_rng(self.random_state)
        likes = likes_matrix(dataset)
        encoder = DemographicEncoder(self.block_weights, self.min_count)
        known = encoder.known_mask(dataset.users)
        known_users = dataset.users[known].reset_index(drop=True)
        encoder.fit(known_users)
        features = encoder.encode(known_users)
        # Demographic profiles are small (thousands of rows, tens of columns): threads
        # buy nothing, and on a busy machine OpenMP's spinning made k-means 20x slower.
        with threadpool_limits(limits=1):
            labels = self._cluster(features, rng)
        n_clusters = int(self.centers_.shape[0])
        group_likes = group_likings(dataset, np.flatnonzero(known), labels, n_clusters).astype(np.float64)
        self.cluster_sizes_ = np.bincount(labels, minlength=n_clusters).astype(np.int64)
        known_share = group_likes.sum(axis=0) / max(int(known.sum()), 1)
        self.shrinkage_ = float(self.shrinkage if self.shrinkage is not None else
                                empirical_bayes_strength(group_likes, self.cluster_sizes_, known_share))
        everyone_share = movie_counts(dataset).likings.astype(np.float32) / max(dataset.n_users, 1)
        shrunk = self._shrunk_shares(group_likes, known_share)
        self.group_shares_ = np.vstack([shrunk, known_share[None, :]]).astype(np.float32)
        self.cluster_scores_ = np.vstack([
            np.where(known_share > 0, shrunk + self.lift_weight * (shrunk - known_share), np.nan),
            np.where(everyone_share > 0, everyone_share, np.nan)[None, :],
        ]).astype(np.float32)
        self.cluster_profiles_ = _profiles(known_users, labels, n_clusters)
        self.embedding_2d_, self.embedding_labels_ = self._embedding(features, labels, rng)
        self.encoder_ = encoder.to_json()
        self.member_features_ = features.astype(np.float32)
        self.member_likes_ = sp.csr_matrix(likes[np.flatnonzero(known)], dtype=np.float32)
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    def _validate_params(self) -> None:
        low, high = (int(v) for v in self.k_range)
        require(self, "k_range", 2 <= low <= high, "must be (low, high) with 2 <= low <= high")
        require(self, "k", self.k is None or int(self.k) >= 1, "must be a positive number of groups or None")
        require(self, "shrinkage", self.shrinkage is None or self.shrinkage >= 0, "must be >= 0 or None")
        for name in ("neighbor_prior", "field_prior", "contrast"):
            require(self, name, float(getattr(self, name)) >= 0, "must be >= 0")
        for name in ("bandwidth", "estimate_bandwidth"):
            require(self, name, float(getattr(self, name)) > 0, "must be > 0")
        require(self, "field_share", 0.0 <= float(self.field_share) <= 1.0, "must be within [0, 1]")
        weights = self.field_weights or {}
        require(self, "field_weights", not set(weights) - set(FIELD_WEIGHTS) and all(float(w) >= 0
                                                                                       for w in weights.values()),
                f"must map some of {list(FIELD_WEIGHTS)} to weights >= 0")

    def _cluster(self, features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Run k-means for every ``k`` in range, record the curves, keep the chosen ``k``.

        Learns ``k_values_``, ``silhouettes_``, ``inertias_``, ``n_clusters_`` and
        ``centers_`` (and ``center_spreads_``); returns each person's group. With no
        one to cluster there are no groups (everyone gets the overall list); fewer
        distinct profiles than ``k`` give one group per profile.

        k-means runs over the distinct profiles, each weighted by how many people share it
        (the same objective as over the people): millions of people have at most some
        tens of thousands of profiles, so the clustering costs the same at any size.
        """
        if features.size:
            profiles, person_profile, sharing = np.unique(features, axis=0, return_inverse=True, return_counts=True)
            person_profile = person_profile.ravel()
        else:
            profiles, person_profile, sharing = features, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        n_distinct = profiles.shape[0]
        low, high = (int(v) for v in self.k_range)
        ks = np.arange(low, min(high, n_distinct) + 1)
        sample = rng.permutation(features.shape[0])[: self.silhouette_sample]
        seed = int(rng.integers(2**31 - 1))
        fits = {int(k): self._kmeans(profiles, sharing, int(k), seed)
                for k in progress(ks, "grouping people (k-means)")}
        labels_of = {k: fit.labels_[person_profile] for k, fit in fits.items()}
        self.k_values_ = ks.astype(np.int32)
        self.inertias_ = np.array([fits[k].inertia_ for k in fits], dtype=np.float64)
        self.silhouettes_ = np.array([_silhouette(features[sample], labels_of[k][sample]) for k in fits],
                                     dtype=np.float64)
        chosen = self._chosen_k(n_distinct)
        if chosen == 0:
            self.n_clusters_ = 0
            self.centers_ = np.zeros((0, features.shape[1]), dtype=np.float32)
            self.center_spreads_ = np.zeros((0, features.shape[1]), dtype=np.float32)
            return np.zeros(features.shape[0], dtype=np.int64)
        best = fits[chosen] if chosen in fits else self._kmeans(profiles, sharing, chosen, seed)
        labels = best.labels_[person_profile]
        self.n_clusters_ = chosen
        self.centers_ = best.cluster_centers_.astype(np.float32)
        self.center_spreads_ = _spreads(features, labels, best.cluster_centers_)
        return labels.astype(np.int64)

    def _chosen_k(self, n_distinct: int) -> int:
        if self.k is not None:
            return min(int(self.k), n_distinct)
        if not np.isfinite(self.silhouettes_).any():
            return 1 if n_distinct >= 1 else 0
        return int(self.k_values_[np.nanargmax(self.silhouettes_)])

    def _kmeans(self, profiles: np.ndarray, sharing: np.ndarray, k: int, seed: int) -> KMeans:
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed).fit(profiles, sample_weight=sharing)

    def _shrunk_shares(self, group_likes: np.ndarray, known_share: np.ndarray) -> np.ndarray:
        """Each group's share of likers per movie, shrunk toward the share among everyone
        with demographics (``(n_clusters, n_movies)`` float64)."""
        m = self.shrinkage_
        sizes = self.cluster_sizes_[:, None].astype(np.float64)
        return (group_likes + m * known_share) / np.maximum(sizes + m, 1e-12)

    def _embedding(self, features: np.ndarray, labels: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A 2-D PCA picture of (a sample of) the encoded people and their groups."""
        sample = np.sort(rng.permutation(features.shape[0])[: self.embedding_sample])
        if sample.size < 2 or features.shape[1] < 2:
            return np.zeros((0, 2), dtype=np.float32), np.zeros(0, dtype=np.int32)
        seed = int(rng.integers(2**31 - 1))
        from sklearn.decomposition import PCA

        points = PCA(n_components=2, random_state=seed).fit_transform(features[sample])
        return points.astype(np.float32), labels[sample].astype(np.int32)

    # ------------------------------------------------------------------ scoring
    def assign(self, demographics: pd.DataFrame) -> np.ndarray:
        """Each person's row of ``cluster_scores_``: the group whose members are on
        average nearest over the fields they gave (someone giving only gender is
        matched on gender alone), or ``n_clusters_`` — the overall list — for someone
        who gave nothing.

        The mean squared distance to a group's members is the distance to its centre
        plus the group's spread. Without the spread a diffuse, mixed group (whose
        centre sits near everything) would claim every unusual person — on ml-100k a
        retired man over 56 was matched to a group of mostly 25-44-year-old men.
        """
        self.check_fitted()
        return self._assign_encoded(*self._encode(demographics))

    def _encode(self, demographics: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """People's encoded demographics and which columns they gave, float64 (what both
        :meth:`assign` and :meth:`neighbor_shares` compare)."""
        encoder = self.__dict__.get("_encoder")
        if encoder is None:
            encoder = self._encoder = DemographicEncoder.from_json(self.encoder_)
        return encoder.encode(demographics).astype(np.float64), encoder.known_columns(demographics).astype(np.float64)

    def _assign_encoded(self, features: np.ndarray, given: np.ndarray) -> np.ndarray:
        """:meth:`assign` from :meth:`_encode`'s output."""
        rows = np.full(features.shape[0], self.n_clusters_, dtype=np.int64)
        if self.n_clusters_ == 0 or features.shape[0] == 0:
            return rows
        centers = np.asarray(self.centers_, dtype=np.float64)
        # Mean |x - member|² over the given columns only; x is already zero on the others.
        spreads = np.asarray(self.center_spreads_, dtype=np.float64)
        distances = (features**2).sum(axis=1)[:, None] - 2 * features @ centers.T + given @ (centers**2 + spreads).T
        matched = given.any(axis=1)
        rows[matched] = distances[matched].argmin(axis=1)
        return rows

    def lift(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: how much more each person's group likes each movie
        than everyone with demographics does, as the log of the ratio of their shrunk
        shares — 0 for people who gave no demographics and for movies nobody with
        demographics liked. *For you* multiplies a newcomer's list by it (adds, in logs).
        """
        self.check_fitted()
        groups = np.fromiter((entry.group for entry in self._lists(queries.demographics)), dtype=np.int64,
                             count=queries.n_queries)
        lifts = self.__dict__.get("_log_lifts")
        if lifts is None:
            shares = np.asarray(self.group_shares_, dtype=np.float32)
            with np.errstate(divide="ignore", invalid="ignore"):
                lifts = np.log(shares / shares[-1])
            lifts[~np.isfinite(lifts)] = 0.0
            self._log_lifts = lifts
        return lifts[groups]

    def distinctive(self, queries: QueryBatch) -> np.ndarray:
        """``(n_queries, n_movies)`` float32 (NaN = nobody with demographics liked it): the
        *Popular with people like you* list — each person's *contrasted share* of each
        movie: the estimated share of people like them who liked it, its odds moved
        ``contrast`` times further from everyone's (see the module docstring). People who
        gave no demographics get the share of everyone who liked it."""
        self.check_fitted()
        lists = self._lists(queries.demographics)
        if not lists:
            return np.zeros((0, self.movie_ids_.size), dtype=np.float32)
        everyone = self._everyone_logits()
        contrast = np.float32(self.contrast)
        with np.errstate(over="ignore"):
            return np.stack([entry.overall if entry.logits is None else
                             1 / (1 + np.exp(contrast * everyone - (1 + contrast) * entry.logits))
                             for entry in lists])

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(n_queries, n_movies)`` float32 (NaN = nobody liked it): what *For you* blends
        for people like each person — their group's list blended with their demographic
        neighbours' shares (``neighbor_weight``), as it always was: the most accurate list
        for someone known only by their demographics, not leaning toward what sets them
        apart. People who gave no demographics get the share of everyone who liked it."""
        self.check_fitted()
        lists = self._lists(queries.demographics)
        if not lists:
            return np.zeros((0, self.movie_ids_.size), dtype=np.float32)
        return np.stack([entry.affinity for entry in lists])

    def liked_shares(self, demographics: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """What :meth:`distinctive` is made of, as shares a person can read: ``(people,
        everyone)`` — float32 ``(n, n_movies)``, the estimated share of people like each
        person who liked each movie (NaN for people who gave no demographics and for
        movies nobody with demographics liked), and ``(n_movies,)``, the share of
        everyone with demographics who did."""
        self.check_fitted()
        people = np.full((len(demographics), self.movie_ids_.size), np.nan, dtype=np.float32)
        for i, entry in enumerate(self._lists(demographics)):
            if entry.logits is not None:
                people[i] = 1 / (1 + np.exp(-entry.logits))
        return people, np.asarray(self.group_shares_[-1], dtype=np.float32)

    @property
    def describes_anyone(self) -> bool:
        """Whether anyone in the training data gave a gender, age, occupation or zip (if
        not, there are no groups and nobody to compare a person with)."""
        self.check_fitted()
        return int(self.n_clusters_) > 0

    def _lists(self, frame: pd.DataFrame) -> list[_Lists]:
        """Each person's lists (:class:`_Lists`).

        They depend only on the person's gender, age band, occupation and zip area, and
        few such combinations exist, so they are kept (up to :data:`SCORE_CACHE_BYTES`)
        and each distinct combination in a block is worked out once: a web service asked
        again and again for "men 25-34, programmer" does the work once.
        """
        columns = [frame[field].to_numpy(dtype=object) if field in frame else np.full(len(frame), None, dtype=object)
                   for field in FIELDS]
        keys = [_demographic_key(row) for row in zip(*columns)]
        cache = self.__dict__.setdefault("_score_cache", {})
        # What the cache holds is taken before anything new may make it start over.
        lists = {key: cache[key] for key in dict.fromkeys(keys) if key in cache}
        missing = [key for key in dict.fromkeys(keys) if key not in lists]
        if missing:
            fresh = dict(zip(missing, self._work_out(pd.DataFrame(missing, columns=list(FIELDS)))))
            entry_bytes = 8 * self.movie_ids_.size  # the estimate's and For you's rows
            if (len(cache) + len(fresh)) * entry_bytes > SCORE_CACHE_BYTES:
                cache.clear()
            if len(fresh) * entry_bytes <= SCORE_CACHE_BYTES:
                cache.update(fresh)
            lists.update(fresh)
        return [lists[key] for key in keys]

    def _work_out(self, demographics: pd.DataFrame) -> list[_Lists]:
        """:class:`_Lists` of each row of a frame of demographics, without the cache."""
        features, given = self._encode(demographics)
        groups = self._assign_encoded(features, given)
        overall = np.asarray(self.cluster_scores_[-1], dtype=np.float32)
        affinity = np.array(self.cluster_scores_[groups], dtype=np.float32)
        described = np.flatnonzero(groups < self.n_clusters_)
        logits = np.full((described.size, self.movie_ids_.size), np.nan, dtype=np.float32)
        with_neighbours = int(self.neighbors) > 0 and np.asarray(self.member_features_).shape[0] > 0
        # A block of people at a time: each holds a (people, members) distance array and two kernels.
        for start in range(0, described.size, NEIGHBOUR_BLOCK):
            rows = described[start: start + NEIGHBOUR_BLOCK]
            distances = self._neighbour_distances(features[rows], given[rows]) if with_neighbours else None
            logits[start: start + rows.size] = self._estimated_logits(features[rows], groups[rows], distances)
            if distances is not None and float(self.neighbor_weight) != 0.0:
                neighbours = self._neighbour_shares(self._neighbour_weights(distances, float(self.bandwidth)))
                affinity[rows] = Blend({"group": 1.0, "neighbours": float(self.neighbor_weight)}).combine(
                    {"group": affinity[rows], "neighbours": neighbours})
        estimated = np.full(groups.size, -1, dtype=np.int64)
        estimated[described] = np.arange(described.size)
        return [_Lists(int(group), overall, affinity[i], logits[estimated[i]] if estimated[i] >= 0 else None)
                for i, group in enumerate(groups)]

    def _estimated_logits(self, features: np.ndarray, groups: np.ndarray,
                          distances: np.ndarray | None) -> np.ndarray:
        """``(n, n_movies)`` float32: the log-odds that people like each person like each
        movie (NaN where nobody with demographics liked it) — their group's shrunk share,
        refined by their nearest people's (``neighbor_prior`` pseudo-neighbours of the
        group's share; kernel ``estimate_bandwidth``), mixed in log-odds with the
        per-field estimate (``field_share`` of it)."""
        # Rows first, then float64: the whole table is a copy of megabytes per query.
        everyone = np.asarray(self.group_shares_[-1], dtype=np.float64)
        estimate = np.asarray(self.group_shares_[groups], dtype=np.float64)
        if distances is not None:
            weights = self._neighbour_weights(distances, float(self.estimate_bandwidth))
            total = weights.sum(axis=1)
            # Kernel weights count as fewer people than their sum: the effective number of neighbours.
            count = total**2 / np.maximum((weights**2).sum(axis=1), 1e-300)
            own = self._weighted_likes(weights) / np.maximum(total, 1e-300)[:, None]
            prior = float(self.neighbor_prior)
            estimate = (own * count[:, None] + prior * estimate) / np.maximum(count + prior, 1e-12)[:, None]
        logits = _logit(estimate)
        field_share = float(self.field_share)
        if field_share > 0:
            logits = (1 - field_share) * logits + field_share * (_logit(everyone) + self._field_lifts(features))
        logits[:, everyone <= 0] = np.nan
        return logits.astype(np.float32)

    def _everyone_logits(self) -> np.ndarray:
        """The log-odds of the share of everyone with demographics who liked each movie
        (float32, NaN where nobody did), kept after the first query."""
        cached = self.__dict__.get("_everyone")
        if cached is None:
            everyone = np.asarray(self.group_shares_[-1], dtype=np.float64)
            cached = self._everyone = np.where(everyone > 0, _logit(everyone), np.nan).astype(np.float32)
        return cached

    def _field_lifts(self, features: np.ndarray) -> np.ndarray:
        """``(n, n_movies)`` float64: the per-field estimate's log-odds minus everyone's —
        for each field a person gave, how much more (in log-odds) the people who share
        that value liked each movie than everyone did, times its ``field_weights``."""
        columns, lifts = self._field_table()
        if columns.size == 0:
            return np.zeros((features.shape[0], self.movie_ids_.size))
        return (features[:, columns] != 0).astype(np.float64) @ lifts

    def _field_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The encoded columns of the gender, age band and occupation values and, for each,
        the weighted log-odds lift of its people's share of likers over everyone's (their
        share shrunk by ``field_prior`` pseudo-people of everyone's): derived from the
        members' encoded demographics and likes at the first query, and kept."""
        cached = self.__dict__.get("_fields")
        if cached is not None:
            return cached
        self._encode(pd.DataFrame(columns=list(FIELDS)))  # rebuilds the encoder if needed
        weights = {**FIELD_WEIGHTS, **{k: float(v) for k, v in (self.field_weights or {}).items()}}
        columns, column_weights = [], []
        for i, name in enumerate(self._encoder.get_feature_names_out()):
            block, _, value = name.partition("=")
            field = _FIELD_BLOCKS.get(block)
            if value and field is not None and weights[field] > 0:
                columns.append(i)
                column_weights.append(weights[field])
        chosen = np.asarray(columns, dtype=np.intp)
        everyone = np.asarray(self.group_shares_[-1], dtype=np.float64)
        members = np.asarray(self.member_features_)
        if chosen.size == 0 or members.shape[0] == 0:
            self._fields = (np.zeros(0, dtype=np.intp), np.zeros((0, everyone.size)))
            return self._fields
        holders = sp.csr_matrix((members[:, chosen] != 0).T.astype(np.float64))
        liked = (holders @ self.member_likes_).toarray()
        counts = np.asarray(holders.sum(axis=1)).ravel()
        prior = float(self.field_prior)
        shares = (liked + prior * everyone) / np.maximum(counts + prior, 1e-12)[:, None]
        lifts = np.where(everyone > 0, _logit(shares) - _logit(everyone), 0.0)
        self._fields = (chosen, lifts * np.asarray(column_weights)[:, None])
        return self._fields

    def neighbor_shares(self, demographics: pd.DataFrame) -> np.ndarray:
        """``(n, n_movies)`` float32: the share of each person's nearest ``neighbors``
        training people (by demographics, over the fields the person gave, kernel
        ``bandwidth``) who liked each movie, nearer people weighing more; NaN where none
        of them liked it. People tied with the ``neighbors``-th nearest all count
        (identical profiles are common, and no one of them has a better claim than another).

        Groups are coarse — everyone in a group gets one list however far they sit from
        its centre; the neighbours follow each person, and blended with the groups they
        rank newcomers better than groups alone (docs/design.md#people-like-you).
        """
        self.check_fitted()
        features, given = self._encode(demographics)
        return self._neighbour_shares(self._neighbour_weights(self._neighbour_distances(features, given),
                                                              float(self.bandwidth)))

    def _neighbour_shares(self, weights: np.ndarray) -> np.ndarray:
        """:meth:`neighbor_shares` from :meth:`_neighbour_weights`' output."""
        liked = self._weighted_likes(weights)
        shares = liked / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
        return np.where(liked > 0, shares, np.nan).astype(np.float32)

    def _neighbour_distances(self, features: np.ndarray, given: np.ndarray) -> np.ndarray:
        """``(n, n_members)`` float64: squared demographic distances from each person to
        every member, over the fields the person gave (the person is zero on the others)."""
        members, members_squared = self._members()
        distances = (features**2).sum(axis=1)[:, None] - 2 * (members @ features.T).T + \
            (members_squared @ given.T).T
        return np.maximum(distances, 0.0)

    def _neighbour_weights(self, distances: np.ndarray, bandwidth: float) -> np.ndarray:
        """Each member's weight ``exp(-d² / bandwidth)`` as a neighbour of each person, 0
        beyond the ``neighbors`` nearest and those tied with the last of them."""
        weights = np.exp(-distances / bandwidth)
        k = min(int(self.neighbors), weights.shape[1])
        if k < weights.shape[1]:
            kth = -np.partition(-weights, k - 1, axis=1)[:, k - 1: k]
            weights = np.where(weights >= kth, weights, 0.0)
        return weights

    def _weighted_likes(self, weights: np.ndarray) -> np.ndarray:
        """``weights @ member_likes_`` as dense float64. For one person (a web request)
        the weighted members' like lists are gathered and summed with bincount, which
        adds one by one in the sparse product's order (bit-identical) without building a
        sparse matrix; a block uses the product (a C loop)."""
        if weights.shape[0] != 1:
            return (sp.csr_matrix(weights) @ self.member_likes_).toarray()
        members = np.flatnonzero(weights[0])
        source, movies, likes = gather_rows(self.member_likes_, members)
        return np.bincount(movies, weights=weights[0, members][source] * likes,
                           minlength=self.member_likes_.shape[1])[None, :]

    def _members(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The members' encoded demographics and their squares as float64 CSR, kept after
        the first query. The sectional-centre block makes them hundreds of columns wide but
        each member sets only a handful, so sparse products do ~1% of a dense product's
        work and never wake BLAS threads, which on a busy 2-core machine cost a web
        request tens of milliseconds of spinning."""
        cached = getattr(self, "_member_arrays", None)
        if cached is None:
            members = sp.csr_matrix(np.asarray(self.member_features_, dtype=np.float64))
            cached = self._member_arrays = (members, members.multiply(members).tocsr())
        return cached


def empirical_bayes_strength(group_likes: np.ndarray, sizes: np.ndarray, share: np.ndarray) -> float:
    """Method-of-moments prior strength ``m`` of a Beta-binomial model of group shares.

    If a group's true share of movie ``i`` is drawn around ``p(i)`` with variance
    ``p(1-p)/(m+1)``, the observed share of a group of ``n`` people deviates from
    ``p`` by ``z = (p̂ - p)² / (p(1-p))`` with mean ``1/(m+1) + 1/n``. Averaging
    ``z - 1/n`` over groups (weighted by size) and well-liked movies gives ``1/(m+1)``.
    Groups that differ by no more than noise get a very large ``m`` (no group lists).
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.size < 2:
        return 0.0  # one group is everyone: nothing to shrink toward
    usable = (share * sizes.sum() >= MIN_LIKES_FOR_PRIOR) & (share < 1)
    if not usable.any():
        return float(sizes.sum())  # no evidence that groups differ: lean on everyone
    p = share[usable]
    observed = group_likes[:, usable] / np.maximum(sizes, 1)[:, None]
    excess = (observed - p) ** 2 / (p * (1 - p)) - 1 / np.maximum(sizes, 1)[:, None]
    between = float((sizes[:, None] * excess).sum() / (sizes.sum() * p.size))
    return float(1 / max(between, 1e-6) - 1) if between < 1 else 0.0


def _profiles(users: pd.DataFrame, labels: np.ndarray, n_clusters: int) -> list[dict[str, Any]]:
    """Per group: its size and, per field, the most common values with their share
    among members who gave that field — e.g. ``{"gender": [["F", 0.83], ["M", 0.17]]}``."""
    described = {field: users[field].astype(object) for field in FIELDS if field != "zip"}
    described["region"] = zip_region(users["zip"], 1) if "zip" in users else pd.Series([None] * len(users))
    profiles: list[dict[str, Any]] = []
    for cluster in range(n_clusters):
        members = labels == cluster
        profile: dict[str, Any] = {"size": int(members.sum())}
        for field, values in described.items():
            shares = values[members].dropna().astype(str).value_counts(normalize=True)
            # ties in the order of their values, whichever order pandas counted them in
            ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))[:PROFILE_TOP]
            profile[field] = [[str(v), round(float(s), 4)] for v, s in ranked]
        profiles.append(profile)
    return profiles


def _spreads(features: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """``(n_clusters, n_features)`` float32: each group's mean squared deviation from
    its centre, per column."""
    deviations = (features - centers[labels]) ** 2
    sums = np.zeros(centers.shape, dtype=np.float64)
    np.add.at(sums, labels, deviations)
    counts = np.bincount(labels, minlength=centers.shape[0])[:, None]
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def _silhouette(features: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette of a labelled sample, NaN when it is undefined (one group, or as
    many groups as points)."""
    n_labels = np.unique(labels).size
    if not 2 <= n_labels <= features.shape[0] - 1:
        return float("nan")
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(features, labels))


def _logit(shares: np.ndarray) -> np.ndarray:
    """Log-odds of shares, kept within (:data:`SHARE_FLOOR`, 1 − :data:`SHARE_FLOOR`) (float64)."""
    shares = np.clip(np.asarray(shares, dtype=np.float64), SHARE_FLOOR, 1 - SHARE_FLOOR)
    return np.log(shares / (1 - shares))


def _demographic_key(row: tuple) -> tuple:
    """What a person's list depends on: gender, age band, occupation and zip area (the
    three leading digits cover both the region and the sectional-centre blocks)."""
    gender, age_band, occupation, zip_code = (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
                                              for v in row)
    return gender, age_band, occupation, zip_region(zip_code, 3)
