"""Checked canonical tables built from parsed columns, shared by every format.

The checks are vectorised (one numpy pass per rule over tens of millions of ratings)
and each one that fails names the first offending line, so a person can open the file
and see what is wrong. Problems that have an obvious safe resolution (a rating given
twice, a tag on a movie the catalogue lacks) are resolved and counted in the
dataset's warnings instead of stopping the read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cinerec.data import vocabulary as vocab
from cinerec.data.dataset import Vocabulary
from cinerec.data.formats.delimited import TextTable
from cinerec.data.titles import parse_title
from cinerec.errors import DataError


@dataclass(frozen=True)
class RatingScale:
    """The ratings a release allows: ``low`` to ``high`` in steps of ``step`` stars."""

    low: float
    high: float
    step: float

    def describe(self) -> str:
        steps = "whole stars" if self.step == 1 else f"steps of {self.step:g}"
        return f"{self.low:g}–{self.high:g} in {steps}"

    def invalid(self, ratings: np.ndarray) -> np.ndarray:
        """Mask of ratings outside the scale (NaN included)."""
        in_range = (ratings >= self.low) & (ratings <= self.high)
        steps = ratings / self.step  # a multiple of the step divides exactly (floats are exact here)
        return ~in_range | (steps != np.floor(steps))


#: ml-100k and ml-1m: 1 to 5 whole stars.
WHOLE_STARS = RatingScale(1.0, 5.0, 1.0)
#: ml-10m and every later release: half stars from 0.5.
HALF_STARS = RatingScale(0.5, 5.0, 0.5)


def in_catalogue(movies: np.ndarray, catalogue: np.ndarray) -> np.ndarray:
    """Mask of ``movies`` present in ``catalogue`` (distinct ids), looked up through a
    :class:`Vocabulary`: a table indexed by id while ids are as small as MovieLens ids
    (several times faster than ``np.isin`` on 25M ratings), a binary search beyond, so
    one huge id in a file cannot make a table gigabytes large."""
    return Vocabulary(np.sort(catalogue)).contains(movies)


def mapped_ids(values: np.ndarray, old_ids: np.ndarray, new_ids: np.ndarray) -> np.ndarray:
    """``values`` (each one of the distinct ``old_ids``) replaced by the ``new_ids`` at the
    same positions, looked up as :func:`in_catalogue` looks ids up."""
    order = np.argsort(old_ids, kind="stable")
    return np.asarray(new_ids)[order][Vocabulary(np.asarray(old_ids)[order]).index(values)]


def first_true(mask: np.ndarray) -> int | None:
    """Index of the first ``True`` in ``mask``, or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def require_rows(source: TextTable, what: str) -> None:
    """Refuse a file that lists no ``what`` (only a header, or blank lines): nothing can be
    recommended from it, and later steps would fail on it far from the cause."""
    if not len(source):
        raise DataError(f"lists no {what}", source.path)


def require_positive_ids(source: TextTable, ids: np.ndarray, what: str) -> None:
    if (row := first_true(ids <= 0)) is not None:
        raise source.error(row, f"{what} {ids[row]} is not a positive number")


def require_unique_ids(source: TextTable, ids: np.ndarray, what: str) -> None:
    """Refuse an id listed twice, naming the line of its second appearance."""
    duplicated = pd.Series(ids).duplicated().to_numpy()
    if (row := first_true(duplicated)) is not None:
        raise source.error(row, f"{what} {ids[row]} is listed twice")


def require_known(source: TextTable, values: np.ndarray, allowed: Sequence[object], what: str) -> None:
    """Refuse the first value not in ``allowed`` (a code or word the release documents)."""
    if (row := first_true(~np.isin(values, np.asarray(allowed, dtype=values.dtype)))) is not None:
        expected = ", ".join(str(value) for value in allowed)
        value = values[row].item() if isinstance(values[row], np.generic) else values[row]
        raise source.error(row, f"unknown {what} {value!r} (expected one of: {expected})")


def movies_frame(
    source: TextTable,
    ids: np.ndarray,
    raw_titles: Sequence[str],
    genre_names: Sequence[Sequence[str]],
    fallback_years: Sequence[int | None] | None = None,
) -> pd.DataFrame:
    """The catalogue: display title, year (from the title, else ``fallback_years``),
    canonical genres and alternate titles for each movie; unknown genres are refused."""
    require_rows(source, "movies")
    require_positive_ids(source, ids, "movie id")
    require_unique_ids(source, ids, "movie id")
    titles, years, genres, alternates = [], [], [], []
    for row, raw in enumerate(raw_titles):
        parsed = parse_title(raw)
        titles.append(parsed.title)
        alternates.append(list(parsed.alt_titles))
        years.append(parsed.year if parsed.year is not None or fallback_years is None else fallback_years[row])
        genres.append(_canonical_genres(source, row, genre_names[row]))
    return pd.DataFrame({"movie_id": ids, "title": titles, "year": pd.array(years, dtype="Int16"),
                         "genres": genres, "alt_titles": alternates, "raw_title": list(raw_titles)})


def _canonical_genres(source: TextTable, row: int, names: Sequence[str]) -> list[str]:
    genres: list[str] = []
    for name in names:
        try:
            genre = vocab.normalise_genre(name)
        except KeyError:
            raise source.error(row, f"unknown genre {name.strip()!r}") from None
        if genre is not None and genre not in genres:
            genres.append(genre)
    return genres


def ratings_frame(
    source: TextTable,
    columns: tuple[str, str, str, str],
    scale: RatingScale,
    catalogue: np.ndarray,
    catalogue_file: str,
    known_users: tuple[np.ndarray, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Checked ratings, one per (user, movie), sorted by user then movie.

    ``columns`` names the user, movie, rating and timestamp columns of ``source``.
    Refuses ids that are not positive, ratings off ``scale``, movies missing from
    ``catalogue`` and, when ``known_users`` (ids, file name) is given, unknown users.
    A pair rated twice keeps its latest rating, with a counted warning; a file without
    ratings is refused.
    """
    require_rows(source, "ratings")
    users = source.numbers(columns[0], np.int32)
    movies = source.numbers(columns[1], np.int32)
    ratings = source.numbers(columns[2], np.float32)
    timestamps = source.numbers(columns[3], np.int64)
    require_positive_ids(source, users, "user id")
    require_positive_ids(source, movies, "movie id")
    if (row := first_true(scale.invalid(ratings))) is not None:
        raise source.error(row, f"rating {ratings[row]:g} is outside {scale.describe()}")
    if (row := first_true(~in_catalogue(movies, catalogue))) is not None:
        raise source.error(row, f"movie {movies[row]} is not in {catalogue_file}")
    if known_users is not None and (row := first_true(~np.isin(users, known_users[0]))) is not None:
        raise source.error(row, f"user {users[row]} is not in {known_users[1]}")
    keep, duplicates = latest_per_pair(users, movies, timestamps)
    if keep is not None:
        users, movies, ratings, timestamps = users[keep], movies[keep], ratings[keep], timestamps[keep]
    frame = pd.DataFrame({"user_id": users, "movie_id": movies, "rating": ratings, "timestamp": timestamps},
                         copy=False)
    warnings = []
    if duplicates:
        warnings.append(f"{source.path.name}: {counted(duplicates, 'duplicate rating')}; kept the latest of each")
    return frame, warnings


def latest_per_pair(users: np.ndarray, movies: np.ndarray,
                     timestamps: np.ndarray) -> tuple[np.ndarray | None, int]:
    """Rows to keep so each (user, movie) pair appears once, its latest rating, in
    (user, movie) order; ``None`` when the input already is (the common, fast case)."""
    pair = (users.astype(np.int64) << 32) | movies.astype(np.int64)
    if np.all(pair[1:] > pair[:-1]):
        return None, 0
    order = np.lexsort((timestamps, pair))
    sorted_pairs = pair[order]
    last_of_pair = np.ones(order.size, dtype=bool)
    last_of_pair[:-1] = sorted_pairs[1:] != sorted_pairs[:-1]
    keep = order[last_of_pair]
    return keep, int(order.size - keep.size)


def merge_duplicate_movies(movies: pd.DataFrame, ratings: pd.DataFrame,
                           catalogue_file: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """One row per film when a catalogue lists a film twice under two ids.

    ml-100k (and so RecBole's copy of it) lists some films twice: the same raw title and
    year under two ids, their ratings split between them. Each such group keeps its
    lowest id; the other ids' ratings move onto it (genres and alternate titles are
    united). A person who rated more than one of the ids keeps their latest rating (by
    timestamp; on a tie, the one given to the kept id). Returns the movies, the ratings
    (sorted by user then movie) and a counted warning, or none when nothing was merged.
    """
    raw = [" ".join(str(title).split()) for title in movies["raw_title"].tolist()]
    years = [None if pd.isna(year) else int(year) for year in movies["year"].tolist()]
    ids = movies["movie_id"].to_numpy(np.int64)
    lowest: dict[tuple[str, int | None], int] = {}
    for movie_id, key in sorted(zip(ids.tolist(), zip(raw, years))):
        lowest.setdefault(key, movie_id)
    kept_of = np.asarray([lowest[key] for key in zip(raw, years)], dtype=np.int64)
    merged = kept_of != ids
    if not merged.any():
        return movies, ratings, []
    movies = _united_duplicates(movies, kept_of, merged)
    original = ratings["movie_id"].to_numpy()
    # every rated movie is in the catalogue (ratings_frame checked)
    remapped = mapped_ids(original, ids, kept_of).astype(original.dtype, copy=False)
    users = ratings["user_id"].to_numpy()
    pair = (users.astype(np.int64) << 32) | remapped.astype(np.int64)
    on_kept_id = remapped == original
    order = np.lexsort((on_kept_id, ratings["timestamp"].to_numpy(), pair))
    last_of_pair = np.ones(order.size, dtype=bool)
    last_of_pair[:-1] = pair[order][1:] != pair[order][:-1]
    keep = order[last_of_pair]  # sorted by pair, i.e. by user then movie
    out = ratings.iloc[keep].assign(movie_id=remapped[keep]).reset_index(drop=True)
    dropped = int(len(ratings) - keep.size)
    warning = (f"{catalogue_file}: {counted(int(merged.sum()), 'duplicate movie')} (the same title and year "
               f"under another id) merged into the lowest id")
    if dropped:
        warning += f"; {counted(dropped, 'rating')} by people who had rated both dropped, keeping their latest"
    return movies, out, [warning]


def _united_duplicates(movies: pd.DataFrame, kept_of: np.ndarray, merged: np.ndarray) -> pd.DataFrame:
    """``movies`` without the ``merged`` rows, their genres and alternates added to the kept rows."""
    genres: dict[int, list[str]] = {}
    alternates: dict[int, list[str]] = {}
    listed_genres, listed_alternates = movies["genres"].tolist(), movies["alt_titles"].tolist()
    for row in np.argsort(movies["movie_id"].to_numpy(), kind="stable").tolist():  # the kept (lowest) id first
        kept, movie_genres, movie_alternates = int(kept_of[row]), listed_genres[row], listed_alternates[row]
        genres.setdefault(kept, [])
        alternates.setdefault(kept, [])
        genres[kept] += [genre for genre in movie_genres if genre not in genres[kept]]
        alternates[kept] += [alt for alt in movie_alternates if alt not in alternates[kept]]
    out = movies[~merged].reset_index(drop=True)
    kept_ids = out["movie_id"].tolist()
    return out.assign(genres=[genres[movie_id] for movie_id in kept_ids],
                      alt_titles=[alternates[movie_id] for movie_id in kept_ids])


def tags_frame(
    source: TextTable,
    columns: tuple[str, str, str, str],
    catalogue: np.ndarray,
    catalogue_file: str,
) -> tuple[pd.DataFrame, list[str]]:
    """Tag applications; tags on movies missing from the catalogue are dropped and counted."""
    users = source.numbers(columns[0], np.int32)
    movies = source.numbers(columns[1], np.int32)
    timestamps = source.numbers(columns[3], np.int64)
    require_positive_ids(source, users, "user id")
    require_positive_ids(source, movies, "movie id")
    frame = pd.DataFrame({"user_id": users, "movie_id": movies,
                          "tag": source.table.column(columns[2]).to_numpy(zero_copy_only=False),
                          "timestamp": timestamps}, copy=False)
    known = in_catalogue(movies, catalogue)
    warnings = []
    if not known.all():
        dropped = counted(int((~known).sum()), "tag")
        warnings.append(f"{source.path.name}: {dropped} on movies missing from {catalogue_file}; dropped")
        frame = frame[known].reset_index(drop=True)
    return frame, warnings


def users_from_activity(*user_ids: np.ndarray) -> pd.DataFrame:
    """Users of a release that does not describe them: everyone who rated or tagged."""
    distinct = pd.unique(np.concatenate(user_ids)) if user_ids else np.array([], dtype=np.int32)
    return pd.DataFrame({"user_id": np.sort(np.asarray(distinct, dtype=np.int32))})


def counted(n: int, noun: str) -> str:
    """``"1 tag"``, ``"2,048 tags"``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
