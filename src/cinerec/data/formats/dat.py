"""MovieLens 1M and 10M: ``::``-separated ``*.dat`` files without headers.

ml-1m has ``users.dat`` with demographics as codes (age band, occupation) and whole-star
ratings; ml-10m (folder ``ml-10M100K``) has no users file, half-star ratings and
``tags.dat``. Its users are whoever rated or tagged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cinerec.data import vocabulary as vocab
from cinerec.data.dataset import RATING_COLUMNS, Dataset
from cinerec.data.formats.delimited import read_double_colon, release_file
from cinerec.data.formats.ratings import RatingsFile, RatingsReader, read_locally
from cinerec.data.formats.tables import (
    HALF_STARS,
    WHOLE_STARS,
    movies_frame,
    require_known,
    require_positive_ids,
    require_unique_ids,
    tags_frame,
    users_from_activity,
)

ML1M = "ml-1m"
ML10M = "ml-10m"
TAG_COLUMNS = ("user_id", "movie_id", "tag", "timestamp")
TAG_TYPES = {"user_id": pa.int32(), "movie_id": pa.int32(), "tag": pa.string(), "timestamp": pa.int64()}
USER_COLUMNS = ("user_id", "gender", "age_code", "occupation_code", "zip")
USER_TYPES = {"user_id": pa.int32(), "gender": pa.string(), "age_code": pa.int16(), "occupation_code": pa.int16(),
              "zip": pa.string()}


def read_ml1m(folder: Path, release: str, ratings_reader: RatingsReader = read_locally) -> Dataset:
    """Read an ml-1m folder: ``movies.dat``, ``users.dat``, ``ratings.dat`` (the last
    with ``ratings_reader``)."""
    movies = read_movies(release_file(folder, "movies.dat", ML1M))
    users = read_users(release_file(folder, "users.dat", ML1M))
    ratings, warnings = ratings_reader(RatingsFile(
        folder, "ratings.dat", ML1M, "::", RATING_COLUMNS, False, WHOLE_STARS, movies["movie_id"].to_numpy(),
        "movies.dat", known_users=(users["user_id"].to_numpy(), "users.dat")))
    return Dataset.from_frames(movies, users, ratings, releases=(release,), warnings=tuple(warnings))


def read_ml10m(folder: Path, release: str, ratings_reader: RatingsReader = read_locally) -> Dataset:
    """Read an ml-10m folder: ``movies.dat``, ``ratings.dat`` (with ``ratings_reader``)
    and, if present, ``tags.dat``."""
    movies = read_movies(release_file(folder, "movies.dat", ML10M))
    catalogue = movies["movie_id"].to_numpy()
    ratings, warnings = ratings_reader(RatingsFile(folder, "ratings.dat", ML10M, "::", RATING_COLUMNS, False,
                                                   HALF_STARS, catalogue, "movies.dat"))
    tags = None
    if (folder / "tags.dat").is_file():
        tags, tag_warnings = tags_frame(read_double_colon(folder / "tags.dat", TAG_COLUMNS, TAG_TYPES),
                                        TAG_COLUMNS, catalogue, "movies.dat")
        warnings += tag_warnings
    activity = [ratings["user_id"].to_numpy()] + ([tags["user_id"].to_numpy()] if tags is not None else [])
    return Dataset.from_frames(movies, users_from_activity(*activity), ratings, tags, releases=(release,),
                               warnings=tuple(warnings))


def read_movies(path: Path) -> pd.DataFrame:
    """``movies.dat``: ``MovieID::Title::Genres`` with ``|``-separated genres."""
    source = read_double_colon(path, ("movie_id", "title", "genres"),
                               {"movie_id": pa.int32(), "title": pa.string(), "genres": pa.string()})
    genres = [names.split("|") if names else [] for names in source.strings("genres")]
    return movies_frame(source, source.numbers("movie_id", np.int32), source.strings("title"), genres)


def read_users(path: Path) -> pd.DataFrame:
    """``users.dat``: ``UserID::Gender::Age::Occupation::Zip-code``, age and occupation as codes."""
    source = read_double_colon(path, USER_COLUMNS, USER_TYPES)
    ids = source.numbers("user_id", np.int32)
    require_positive_ids(source, ids, "user id")
    require_unique_ids(source, ids, "user id")
    genders = np.asarray(source.strings("gender"), dtype=object)
    require_known(source, genders, list(vocab.GENDERS), "gender")
    age_codes = source.numbers("age_code", np.int16)
    require_known(source, age_codes, list(vocab.AGE_BAND_FROM_ML1M_CODE), "age code")
    occupation_codes = source.numbers("occupation_code", np.int16)
    require_known(source, occupation_codes, list(range(len(vocab.OCCUPATIONS))), "occupation code")
    return pd.DataFrame({
        "user_id": ids,
        "gender": genders,
        "age_band": pd.Series(age_codes).map(vocab.AGE_BAND_FROM_ML1M_CODE),
        "occupation": np.asarray(vocab.OCCUPATIONS, dtype=object)[occupation_codes],
        "zip": [code or None for code in source.strings("zip")],
    })
