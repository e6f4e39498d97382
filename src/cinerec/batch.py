"""``recommend-batch``: reading profiles, scoring them in blocks, writing the lists.

PROFILES.csv has a ``user_id`` column and optionally ``gender``, ``age``,
``occupation``, ``zip`` and ``likes`` (MovieLens movie ids separated by ``|``). A
``user_id`` the model knows brings that user's training ratings; any other row must
say something about the person. Every problem names the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cinerec.atomic import atomic_file
from cinerec.errors import CinerecError, DataError
from cinerec.models.base import QueryBatch, top_n
from cinerec.profile import (MAX_USER_ID, Profile, parse_age, parse_gender, parse_occupation, parse_user_id,
                             parse_zip)
from cinerec.sections import SECTION_COMPONENTS, SECTIONS

if TYPE_CHECKING:
    from cinerec.engine import Engine

PROFILE_COLUMNS = ("user_id", "gender", "age", "occupation", "zip", "likes")
RECOMMENDATION_COLUMNS = ("user_id", "rank", "movie_id", "score")
#: ``recommend-batch --kind`` values → section keys.
BATCH_KINDS: dict[str, str] = {"for-you": "for_you", "similar": "similar", "also-liked": "also_liked",
                               "people-like-you": "people_like_you"}
#: Dense score blocks are kept under this many cells (~32 MB of float32; the blend's
#: intermediates are several times that, so larger blocks only add memory).
BATCH_CELLS = 8 * 1024 * 1024
#: Largest movie id a row may name: MovieLens ids are 32-bit signed integers.
MAX_MOVIE_ID = 2**31 - 1


def read_profiles(path: Path, engine: Engine) -> list[Profile]:
    """Parse and validate PROFILES.csv against the model's users and catalogue."""
    try:
        return profiles_of(_read_csv(path), engine)
    except DataError as exc:
        raise DataError(exc.reason, path, exc.line) from None


def profiles_of(frame: pd.DataFrame, engine: Engine) -> list[Profile]:
    """The people of a table of :data:`PROFILE_COLUMNS` (strings), checked against the
    model; a bad row is a :class:`DataError` at its line (counted from 2: the first row
    after a header)."""
    user_ids = pd.to_numeric(frame["user_id"], errors="coerce")
    known_users = engine.user_index(user_ids.where(user_ids.between(1, MAX_USER_ID), -1).astype("int64"))
    profiles = []
    for offset, row in enumerate(frame.itertuples(index=False)):
        line = offset + 2
        try:
            profile = _profile(row, engine)
        except CinerecError as exc:
            raise DataError(str(exc), None, line) from None
        if known_users[offset] < 0 and not (profile.liked or profile.has_demographics()):
            raise DataError(f"user {profile.user_id} is not in the model's training data and the row says "
                            "nothing else about them (give likes or demographics)", None, line)
        profiles.append(profile)
    return profiles


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError("no such file", path) from None
    except IsADirectoryError:
        raise DataError("is a folder; give the profiles' CSV file", path) from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror or exc})", path) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty; it needs a header with a user_id column", path, 1) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable CSV file ({str(exc).strip().splitlines()[-1]})", path) from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    return profile_columns(frame, path)


def profile_columns(frame: pd.DataFrame, path: object) -> pd.DataFrame:
    """``frame`` with exactly :data:`PROFILE_COLUMNS` (absent ones empty)."""
    check_profile_columns(frame.columns, path)
    return frame.reindex(columns=list(PROFILE_COLUMNS), fill_value="")


def check_profile_columns(columns: Iterable[str], path: object) -> None:
    """Refuse a profiles table without ``user_id`` or with a column not in
    :data:`PROFILE_COLUMNS`, naming ``path``."""
    columns = list(columns)
    if "user_id" not in columns:
        raise DataError("needs a user_id column", path, 1)
    unknown = [c for c in columns if c not in PROFILE_COLUMNS]
    if unknown:
        raise DataError(f"unknown column '{unknown[0]}'; the columns are {', '.join(PROFILE_COLUMNS)}", path, 1)


def _profile(row: tuple, engine: Engine) -> Profile:
    fields = dict(zip(PROFILE_COLUMNS, (str(v).strip() for v in row)))
    liked = _movie_ids(fields["likes"])
    engine.movie_index(liked)  # every liked movie must be in the catalogue
    return Profile(
        liked=liked,
        gender=parse_gender(fields["gender"]) if fields["gender"] else None,
        age_band=parse_age(fields["age"]) if fields["age"] else None,
        occupation=parse_occupation(fields["occupation"]) if fields["occupation"] else None,
        zip=parse_zip(fields["zip"]) if fields["zip"] else None,
        user_id=parse_user_id(fields["user_id"]),
    )


def _movie_ids(text: str) -> tuple[int, ...]:
    ids: dict[int, None] = {}
    for part in filter(None, (p.strip() for p in text.split("|"))):
        if not (part.isascii() and part.isdigit() and int(part) <= MAX_MOVIE_ID):
            raise DataError(f"likes must be movie ids (whole numbers up to {MAX_MOVIE_ID:,}) separated by |, "
                            f"got '{part}'")
        ids[int(part)] = None
    return tuple(ids)


def write_recommendations(recommendations: pd.DataFrame, path: Path) -> Path:
    """Write RECS.csv atomically (a temporary file renamed into place)."""
    with atomic_file(Path(path), "w", newline="") as stream:
        recommendations.loc[:, list(RECOMMENDATION_COLUMNS)].to_csv(stream, index=False, float_format="%.6g")
    return path


def recommend_batch(engine: Engine, profiles: Sequence[Profile], n: int = 10, kind: str = "for-you") -> pd.DataFrame:
    """Top-``n`` per profile (at most the catalogue) as ``user_id, rank, movie_id, score``
    rows, computed blockwise."""
    n = engine.list_length(n)
    key = BATCH_KINDS[kind]
    block = max(1, BATCH_CELLS // max(engine.movie_ids.size, 1))
    frames = []
    for start in range(0, len(profiles), block):
        chunk = profiles[start: start + block]
        queries = engine.query_batch(chunk)
        scores = _batch_scores(engine, key, queries)
        idx, best = top_n(scores, n, exclude=queries.seen)
        user_ids = np.repeat([p.user_id for p in chunk], n)
        ranks = np.tile(np.arange(1, n + 1), len(chunk))
        valid = idx.ravel() >= 0
        frames.append(pd.DataFrame({
            "user_id": user_ids[valid], "rank": ranks[valid],
            "movie_id": engine.movie_ids[idx.ravel()[valid]], "score": best.ravel()[valid],
        }))
    if not frames:
        return pd.DataFrame(columns=["user_id", "rank", "movie_id", "score"])
    return pd.concat(frames, ignore_index=True)


def _batch_scores(engine: Engine, key: str, queries: QueryBatch) -> np.ndarray:
    """The scores of the section ``key`` (as :func:`cinerec.sections.recommend` ranks it) for a block."""
    if key == "for_you":
        return engine.for_you_scores(queries)
    if key == "people_like_you":
        return engine.people_like_you.distinctive(queries)
    return engine.components[SECTION_COMPONENTS[list(SECTIONS).index(key)]].score(queries)
