"""Tag words people apply: tied to the movie's genres and latent topic, in any case."""

from __future__ import annotations

import numpy as np

from cinerec.data.synthetic import _words as words

#: Where a tag's word comes from: one of the movie's genres, its topic, or the person.
GENRE_SOURCE, TOPIC_SOURCE = 0.55, 0.35
#: How people type: lower case, Title Case, Capitalised, UPPER CASE.
CASE_ODDS = (0.70, 0.20, 0.07, 0.03)


class TagWords:
    """All tag words in one array, with per-genre and per-topic slices into it.

    Each word is kept in its four spellings (``CASE_ODDS``), so that drawing a million
    tags is a few array look-ups.
    """

    def __init__(self, genres: tuple[str, ...]):
        groups = [words.GENRE_TAGS[g] for g in genres] + [tags for _, tags in words.TOPIC_TAGS] + [words.PERSONAL_TAGS]
        lengths = np.array([len(g) for g in groups])
        self._offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self._lengths = lengths
        self._n_genres = len(genres)
        flat = [w for group in groups for w in group]
        self._spellings = np.array([[w, w.title(), w.capitalize(), w.upper()] for w in flat], dtype=object)

    def pick(self, movie_genres: np.ndarray, movie_topic: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One tag per movie row (``movie_genres`` ``(n, width)`` padded with -1, ``movie_topic`` ``(n,)``)."""
        n = movie_topic.size
        n_genres = (movie_genres >= 0).sum(axis=1)
        column = np.minimum((rng.random(n) * n_genres).astype(np.int64), np.maximum(n_genres - 1, 0))
        genre = np.take_along_axis(movie_genres, column[:, None], axis=1)[:, 0].astype(np.int64)
        roll = rng.random(n)
        personal = len(self._lengths) - 1
        group = np.where((roll < GENRE_SOURCE) & (n_genres > 0), genre,
                         np.where(roll < GENRE_SOURCE + TOPIC_SOURCE, self._n_genres + movie_topic, personal))
        word = self._offsets[group] + (rng.random(n) * self._lengths[group]).astype(np.int64)
        case = np.searchsorted(np.cumsum(CASE_ODDS), rng.random(n) * sum(CASE_ODDS), side="right")
        return self._spellings[word, np.minimum(case, len(CASE_ODDS) - 1)]
