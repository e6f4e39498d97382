"""Where the web service keeps people's profiles: demographics and movie ratings.

The API layer talks to a :class:`ProfileStore` only — plain dataclasses in, plain
dataclasses out, store errors from :mod:`cinerec.errors` — so a PostgreSQL store can
replace :class:`SQLiteProfileStore` without touching a route. The SQL itself is kept
portable (``INSERT … ON CONFLICT … DO UPDATE``, ``CURRENT_TIMESTAMP``-free, ids made
by the application), so a PostgreSQL implementation could reuse most of it.

SQLite is configured for a small server that must never lose an acknowledged write:

* **WAL** journal, so readers never block the writer and a crash mid-write rolls back
  cleanly on the next open;
* ``synchronous=FULL``: every commit is fsynced before the call returns, so a write the
  API has acknowledged survives SIGKILL *and* a power cut (``NORMAL`` would survive
  SIGKILL only; a profile write is rare enough that one fsync each costs nothing);
* each public write is **one transaction** (``BEGIN IMMEDIATE`` … ``COMMIT``);
* the schema is **versioned** with ``PRAGMA user_version``: :data:`MIGRATIONS` lists the
  scripts that bring version *i* to *i + 1*, applied in order on open.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cinerec.errors import CinerecError

#: Ratings one profile may hold; beyond this a write is refused (keeps a request's work bounded).
MAX_RATINGS_PER_PROFILE = 2000

#: Scripts bringing the schema from version ``i`` to ``i + 1`` (index ``i``). Append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE profiles (
        profile_id  TEXT PRIMARY KEY,
        gender      TEXT,
        age         INTEGER,
        occupation  TEXT,
        zip         TEXT,
        created_at  DOUBLE PRECISION NOT NULL,
        updated_at  DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE ratings (
        profile_id  TEXT NOT NULL REFERENCES profiles (profile_id) ON DELETE CASCADE,
        movie_id    INTEGER NOT NULL,
        rating      REAL NOT NULL,
        rated_at    DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (profile_id, movie_id)
    );
    """,
)


class StoreError(CinerecError):
    """The database cannot be opened or written (unwritable path, disk full, locked too long)."""


class ProfileNotFoundError(CinerecError):
    """No stored profile has this id."""


class RatingNotFoundError(CinerecError):
    """The profile has not rated this movie."""


class ProfileFullError(CinerecError):
    """The profile already holds :data:`MAX_RATINGS_PER_PROFILE` ratings."""


@dataclass(frozen=True)
class Demographics:
    """What a person told about themselves, in canonical terms (``None`` = not said).

    ``age`` is in years (the page shows it back as typed); the models use its band.
    """

    gender: str | None = None
    age: int | None = None
    occupation: str | None = None
    zip: str | None = None


@dataclass(frozen=True)
class StoredProfile:
    """One stored person: id, demographics and ratings (movie id → rating, 0.5–5)."""

    profile_id: str
    demographics: Demographics
    ratings: dict[int, float] = field(default_factory=dict)


class ProfileStore(Protocol):
    """What the service needs from a profile store. Every write is atomic and durable
    once it returns; every method raises the errors above rather than a driver's."""

    def create(self, demographics: Demographics) -> StoredProfile: ...

    def get(self, profile_id: str) -> StoredProfile: ...

    def set_demographics(self, profile_id: str, demographics: Demographics) -> StoredProfile: ...

    def set_rating(self, profile_id: str, movie_id: int, rating: float) -> StoredProfile: ...

    def remove_rating(self, profile_id: str, movie_id: int) -> StoredProfile: ...

    def close(self) -> None: ...


class SQLiteProfileStore:
    """A :class:`ProfileStore` in one SQLite file (see the module docstring for why it is
    configured as it is). Safe to share between threads: one connection, one lock —
    SQLite serialises writers anyway, and profile reads are single-row look-ups."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly, one per public write.
            self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.execute("PRAGMA foreign_keys=ON")
            self._connection.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the profile database ({exc})") from None

    @property
    def schema_version(self) -> int:
        return int(self._connection.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise CinerecError(f"{self.path}: profile database schema version {version} is newer than this "
                               f"cinerec understands ({len(MIGRATIONS)}); upgrade cinerec")
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction() as cursor:
                for statement in filter(str.strip, script.split(";")):
                    cursor.execute(statement)
                cursor.execute(f"PRAGMA user_version={target:d}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, committed (and fsynced) on success, rolled back otherwise."""
        with self._lock:
            cursor = self._connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield cursor
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # disk full, database locked past the busy timeout, …
                raise StoreError(f"{self.path}: could not save ({exc}); try again") from None

    # ------------------------------------------------------------------ reads
    def get(self, profile_id: str) -> StoredProfile:
        with self._lock:
            return self._read(self._connection.cursor(), profile_id)

    def _read(self, cursor: sqlite3.Cursor, profile_id: str) -> StoredProfile:
        row = cursor.execute("SELECT gender, age, occupation, zip FROM profiles WHERE profile_id = ?",
                             (profile_id,)).fetchone()
        if row is None:
            raise ProfileNotFoundError(f"no stored profile with id {profile_id}")
        ratings = cursor.execute("SELECT movie_id, rating FROM ratings WHERE profile_id = ? ORDER BY rated_at, movie_id",
                                 (profile_id,)).fetchall()
        return StoredProfile(profile_id, Demographics(*row), {int(m): float(r) for m, r in ratings})

    # ----------------------------------------------------------------- writes
    def create(self, demographics: Demographics) -> StoredProfile:
        profile_id = uuid.uuid4().hex
        now = time.time()
        with self._transaction() as cursor:
            cursor.execute("INSERT INTO profiles (profile_id, gender, age, occupation, zip, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", (profile_id, *_columns(demographics), now, now))
        return StoredProfile(profile_id, demographics)

    def set_demographics(self, profile_id: str, demographics: Demographics) -> StoredProfile:
        with self._transaction() as cursor:
            updated = cursor.execute("UPDATE profiles SET gender = ?, age = ?, occupation = ?, zip = ?, updated_at = ? "
                                     "WHERE profile_id = ?", (*_columns(demographics), time.time(), profile_id))
            if updated.rowcount == 0:
                raise ProfileNotFoundError(f"no stored profile with id {profile_id}")
            return self._read(cursor, profile_id)

    def set_rating(self, profile_id: str, movie_id: int, rating: float) -> StoredProfile:
        with self._transaction() as cursor:
            stored = self._read(cursor, profile_id)
            if movie_id not in stored.ratings and len(stored.ratings) >= MAX_RATINGS_PER_PROFILE:
                raise ProfileFullError(f"profile {profile_id} already holds {MAX_RATINGS_PER_PROFILE} ratings; "
                                       "remove some before adding more")
            now = time.time()
            cursor.execute("INSERT INTO ratings (profile_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (profile_id, movie_id) DO UPDATE SET rating = excluded.rating, "
                           "rated_at = excluded.rated_at", (profile_id, movie_id, rating, now))
            cursor.execute("UPDATE profiles SET updated_at = ? WHERE profile_id = ?", (now, profile_id))
            return self._read(cursor, profile_id)

    def remove_rating(self, profile_id: str, movie_id: int) -> StoredProfile:
        with self._transaction() as cursor:
            self._read(cursor, profile_id)  # a missing profile is reported as such, not as a missing rating
            deleted = cursor.execute("DELETE FROM ratings WHERE profile_id = ? AND movie_id = ?", (profile_id, movie_id))
            if deleted.rowcount == 0:
                raise RatingNotFoundError(f"profile {profile_id} has not rated movie {movie_id}")
            cursor.execute("UPDATE profiles SET updated_at = ? WHERE profile_id = ?", (time.time(), profile_id))
            return self._read(cursor, profile_id)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _columns(demographics: Demographics) -> tuple[str | int | None, ...]:
    return demographics.gender, demographics.age, demographics.occupation, demographics.zip
