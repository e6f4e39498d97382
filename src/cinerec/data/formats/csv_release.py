"""The CSV releases: ml-20m, ml-25m, ml-32m, ml-latest and ml-latest-small.

UTF-8 with a header line; titles and tags are quoted when they contain commas. The
ratings may also be kept as Parquet (``ratings.parquet``, see
:mod:`cinerec.data.formats.ratings`). ``links.csv`` (IMDb and TMDB ids) is read when
present, for links to the movies' pages. ml-20m and ml-25m add the tag genome
(``genome-scores.csv`` + ``genome-tags.csv``), read into a dense ``float32`` matrix.

No GroupLens CSV release describes its users; cinerec's synthetic generator can add a
``users.csv`` (``userId,gender,age_band,occupation,zip`` in cinerec's vocabulary) so
that ML-25M-sized data with demographics for a share of the users can be tested.
When that file is present its demographics are read; users with no row stay unknown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cinerec.data import vocabulary as vocab
from cinerec.data.dataset import Dataset, Genome
from cinerec.data.formats.delimited import TextTable, header_fields, read_delimited, release_file
from cinerec.data.formats.ratings import PARQUET_NAME, RatingsFile, RatingsReader, read_locally
from cinerec.data.formats.tables import (
    HALF_STARS,
    counted,
    first_true,
    movies_frame,
    require_positive_ids,
    require_unique_ids,
    tags_frame,
    users_from_activity,
)
from cinerec.errors import DataError

FORMAT = "csv"
#: The GroupLens releases published in this format.
RELEASE_NAMES = ("ml-20m", "ml-25m", "ml-32m", "ml-latest", "ml-latest-small")
RATING_COLUMNS = ("userId", "movieId", "rating", "timestamp")
TAG_COLUMNS = ("userId", "movieId", "tag", "timestamp")
TYPES = {"userId": pa.int32(), "movieId": pa.int32(), "rating": pa.float32(), "timestamp": pa.int64(),
         "tag": pa.string(), "title": pa.string(), "genres": pa.string(), "tagId": pa.int32(),
         "relevance": pa.float32(), "gender": pa.string(), "age_band": pa.string(), "occupation": pa.string(),
         "zip": pa.string(), "imdbId": pa.int32(), "tmdbId": pa.int32()}
GENOME_FILES = ("genome-scores.csv", "genome-tags.csv")
USERS_FILE = "users.csv"
LINKS_FILE = "links.csv"
LINK_COLUMNS = ("movieId", "imdbId", "tmdbId")
USER_COLUMNS = ("userId", "gender", "age_band", "occupation", "zip")


def read(folder: Path, release: str, ratings_reader: RatingsReader = read_locally) -> Dataset:
    """Read a CSV release folder into the canonical dataset; ``ratings_reader`` reads the
    ratings another way than this process's parser (on Spark, say)."""
    movies = read_movies(release_file(folder, "movies.csv", FORMAT))
    if (folder / LINKS_FILE).is_file():
        movies = movies.merge(read_links(folder / LINKS_FILE), on="movie_id", how="left")
    catalogue = movies["movie_id"].to_numpy()
    ratings, warnings = ratings_reader(ratings_file(folder, catalogue))
    tags = None
    if (folder / "tags.csv").is_file():
        tags, tag_warnings = tags_frame(read_csv(folder / "tags.csv", TAG_COLUMNS), TAG_COLUMNS, catalogue,
                                        "movies.csv")
        warnings += tag_warnings
    genome, genome_warnings = read_genome(folder, catalogue)
    warnings += genome_warnings
    activity = [ratings["user_id"].to_numpy()] + ([tags["user_id"].to_numpy()] if tags is not None else [])
    users = users_from_activity(*activity)
    if (folder / USERS_FILE).is_file():
        users = users.merge(read_users(folder / USERS_FILE), on="user_id", how="left")
    return Dataset.from_frames(movies, users, ratings, tags, genome=genome,
                               releases=(release,), warnings=tuple(warnings))


def ratings_file(folder: Path, catalogue: np.ndarray) -> RatingsFile:
    """``ratings.csv`` (or, where there is none, ``ratings.parquet``): half stars, one
    per (user, movie) — the latest — of movies in ``movies.csv``."""
    name = PARQUET_NAME if not (folder / "ratings.csv").exists() and (folder / PARQUET_NAME).exists() \
        else "ratings.csv"
    return RatingsFile(folder, name, FORMAT, ",", RATING_COLUMNS, True, HALF_STARS, catalogue, "movies.csv")


def read_users(path: Path) -> pd.DataFrame:
    """The optional ``users.csv``: demographics in cinerec's vocabulary, checked per line;
    an empty field is unknown."""
    source = read_csv(path, USER_COLUMNS)
    ids = source.numbers("userId", np.int32)
    require_positive_ids(source, ids, "user id")
    require_unique_ids(source, ids, "user id")
    given = {column: np.asarray(source.strings(column), dtype=object) for column in USER_COLUMNS[1:]}
    allowed = {"gender": vocab.GENDERS, "age_band": vocab.AGE_BANDS, "occupation": vocab.OCCUPATIONS}
    for column, values in allowed.items():
        if (bad := first_true((given[column] != "") & ~np.isin(given[column], values))) is not None:
            raise source.error(bad, f"unknown {column.replace('_', ' ')} {given[column][bad]!r}")
    return pd.DataFrame({"user_id": ids, **{column: np.where(values == "", None, values)
                                            for column, values in given.items()}})


def read_csv(path: Path, needed: tuple[str, ...]) -> TextTable:
    """Parse the ``needed`` columns of a headed MovieLens CSV file, checking the header."""
    names = header_fields(path, ",")
    if missing := [name for name in needed if name not in names]:
        raise DataError(f"header lacks column {missing[0]!r} (found: {', '.join(names)})", path, 1)
    return read_delimited(path, names, {name: TYPES[name] for name in needed}, delimiter=",", header_lines=1)


def read_movies(path: Path) -> pd.DataFrame:
    """``movies.csv``: ``movieId,title,genres`` (genres ``|``-separated)."""
    source = read_csv(path, ("movieId", "title", "genres"))
    genres = [names.split("|") if names else [] for names in source.strings("genres")]
    return movies_frame(source, source.numbers("movieId", np.int32), source.strings("title"), genres)


def read_links(path: Path) -> pd.DataFrame:
    """``links.csv``: each movie's IMDb and TMDB ids (TMDB's may be blank), for links to
    the movies' pages; a row for a movie the catalogue lacks links nothing."""
    source = read_csv(path, LINK_COLUMNS)
    ids = source.numbers("movieId", np.int32)
    require_positive_ids(source, ids, "movie id")
    require_unique_ids(source, ids, "movie id")
    return pd.DataFrame({"movie_id": ids,
                         "imdb_id": pd.array(source.table.column("imdbId").to_pylist(), dtype="Int32"),
                         "tmdb_id": pd.array(source.table.column("tmdbId").to_pylist(), dtype="Int32")})


def read_genome(folder: Path, catalogue: np.ndarray) -> tuple[Genome | None, list[str]]:
    """The tag genome when the release has one: a relevance for every (movie, tag) pair.

    Both files must be present together; every pair must be scored exactly once,
    since a dense matrix with holes would silently read as "irrelevant". Movies the
    catalogue lacks are dropped with a counted warning.
    """
    present = [name for name in GENOME_FILES if (folder / name).is_file()]
    if not present:
        return None, []
    if len(present) == 1:
        absent = next(name for name in GENOME_FILES if name not in present)
        raise DataError(f"{present[0]} is present but {absent} is missing", folder)
    tag_ids, tag_names = _read_genome_tags(folder / "genome-tags.csv")
    scores = read_csv(folder / "genome-scores.csv", ("movieId", "tagId", "relevance"))
    movies = scores.numbers("movieId", np.int32)
    tags = scores.numbers("tagId", np.int32)
    relevance = scores.numbers("relevance", np.float32)
    if (row := first_true(~np.isin(tags, tag_ids))) is not None:
        raise scores.error(row, f"tag {tags[row]} is not in genome-tags.csv")
    if (row := first_true(~((relevance >= 0) & (relevance <= 1)))) is not None:
        raise scores.error(row, f"relevance {relevance[row]:g} is outside 0–1")
    movie_ids = np.unique(movies)
    matrix = _dense_relevance(scores, np.searchsorted(movie_ids, movies), np.searchsorted(tag_ids, tags),
                              relevance, (movie_ids.size, tag_ids.size))
    known = np.isin(movie_ids, catalogue)
    warnings = []
    if not known.all():
        warnings.append(f"genome-scores.csv: {counted(int((~known).sum()), 'movie')} missing from movies.csv; dropped")
    return Genome(movie_ids[known], tuple(tag_names), matrix[known]), warnings


def _read_genome_tags(path: Path) -> tuple[np.ndarray, list[str]]:
    """``genome-tags.csv`` sorted by tag id (the column order of the relevance matrix)."""
    source = read_csv(path, ("tagId", "tag"))
    ids = source.numbers("tagId", np.int32)
    require_positive_ids(source, ids, "tag id")
    require_unique_ids(source, ids, "tag id")
    order = np.argsort(ids, kind="stable")
    names = source.strings("tag")
    return ids[order], [names[i] for i in order]


def _dense_relevance(scores: TextTable, rows: np.ndarray, columns: np.ndarray, relevance: np.ndarray,
                     shape: tuple[int, int]) -> np.ndarray:
    """Scatter the scores into a dense matrix, refusing a pair scored twice or never."""
    cells = rows.astype(np.int64) * shape[1] + columns
    times_scored = np.bincount(cells, minlength=shape[0] * shape[1])
    if times_scored.max(initial=0) > 1:
        order = np.argsort(cells, kind="stable")
        repeats = order[1:][cells[order][1:] == cells[order][:-1]]
        row = int(repeats.min())
        raise scores.error(row, "this (movieId, tagId) pair is scored twice")
    if (unscored := int((times_scored == 0).sum())) > 0:
        raise DataError(f"{unscored:,} (movie, tag) pairs have no score; the genome must be complete",
                        scores.path)
    matrix = np.empty(shape, dtype=np.float32)
    matrix.reshape(-1)[cells] = relevance
    return matrix
