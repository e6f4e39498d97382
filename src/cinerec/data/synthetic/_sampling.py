"""Which movies each person rates: popularity times expected enjoyment, without repeats,
among the movies out by the end of their active period, leaning to those new then.

Building one distribution per user over 62,000 movies would cost users × movies. Instead a
person's choices come from a mixture of a few shared distributions: their taste segment's
(popularity × how much the segment enjoys each movie), their demographic group's, and plain
popularity. All component CDFs are stacked into one increasing array (component ``c``
spans ``[c, c + 1]``), so one ``searchsorted`` draws for a whole block of people.
"""

from __future__ import annotations

import numpy as np

from cinerec.data.synthetic._catalogue import Catalogue
from cinerec.data.synthetic._population import Population
from cinerec.data.synthetic._release import SECONDS_PER_YEAR, release_times
from cinerec.data.synthetic._taste import N_FACTORS, SELECT_GENRE, SELECT_LATENT, TasteModel, genre_affinity
from cinerec.data.vocabulary import AGE_BANDS, GENDERS

#: Share of a person's choices drawn from their segment, their demographic group, popularity.
SEGMENT_MIX, GROUP_MIX = 0.6, 0.25
#: Each round draws this many times what is still missing (duplicates are dropped).
OVERDRAW = 1.15
#: After this many rounds, the few people still short (the busiest) draw uniformly, which
#: reaches the long tail quickly: heavy raters are the ones who rate obscure movies.
ROUNDS_BEFORE_UNIFORM = 4
#: New movies draw attention: a drawn movie is kept with odds ``STALE_ODDS`` plus the rest
#: times ``exp(-age / FRESH_YEARS)``, its age taken when the person's activity ends. Real
#: releases show it: the 1996-97 films (Fargo, Contact, Scream) are among ml-100k's most
#: rated, and American Beauty (1999) tops ml-1m.
STALE_ODDS, FRESH_YEARS = 0.3, 2.0


class MovieSampler:
    """Draws movie rows for user rows; see the module docstring for the mixture."""

    def __init__(self, catalogue: Catalogue, taste: TasteModel, population: Population):
        n_groups = len(AGE_BANDS) * len(GENDERS)
        group_preferences, group_factors = _group_means(population, n_groups)
        preferences = np.vstack([taste.segment_preferences, group_preferences, np.zeros((1, len(taste.genres)))])
        factors = np.vstack([taste.segment_factors, group_factors, np.zeros((1, N_FACTORS))])
        self._segment = population.segment.astype(np.int64)
        self._group = len(taste.segment_preferences) + population.demographic_group
        self._popularity_component = len(preferences) - 1
        self.n_movies = len(catalogue)
        self._released = release_times(catalogue.years)
        self._active_until = population.first_rating + population.rating_span
        self._out = np.searchsorted(np.sort(self._released), self._active_until, side="right")
        cdf = np.cumsum(self._component_weights(catalogue, preferences, factors), axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        self._stacked = (np.arange(len(cdf))[:, None] + cdf).ravel()

    @staticmethod
    def _component_weights(catalogue: Catalogue, preferences: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """``(n_components, n_movies)``: popularity × exp(expected enjoyment)."""
        latent = factors @ catalogue.factors.T / np.sqrt(N_FACTORS)
        genre = np.stack([genre_affinity(np.broadcast_to(p, (len(catalogue), p.size)), catalogue.genres)
                          for p in preferences])
        enjoyment = SELECT_GENRE * genre + SELECT_LATENT * latent
        return catalogue.popularity * np.exp(enjoyment - enjoyment.max(axis=1, keepdims=True))

    def draw(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One movie index per entry of ``users`` (user rows, repeats allowed)."""
        roll = rng.random(users.size)
        component = np.where(roll < SEGMENT_MIX, self._segment[users],
                             np.where(roll < SEGMENT_MIX + GROUP_MIX, self._group[users], self._popularity_component))
        position = np.searchsorted(self._stacked, component + rng.random(users.size), side="right")
        return np.clip(position - component * self.n_movies, 0, self.n_movies - 1)

    def _attention(self, users: np.ndarray, movies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which draws the person keeps: movies out by the end of their activity, new
        ones more often (see :data:`STALE_ODDS`)."""
        age = (self._active_until[users] - self._released[movies]) / SECONDS_PER_YEAR
        odds = STALE_ODDS + (1.0 - STALE_ODDS) * np.exp(-np.maximum(age, 0.0) / FRESH_YEARS)
        return (age >= 0.0) & (rng.random(users.size) < odds)

    def rated_movies(self, first_user: int, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Distinct movies for users ``first_user ..`` with exactly ``counts`` each, as sorted
        keys ``local_user * n_movies + movie`` (so sorted by user, then movie)."""
        local = np.arange(counts.size)
        keys = np.empty(0, dtype=np.int64)
        have = np.zeros(counts.size, dtype=np.int64)
        missing, round_ = counts, 0
        out = self._out[first_user:first_user + counts.size]
        while missing.any():
            # A draw is kept with odds at most (unrated and out / all movies) × STALE_ODDS
            # or more: draw enough to expect all.
            attention = STALE_ODDS if round_ < ROUNDS_BEFORE_UNIFORM else 1.0
            odds_kept = np.maximum(out - have, 1) / self.n_movies * attention
            draws = np.divide(missing * OVERDRAW, odds_kept, out=np.zeros(counts.size), where=missing > 0)
            users = np.repeat(local, np.ceil(draws).astype(np.int64))
            if round_ < ROUNDS_BEFORE_UNIFORM:
                movies = self.draw(users + first_user, rng)
                kept = self._attention(users + first_user, movies, rng)
            else:
                movies = rng.integers(0, self.n_movies, users.size)
                kept = self._released[movies] <= self._active_until[users + first_user]
            keys = _sorted_union(keys, users[kept] * self.n_movies + movies[kept])
            have = np.bincount(keys // self.n_movies, minlength=counts.size)
            missing, round_ = np.maximum(counts - have, 0), round_ + 1
        return _keep_random(keys, have, counts, self.n_movies, rng)


def _group_means(population: Population, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean genre preferences and latent factors of each demographic group (0 when empty)."""
    group = population.demographic_group
    size = np.maximum(np.bincount(group, minlength=n_groups), 1)[:, None]
    preferences = np.zeros((n_groups, population.preferences.shape[1]))
    factors = np.zeros((n_groups, N_FACTORS))
    np.add.at(preferences, group, population.preferences)
    np.add.at(factors, group, population.factors)
    return preferences / size, factors / size


def _sorted_union(keys: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``keys`` (sorted, distinct) with ``new`` added, sorted and distinct. Sorting two sorted
    runs with timsort is a linear merge, far faster than ``np.union1d`` on large blocks."""
    merged = np.concatenate([keys, np.sort(new)])
    merged.sort(kind="stable")
    distinct = np.ones(merged.size, dtype=bool)
    distinct[1:] = merged[1:] != merged[:-1]
    return merged[distinct]


def _keep_random(keys: np.ndarray, have: np.ndarray, counts: np.ndarray, n_movies: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Drop random surplus movies of users who drew more than their count."""
    if np.array_equal(have, counts):
        return keys
    user = keys // n_movies
    order = np.lexsort((rng.random(keys.size), user))  # within each user, a random order
    starts = np.concatenate([[0], np.cumsum(have)[:-1]])
    rank = np.arange(keys.size) - starts[user[order]]
    return np.sort(keys[order[rank < counts[user[order]]]])
