"""MovieLens 100K: ``u.data`` (tabs), ``u.item`` and ``u.user`` (``|``), Latin-1.

The only release that gives ages in years and occupations as words; both are mapped
into ml-1m's bands and categories so every release speaks the same vocabulary. It also
lists 18 films twice under two ids (same title and year, e.g. "Chasing Amy (1997)" as
246 and 268); the reader merges each pair into its lower id (see
:func:`~cinerec.data.formats.tables.merge_duplicate_movies`). Its movie ids are its own,
not MovieLens database ids: id 2 is GoldenEye here and Jumanji in every later release.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cinerec.data import vocabulary as vocab
from cinerec.data.dataset import RATING_COLUMNS, Dataset
from cinerec.data.formats.delimited import (
    TextTable,
    file_bytes,
    guess_legacy_encoding,
    read_delimited,
    release_file,
)
from cinerec.data.formats.ratings import RatingsFile, RatingsReader, read_locally
from cinerec.data.formats.tables import (
    WHOLE_STARS,
    first_true,
    merge_duplicate_movies,
    movies_frame,
    require_known,
    require_positive_ids,
    require_unique_ids,
)

FORMAT = "ml-100k"
#: The 19 genre flags of ``u.item``, in the order of ``u.genre``.
GENRE_FLAGS: tuple[str, ...] = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)
USER_COLUMNS = ("user_id", "age", "gender", "occupation", "zip")
USER_TYPES = {"user_id": pa.int32(), "age": pa.int16(), "gender": pa.string(), "occupation": pa.string(),
              "zip": pa.string()}
_YEAR_AT_END = re.compile(r"(\d{4})\s*$")
#: Youngest age that is no longer a K-12 student.
_ADULT_AGE = 18


def read(folder: Path, release: str, ratings_reader: RatingsReader = read_locally) -> Dataset:
    """Read an ml-100k folder into the canonical dataset (``u.data`` with ``ratings_reader``)."""
    movies = read_movies(release_file(folder, "u.item", FORMAT))
    users = read_users(release_file(folder, "u.user", FORMAT))
    ratings, warnings = ratings_reader(RatingsFile(
        folder, "u.data", FORMAT, "\t", RATING_COLUMNS, False, WHOLE_STARS, movies["movie_id"].to_numpy(),
        "u.item", known_users=(users["user_id"].to_numpy(), "u.user")))
    movies, ratings, merged = merge_duplicate_movies(movies, ratings, "u.item")
    warnings += merged
    return Dataset.from_frames(movies, users, ratings, releases=(release,), warnings=tuple(warnings))


def read_movies(path: Path) -> pd.DataFrame:
    """``u.item``: id, title, release date, video date, IMDb URL, 19 genre flags."""
    names = ("movie_id", "title", "release_date", "video_release_date", "imdb_url", *GENRE_FLAGS)
    types = {"movie_id": pa.int32(), "title": pa.string(), "release_date": pa.string(),
             **{flag: pa.int8() for flag in GENRE_FLAGS}}
    raw = file_bytes(path)
    source = read_delimited(path, names, types, delimiter="|", quoted=False, encoding=guess_legacy_encoding(raw),
                            data=raw)
    flags = np.column_stack([source.numbers(flag, np.int8) for flag in GENRE_FLAGS]) if len(source) else \
        np.zeros((0, len(GENRE_FLAGS)), dtype=np.int8)
    if (row := first_true(((flags != 0) & (flags != 1)).any(axis=1))) is not None:
        raise source.error(row, "genre flags must be 0 or 1")
    genres = [[GENRE_FLAGS[j] for j in np.flatnonzero(row_flags)] for row_flags in flags]
    release_years = [_year_of_date(date) for date in source.strings("release_date")]
    return movies_frame(source, source.numbers("movie_id", np.int32), source.strings("title"), genres,
                        fallback_years=release_years)


def _year_of_date(date: str) -> int | None:
    """``01-Jan-1995`` -> 1995; an empty release date -> None."""
    match = _YEAR_AT_END.search(date)
    return int(match.group(1)) if match else None


def read_users(path: Path) -> pd.DataFrame:
    """``u.user``: id, age in years, gender, occupation word, zip code."""
    raw = file_bytes(path)
    source = read_delimited(path, USER_COLUMNS, USER_TYPES, delimiter="|", quoted=False,
                            encoding=guess_legacy_encoding(raw), data=raw)
    return users_with_ages_and_words(source)


def users_with_ages_and_words(source: TextTable) -> pd.DataFrame:
    """Users described as ml-100k does (age in years, occupation as a word), in
    canonical terms; shared with RecBole's copy of ml-100k. ``source`` has the
    columns of :data:`USER_COLUMNS`."""
    ids = source.numbers("user_id", np.int32)
    require_positive_ids(source, ids, "user id")
    require_unique_ids(source, ids, "user id")
    ages = source.numbers("age", np.int16)
    if (row := first_true((ages < 1) | (ages > 120))) is not None:
        raise source.error(row, f"age {ages[row]} is not an age in years")
    genders = np.asarray(source.strings("gender"), dtype=object)
    require_known(source, genders, list(vocab.GENDERS), "gender")
    words = np.asarray(source.strings("occupation"), dtype=object)
    require_known(source, words, list(vocab.OCCUPATION_FROM_ML100K), "occupation")
    occupations = pd.Series(words).map(vocab.OCCUPATION_FROM_ML100K)
    occupations = occupations.mask((words == "student") & (ages < _ADULT_AGE), "K-12 student")
    age_series = pd.Series(ages)
    return pd.DataFrame({"user_id": ids, "gender": genders, "age": age_series,
                         "age_band": vocab.age_band_from_years(age_series), "occupation": occupations,
                         "zip": [code or None for code in source.strings("zip")]})
