"""The synthetic people: demographics, taste, how much they rate and tag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cinerec.data.synthetic._release import ReleaseStyle
from cinerec.data.synthetic._taste import N_FACTORS, PERSONAL_TASTE_SD, USER_BIAS_SD, TasteModel
from cinerec.data.vocabulary import AGE_BANDS, GENDERS, OCCUPATION_FROM_ML100K, OCCUPATIONS

FEMALE_SHARE = 0.28
AGE_BAND_SHARES = (0.037, 0.183, 0.347, 0.197, 0.091, 0.082, 0.063)
#: Youngest and oldest age (years) in each band, for ml-100k which prints ages in years.
AGE_BAND_YEARS = ((7, 17), (18, 24), (25, 34), (35, 44), (45, 49), (50, 55), (56, 73))
OCCUPATION_SHARES: dict[str, float] = {
    "other": 0.11, "academic/educator": 0.09, "artist": 0.04, "clerical/admin": 0.03,
    "college/grad student": 0.12, "customer service": 0.02, "doctor/health care": 0.04,
    "executive/managerial": 0.11, "farmer": 0.003, "homemaker": 0.015, "K-12 student": 0.03,
    "lawyer": 0.02, "programmer": 0.065, "retired": 0.005, "sales/marketing": 0.05, "scientist": 0.025,
    "self-employed": 0.04, "technician/engineer": 0.08, "tradesman/craftsman": 0.01, "unemployed": 0.012,
    "writer": 0.05,
}
#: Occupation odds multipliers by age band: school pupils are children, students young,
#: the retired old.
NOT_AT_SCHOOL = {"K-12 student": 0.0}
OCCUPATION_BY_AGE: dict[str, dict[str, float]] = {
    "under 18": {"K-12 student": 100.0, "college/grad student": 0.0, "retired": 0.0},
    "18-24": {**NOT_AT_SCHOOL, "college/grad student": 4.0},
    "25-34": NOT_AT_SCHOOL,
    "35-44": NOT_AT_SCHOOL,
    "45-49": NOT_AT_SCHOOL,
    "50-55": {**NOT_AT_SCHOOL, "retired": 6.0},
    "56+": {**NOT_AT_SCHOOL, "retired": 60.0},
}
#: The busiest user rates at most this share of the catalogue (unless the totals force more).
MAX_CATALOGUE_SHARE = 0.45
#: Spread of log user activity: a long tail of heavy raters above a crowd near the minimum.
ACTIVITY_SIGMA = 1.2
TAGGER_SHARE = 0.12
TAGS_PER_RATING_LIMIT = 2
NO_HALF_STAR_SHARE = 0.35
ZIP_VARIANT_SHARE = 0.03  # Canadian postcodes in ml-100k, ZIP+4 in ml-1m


@dataclass(frozen=True)
class Population:
    """``n`` users; row ``u`` is user id ``u + 1``. Demographic columns are indices into
    :mod:`cinerec.data.vocabulary`'s ``GENDERS``, ``AGE_BANDS`` and ``OCCUPATIONS``; every
    user has them, ``described`` says whose the files show. ``preferences`` is
    ``(n, n_genres)``, ``factors`` ``(n, N_FACTORS)``."""

    n_ratings: np.ndarray
    n_tags: np.ndarray
    segment: np.ndarray
    gender: np.ndarray
    age_band: np.ndarray
    age: np.ndarray
    occupation: np.ndarray
    described: np.ndarray
    zips: tuple[str, ...]
    preferences: np.ndarray
    factors: np.ndarray
    bias: np.ndarray
    half_star_odds: np.ndarray
    first_rating: np.ndarray
    rating_span: np.ndarray

    def __len__(self) -> int:
        return int(self.segment.size)

    @property
    def demographic_group(self) -> np.ndarray:
        """Age band × gender, ``0 .. 2 * len(AGE_BANDS) - 1``."""
        return self.age_band.astype(np.int64) * len(GENDERS) + self.gender


def rating_bounds(n_users: int, n_movies: int, n_ratings: int, style: ReleaseStyle) -> tuple[int, int]:
    """Fewest and most ratings one user gets: the release's minimum where the totals allow
    it, and a cap so that even the busiest user leaves most of the catalogue unrated."""
    lower = min(style.min_ratings, n_ratings // max(n_users, 1), n_movies)
    upper = min(n_movies, max(lower, int(np.ceil(MAX_CATALOGUE_SHARE * n_movies))))
    if n_ratings > n_users * upper:
        upper = n_movies
    return lower, upper


def build_population(n_users: int, released: np.ndarray, n_ratings: int, n_tags: int, demographics_share: float,
                     style: ReleaseStyle, taste: TasteModel, rng: np.random.Generator) -> Population:
    """``n_users`` people for a catalogue whose movies came out at ``released`` (epoch
    seconds): each rates within an active period, and only movies out by its end."""
    gender = (rng.random(n_users) >= FEMALE_SHARE).astype(np.int8)  # GENDERS = ("F", "M")
    age_band = _draw(np.tile(AGE_BAND_SHARES, (n_users, 1)), rng).astype(np.int8)
    occupation = _draw(_occupation_odds(style)[age_band], rng).astype(np.int8)
    shift = taste.demographic_shift(age_band, gender, occupation)
    segment = _draw(taste.segment_probabilities(shift), rng).astype(np.int8)
    preferences = taste.segment_preferences[segment] + shift + rng.normal(0, PERSONAL_TASTE_SD, shift.shape)
    start, end = style.rating_period
    first_rating = rng.integers(start, end, n_users)
    span = np.minimum(rng.exponential(0.1 * (end - start), n_users), end - first_rating).astype(np.int64)
    n_user_ratings, span = _activity(n_ratings, rng.lognormal(0.0, ACTIVITY_SIGMA, n_users), first_rating, span,
                                     released, style)
    described = np.zeros(n_users, dtype=bool)
    described[rng.permutation(n_users)[: round(demographics_share * n_users)]] = True
    return Population(
        n_ratings=n_user_ratings,
        n_tags=_tags_per_user(n_tags, n_user_ratings, rng),
        segment=segment,
        gender=gender,
        age_band=age_band,
        age=_ages(age_band, rng),
        occupation=occupation,
        described=described,
        zips=_zips(n_users, style, rng),
        preferences=preferences.astype(np.float32),
        factors=(taste.segment_factors[segment] + rng.normal(0, 0.7, (n_users, N_FACTORS))).astype(np.float32),
        bias=rng.normal(0, USER_BIAS_SD, n_users).astype(np.float32),
        half_star_odds=np.where(rng.random(n_users) < NO_HALF_STAR_SHARE, 0.0, rng.beta(4, 2, n_users)),
        first_rating=first_rating,
        rating_span=span,
    )


def _activity(n_ratings: int, weights: np.ndarray, first_rating: np.ndarray, span: np.ndarray,
              released: np.ndarray, style: ReleaseStyle) -> tuple[np.ndarray, np.ndarray]:
    """How many ratings each person gives, and their active spans (seconds), such that
    everyone's count fits the movies already out when their activity ends.

    A person active in 1996 cannot rate a 2015 movie, so their share of the catalogue is
    what came out by then. Spans too short to offer the release's minimum are stretched
    until they do; if the totals still cannot fit, everyone stays active to the end.
    """
    n_movies = released.size
    lower, upper = rating_bounds(first_rating.size, n_movies, n_ratings, style)
    by_date = np.sort(released)
    needed = min(n_movies, int(np.ceil(lower / MAX_CATALOGUE_SHARE)))
    last = np.maximum(first_rating + span, by_date[max(needed, 1) - 1])
    out = np.searchsorted(by_date, last, side="right")
    room = np.minimum(upper, np.maximum(lower, np.ceil(MAX_CATALOGUE_SHARE * out).astype(np.int64)))
    if room.sum() < n_ratings:
        last, room = np.full_like(last, style.rating_period[1]), np.full_like(room, upper)
    return allocate(n_ratings, weights, lower, room), last - first_rating


def _draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of ``probabilities`` ``(n, k)``."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(probabilities.shape[0])[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= draws).sum(axis=1), probabilities.shape[1] - 1)


def _occupation_odds(style: ReleaseStyle) -> np.ndarray:
    """``(len(AGE_BANDS), len(OCCUPATIONS))`` occupation odds per age band. ml-100k has no
    words for some ml-1m occupations (farmer, ...), so its people never have them."""
    expressible = set(OCCUPATION_FROM_ML100K.values()) | {"K-12 student"}
    shares = np.array([OCCUPATION_SHARES[name] for name in OCCUPATIONS])
    odds = np.array([[shares[i] * OCCUPATION_BY_AGE[band].get(name, 1.0) for i, name in enumerate(OCCUPATIONS)]
                     for band in AGE_BANDS])
    if style.name == "ml-100k":
        odds[:, [i for i, name in enumerate(OCCUPATIONS) if name not in expressible]] = 0.0
    return odds / odds.sum(axis=1, keepdims=True)


def _ages(age_band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    low, high = np.array(AGE_BAND_YEARS).T
    return rng.integers(low[age_band], high[age_band] + 1).astype(np.int16)


def _zips(n: int, style: ReleaseStyle, rng: np.random.Generator) -> tuple[str, ...]:
    digits = rng.integers(0, 100_000, n)
    variant = rng.random(n) < ZIP_VARIANT_SHARE
    extra = rng.integers(0, 10_000, n)
    letters = rng.integers(0, 26, (n, 3))
    zips = []
    for i in range(n):
        if variant[i] and style.name == "ml-100k":
            a, b, c = (chr(65 + x) for x in letters[i])
            zips.append(f"{a}{digits[i] % 10}{b}{digits[i] // 10 % 10}{c}")
        elif variant[i] and style.name == "ml-1m":
            zips.append(f"{digits[i]:05d}-{extra[i]:04d}")
        else:
            zips.append(f"{digits[i]:05d}")
    return tuple(zips)


def _tags_per_user(n_tags: int, n_ratings: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Few people tag, and a handful tag a lot; nobody tags more than twice per rating."""
    if n_tags == 0:
        return np.zeros(n_ratings.size, dtype=np.int64)
    upper = TAGS_PER_RATING_LIMIT * n_ratings
    odds = TAGGER_SHARE * np.sqrt(n_ratings / n_ratings.mean())
    taggers = rng.random(n_ratings.size) < odds
    if upper[taggers].sum() < n_tags:
        taggers[:] = True
    weights = (rng.pareto(1.0, n_ratings.size) + 1.0) * taggers
    return allocate(n_tags, weights, 0, upper * taggers)


def allocate(total: int, weights: np.ndarray, lower: int | np.ndarray, upper: int | np.ndarray) -> np.ndarray:
    """Integers ``lower <= c <= upper`` summing exactly to ``total``, with what is above
    ``lower`` proportional to ``weights`` (water-filling: a capped share goes to the rest).

    Deterministic: ties are broken by position. Raises ``ValueError`` when impossible.
    """
    lower = np.broadcast_to(np.asarray(lower, dtype=np.int64), weights.shape)
    upper = np.broadcast_to(np.asarray(upper, dtype=np.int64), weights.shape)
    if not lower.sum() <= total <= upper.sum():
        raise ValueError(f"cannot allocate {total} between {lower.sum()} and {upper.sum()}")
    room = (upper - lower).astype(np.float64)
    share = np.zeros(weights.size)
    free = float(total - lower.sum())
    open_ = room > 0
    while free > 1e-6 and open_.any():
        active = np.where(open_, weights, 0.0)
        if active.sum() <= 0:  # only weightless entries have room left: share evenly
            active = open_.astype(np.float64)
        offer = share + free * active / active.sum()
        capped = open_ & (offer >= room)
        if not capped.any():
            share = offer
            break
        free -= float((room - share)[capped].sum())
        share[capped] = room[capped]
        open_ &= ~capped
    counts = lower + np.floor(share).astype(np.int64)
    fraction = share - np.floor(share)
    missing = int(total - counts.sum())
    if missing > 0:
        candidates = np.where(counts < upper, fraction, -1.0)
        counts[np.argsort(-candidates, kind="stable")[:missing]] += 1
    elif missing < 0:
        candidates = np.where(counts > lower, fraction, 2.0)
        counts[np.argsort(candidates, kind="stable")[:-missing]] -= 1
    return counts
