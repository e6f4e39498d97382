"""The SQLite profile store: round trips, errors, atomic writes, schema versions, threads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cinerec.errors import CinerecError
from cinerec.service import store as store_module
from cinerec.service.store import (Demographics, ProfileFullError, ProfileNotFoundError, RatingNotFoundError,
                                   SQLiteProfileStore, StoreError)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "profiles.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteProfileStore]:
    opened = SQLiteProfileStore(db)
    yield opened
    opened.close()


def test_create_rate_and_read_back(store: SQLiteProfileStore) -> None:
    created = store.create(Demographics(gender="F", age=41, occupation="writer", zip="87103"))
    assert len(created.profile_id) == 32 and created.ratings == {}
    store.set_rating(created.profile_id, 50, 5.0)
    store.set_rating(created.profile_id, 1, 1.0)
    updated = store.set_rating(created.profile_id, 50, 3.5)
    assert updated.ratings == {50: 3.5, 1: 1.0}
    assert store.get(created.profile_id) == updated
    assert store.get(created.profile_id).demographics == Demographics("F", 41, "writer", "87103")
    assert store.remove_rating(created.profile_id, 1).ratings == {50: 3.5}


def test_profiles_are_independent(store: SQLiteProfileStore) -> None:
    first, second = store.create(Demographics()), store.create(Demographics(gender="M"))
    store.set_rating(first.profile_id, 7, 4.0)
    assert store.get(second.profile_id).ratings == {}
    assert first.profile_id != second.profile_id


def test_set_demographics_replaces_every_field(store: SQLiteProfileStore) -> None:
    profile_id = store.create(Demographics(gender="F", age=30)).profile_id
    store.set_rating(profile_id, 3, 5.0)
    updated = store.set_demographics(profile_id, Demographics(zip="K1A0B1"))
    assert updated.demographics == Demographics(zip="K1A0B1")
    assert updated.ratings == {3: 5.0}


def test_missing_profile_and_rating_raise_store_errors(store: SQLiteProfileStore) -> None:
    unknown = "f" * 32
    for call in (lambda: store.get(unknown), lambda: store.set_rating(unknown, 1, 5.0),
                 lambda: store.remove_rating(unknown, 1), lambda: store.set_demographics(unknown, Demographics())):
        with pytest.raises(ProfileNotFoundError, match=unknown):
            call()
    profile_id = store.create(Demographics()).profile_id
    with pytest.raises(RatingNotFoundError, match="has not rated movie 9"):
        store.remove_rating(profile_id, 9)
    assert isinstance(ProfileNotFoundError("x"), CinerecError)


def test_full_profile_refuses_new_movies_but_accepts_changes(store: SQLiteProfileStore,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_RATINGS_PER_PROFILE", 2)
    profile_id = store.create(Demographics()).profile_id
    store.set_rating(profile_id, 1, 5.0)
    store.set_rating(profile_id, 2, 5.0)
    with pytest.raises(ProfileFullError, match="already holds 2 ratings"):
        store.set_rating(profile_id, 3, 5.0)
    assert store.set_rating(profile_id, 2, 1.0).ratings == {1: 5.0, 2: 1.0}


def test_database_is_wal_durable_and_versioned(store: SQLiteProfileStore, db: Path) -> None:
    assert store.schema_version == len(store_module.MIGRATIONS)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(store_module.MIGRATIONS)
    assert store._connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reopening_keeps_data_and_does_not_migrate_again(db: Path) -> None:
    first = SQLiteProfileStore(db)
    profile_id = first.create(Demographics(age=20)).profile_id
    first.set_rating(profile_id, 5, 4.5)
    first.close()
    second = SQLiteProfileStore(db)
    assert second.get(profile_id).ratings == {5: 4.5}
    second.close()


def test_a_new_migration_upgrades_an_existing_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = SQLiteProfileStore(db)
    profile_id = old.create(Demographics(gender="M")).profile_id
    old.close()
    upgrade = "CREATE INDEX ratings_by_movie ON ratings (movie_id)"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, upgrade))
    upgraded = SQLiteProfileStore(db)
    assert upgraded.schema_version == len(store_module.MIGRATIONS)
    assert upgraded.get(profile_id).demographics.gender == "M"
    indexes = upgraded._connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert ("ratings_by_movie",) in indexes
    upgraded.close()


def test_a_failing_migration_leaves_the_version_unchanged(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    SQLiteProfileStore(db).close()
    broken = "CREATE TABLE extra (x INTEGER); CREATE TABLE extra (x INTEGER)"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, broken))
    with pytest.raises(StoreError, match="table extra already exists"):
        SQLiteProfileStore(db)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(store_module.MIGRATIONS) - 1
        assert raw.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchall() == []


def test_a_newer_schema_is_refused(db: Path) -> None:
    SQLiteProfileStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(CinerecError, match="schema version 99 is newer"):
        SQLiteProfileStore(db)


def test_concurrent_writes_from_threads_all_land(store: SQLiteProfileStore) -> None:
    profile_ids = [store.create(Demographics()).profile_id for _ in range(4)]

    def rate_many(profile_id: str) -> None:
        for movie_id in range(1, 26):
            store.set_rating(profile_id, movie_id, 0.5 * (movie_id % 10 + 1))

    threads = [threading.Thread(target=rate_many, args=(pid,)) for pid in profile_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for profile_id in profile_ids:
        assert store.get(profile_id).ratings == {m: 0.5 * (m % 10 + 1) for m in range(1, 26)}


def test_an_unusable_path_is_a_one_line_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-directory.sqlite3").mkdir()
    with pytest.raises(StoreError, match="a-directory.sqlite3: cannot open the profile database"):
        SQLiteProfileStore(tmp_path / "a-directory.sqlite3")
