"""The hidden taste model: why a synthetic person rates a synthetic movie the way they do.

A rating is ``mean + user bias + movie bias + genre affinity + latent affinity + noise``:

* **content**: every user has a preference per genre (their taste segment's, shifted by
  their demographics, plus a personal touch); a movie's genre affinity is the mean
  preference over its genres, so genre-similar movies are liked by the same people;
* **collaborative**: users and movies also carry ``N_FACTORS`` latent factors that genres do
  not explain ("mind-bending", "dark", ...), so who co-rated what predicts ratings beyond
  genre;
* **demographic**: age band, gender and occupation shift genre preferences and the odds of
  each segment (young people lean to animation and action, older people to drama and war),
  so demographic groups differ measurably.

People also mostly watch what they expect to like: which movies a user rates is drawn from
the same preferences (see ``_generate``), which gives MovieLens's positive skew.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cinerec.data.vocabulary import AGE_BANDS, GENDERS, OCCUPATIONS

N_FACTORS = 4

# Rating model (star units). Chosen so that ratings average about 3.5 with a spread near 1.
MEAN_SCORE = 3.2
USER_BIAS_SD = 0.45
MOVIE_BIAS_SD = 0.3
GENRE_WEIGHT = 0.8
LATENT_WEIGHT = 0.3
NOISE_SD = 0.75
#: How strongly expected enjoyment steers which movies a person rates.
SELECT_GENRE = 1.5
SELECT_LATENT = 0.4
#: How strongly demographics steer the choice of taste segment.
DEMOGRAPHIC_SEGMENT_PULL = 3.0
PERSONAL_TASTE_SD = 0.25
#: Preference of a segment for genres it does not favour (favoured genres weigh up to 1).
UNFAVOURED_PREFERENCE = -0.3


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    favoured: dict[str, float]


SEGMENTS: tuple[Segment, ...] = (
    Segment("blockbuster fans", 0.15, {"Action": 1.0, "Adventure": 0.8, "Sci-Fi": 0.6, "Thriller": 0.4, "IMAX": 0.5}),
    Segment("family audience", 0.08,
            {"Children": 1.0, "Animation": 1.0, "Comedy": 0.6, "Musical": 0.5, "Fantasy": 0.4}),
    Segment("drama lovers", 0.14, {"Drama": 1.0, "Romance": 0.6, "War": 0.4}),
    Segment("romantics", 0.09, {"Romance": 1.0, "Comedy": 0.7, "Musical": 0.5, "Drama": 0.3}),
    Segment("horror and thriller fans", 0.08, {"Horror": 1.0, "Thriller": 0.8, "Mystery": 0.5}),
    Segment("crime and noir buffs", 0.09, {"Crime": 1.0, "Film-Noir": 1.0, "Mystery": 0.7, "Thriller": 0.4}),
    Segment("sci-fi and fantasy geeks", 0.10, {"Sci-Fi": 1.0, "Fantasy": 1.0, "Animation": 0.5, "Adventure": 0.5}),
    Segment("comedy fans", 0.12, {"Comedy": 1.0, "Romance": 0.3, "Action": 0.2}),
    Segment("classics and war buffs", 0.07, {"War": 1.0, "Western": 1.0, "Drama": 0.5, "Film-Noir": 0.5}),
    Segment("documentary watchers", 0.06, {"Documentary": 1.0, "Drama": 0.5, "Musical": 0.3}),
)

AGE_BAND_SHIFTS: dict[str, dict[str, float]] = {
    "under 18": {"Animation": 0.8, "Children": 0.8, "Action": 0.4, "Comedy": 0.4, "Fantasy": 0.3,
                 "Drama": -0.4, "War": -0.4, "Film-Noir": -0.5, "Documentary": -0.4, "Western": -0.3},
    "18-24": {"Action": 0.4, "Comedy": 0.4, "Horror": 0.4, "Sci-Fi": 0.3, "Animation": 0.2,
              "Film-Noir": -0.3, "Western": -0.3, "War": -0.2},
    "25-34": {"Action": 0.2, "Sci-Fi": 0.2, "Thriller": 0.2, "Comedy": 0.1},
    "35-44": {"Drama": 0.2, "Thriller": 0.1, "Crime": 0.1},
    "45-49": {"Drama": 0.4, "War": 0.3, "Mystery": 0.2, "Animation": -0.3, "Horror": -0.3},
    "50-55": {"Drama": 0.5, "War": 0.5, "Western": 0.3, "Film-Noir": 0.3, "Animation": -0.4, "Horror": -0.4},
    "56+": {"Drama": 0.6, "War": 0.7, "Western": 0.6, "Film-Noir": 0.5, "Musical": 0.3,
            "Animation": -0.5, "Horror": -0.6, "Sci-Fi": -0.3},
}

GENDER_SHIFTS: dict[str, dict[str, float]] = {
    "F": {"Romance": 0.5, "Drama": 0.3, "Musical": 0.3, "Children": 0.1,
          "Action": -0.3, "War": -0.3, "Horror": -0.2, "Sci-Fi": -0.2, "Western": -0.2},
    "M": {"Action": 0.3, "Sci-Fi": 0.3, "War": 0.2, "Thriller": 0.1, "Romance": -0.3, "Musical": -0.2},
}

OCCUPATION_SHIFTS: dict[str, dict[str, float]] = {
    "K-12 student": {"Animation": 0.3, "Children": 0.3},
    "college/grad student": {"Comedy": 0.2, "Horror": 0.2},
    "programmer": {"Sci-Fi": 0.5, "Fantasy": 0.2},
    "scientist": {"Sci-Fi": 0.4, "Documentary": 0.3},
    "technician/engineer": {"Sci-Fi": 0.3, "Action": 0.2},
    "artist": {"Drama": 0.2, "Documentary": 0.3, "Film-Noir": 0.3, "Musical": 0.2},
    "writer": {"Drama": 0.3, "Film-Noir": 0.3, "Documentary": 0.2},
    "academic/educator": {"Documentary": 0.4, "Drama": 0.2, "War": 0.2},
    "retired": {"Western": 0.4, "War": 0.3, "Musical": 0.2},
    "homemaker": {"Romance": 0.3, "Children": 0.3, "Musical": 0.2},
    "lawyer": {"Crime": 0.4, "Mystery": 0.3, "Thriller": 0.2},
    "doctor/health care": {"Drama": 0.2, "Mystery": 0.2},
    "executive/managerial": {"Thriller": 0.2, "Crime": 0.2},
    "sales/marketing": {"Comedy": 0.3, "Romance": 0.1},
}


def _shift_matrix(groups: tuple[str, ...], shifts: dict[str, dict[str, float]], genres: tuple[str, ...]) -> np.ndarray:
    """Shifts as a ``(len(groups), len(genres))`` array; genres a release lacks are dropped."""
    matrix = np.zeros((len(groups), len(genres)), dtype=np.float32)
    for row, group in enumerate(groups):
        for genre, value in shifts.get(group, {}).items():
            if genre in genres:
                matrix[row, genres.index(genre)] = value
    return matrix


@dataclass(frozen=True)
class TasteModel:
    """Segment and demographic preferences over one release's genres.

    ``segment_preferences``: ``(n_segments, n_genres)``; ``segment_factors``:
    ``(n_segments, N_FACTORS)``, the centre of each segment's latent taste; the shift
    arrays are ``(n_groups, n_genres)`` in the order of :mod:`cinerec.data.vocabulary`.
    """

    genres: tuple[str, ...]
    segment_preferences: np.ndarray
    segment_factors: np.ndarray
    age_band_shift: np.ndarray
    gender_shift: np.ndarray
    occupation_shift: np.ndarray

    @classmethod
    def build(cls, genres: tuple[str, ...], rng: np.random.Generator) -> TasteModel:
        favoured = _shift_matrix(tuple(s.name for s in SEGMENTS), {s.name: s.favoured for s in SEGMENTS}, genres)
        preferences = np.where(favoured > 0, favoured, UNFAVOURED_PREFERENCE)
        preferences = preferences + rng.normal(0.0, 0.1, preferences.shape)
        return cls(
            genres=genres,
            segment_preferences=preferences.astype(np.float32),
            segment_factors=rng.normal(0.0, 1.0, (len(SEGMENTS), N_FACTORS)).astype(np.float32),
            age_band_shift=_shift_matrix(AGE_BANDS, AGE_BAND_SHIFTS, genres),
            gender_shift=_shift_matrix(GENDERS, GENDER_SHIFTS, genres),
            occupation_shift=_shift_matrix(OCCUPATIONS, OCCUPATION_SHIFTS, genres),
        )

    @property
    def segment_shares(self) -> np.ndarray:
        shares = np.array([s.share for s in SEGMENTS])
        return shares / shares.sum()

    def demographic_shift(self, age_band: np.ndarray, gender: np.ndarray, occupation: np.ndarray) -> np.ndarray:
        """Genre preference shift of each person, ``(n, n_genres)``."""
        return self.age_band_shift[age_band] + self.gender_shift[gender] + self.occupation_shift[occupation]

    def segment_probabilities(self, shift: np.ndarray) -> np.ndarray:
        """Odds of each segment given demographic shifts ``(n, n_genres)``: a person whose
        demographics lean to a segment's genres is more likely to be in it. ``(n, n_segments)``."""
        favoured = np.clip(self.segment_preferences, 0.0, None)
        favoured = favoured / favoured.sum(axis=1, keepdims=True)
        logits = np.log(self.segment_shares) + DEMOGRAPHIC_SEGMENT_PULL * (shift @ favoured.T)
        odds = np.exp(logits - logits.max(axis=1, keepdims=True))
        return odds / odds.sum(axis=1, keepdims=True)


def genre_affinity(preferences: np.ndarray, movie_genres: np.ndarray) -> np.ndarray:
    """Mean preference over each movie's genres.

    ``preferences``: ``(n, n_genres)`` one row per (person, movie) pair or per person;
    ``movie_genres``: ``(n, width)`` genre indices padded with -1. Movies without genres
    get 0 (indifference).
    """
    valid = movie_genres >= 0
    picked = np.take_along_axis(preferences, np.where(valid, movie_genres, 0).astype(np.intp), axis=1)
    return (picked * valid).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)


def to_stars(scores: np.ndarray, half_star_odds: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Round latent scores to the stars a person would click.

    Whole stars 1–5 when ``half_star_odds`` is ``None``; otherwise 0.5–5 where a score that
    rounds to a half star keeps it with the given per-rating odds and becomes the nearest
    whole star otherwise, so whole stars stay the more common, as in MovieLens.
    """
    if half_star_odds is None:
        return np.clip(np.rint(scores), 1, 5).astype(np.float32)
    halves = np.rint(scores * 2) / 2
    is_half = (halves % 1) != 0
    to_whole = is_half & (rng.random(scores.size) >= half_star_odds)
    stars = np.where(to_whole, np.clip(np.rint(scores), 1, 5), halves)
    return np.clip(stars, 0.5, 5.0).astype(np.float32)
