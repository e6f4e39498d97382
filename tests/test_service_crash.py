"""Acknowledged profile writes survive a SIGKILL of ``cinerec serve``.

Writer threads rate movies through the HTTP API while the server is killed mid-flight;
every write that got a 2xx before the kill must be in the database after a restart.
Writes in flight at the kill may or may not have landed — that is allowed — but nothing
acknowledged may be lost, and the database must open cleanly.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from cinerec.service.process import ServerProcess
from test_service_api import session_service_model

pytestmark = [pytest.mark.network, pytest.mark.slow]

WRITERS = 6
#: Kill once this many writes have been acknowledged (so plenty are in flight).
KILL_AFTER_ACKS = 120


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return session_service_model(tmp_path_factory)


def movie_ids(server: ServerProcess, count: int) -> list[int]:
    """Real movie ids of the served catalogue, found through the API itself."""
    ids: list[int] = []
    for letters in ("the", "a", "s", "m", "b", "c", "d", "l", "p", "r"):
        response = httpx.get(f"{server.url}/api/movies/search", params={"q": letters, "limit": 50})
        ids.extend(r["movie_id"] for r in response.json()["results"] if r["movie_id"] not in ids)
    assert len(ids) >= count
    return ids[:count]


def write_until_killed(base_url: str, profile_id: str, movies: list[int], acknowledged: dict[int, float],
                       lock: threading.Lock) -> None:
    """Rate ``movies`` one by one, recording each acknowledged (2xx) rating; stop at the first
    failure (the server is gone)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for step, movie_id in enumerate(movies):
            rating = 0.5 * (step % 10 + 1)
            try:
                response = client.put(f"/api/profiles/{profile_id}/ratings/{movie_id}", json={"rating": rating})
            except httpx.HTTPError:
                return
            if not response.is_success:
                return
            with lock:
                acknowledged[movie_id] = rating


def test_acknowledged_writes_survive_sigkill(model: tuple[Path, int], tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite3"
    server = ServerProcess(model[0], db, tmp_path / "first.log").start()
    try:
        movies = movie_ids(server, 200)
        profiles = [httpx.post(f"{server.url}/api/profiles", json={}).json()["profile_id"] for _ in range(WRITERS)]
        acknowledged: dict[str, dict[int, float]] = {profile_id: {} for profile_id in profiles}
        lock = threading.Lock()
        threads = [threading.Thread(target=write_until_killed,
                                    args=(server.url, profile_id, movies, acknowledged[profile_id], lock))
                   for profile_id in profiles]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if sum(map(len, acknowledged.values())) >= KILL_AFTER_ACKS:
                    break
            time.sleep(0.005)
        server.kill()
        for thread in threads:
            thread.join(timeout=30)
        with lock:
            snapshot = {profile_id: dict(ratings) for profile_id, ratings in acknowledged.items()}
    finally:
        server.kill()

    assert sum(map(len, snapshot.values())) >= KILL_AFTER_ACKS
    assert any(len(ratings) < len(movies) for ratings in snapshot.values()), "the kill came after every write"
    with ServerProcess(model[0], db, tmp_path / "second.log") as restarted:
        for profile_id, ratings in snapshot.items():
            stored = httpx.get(f"{restarted.url}/api/profiles/{profile_id}").json()
            stored_ratings = {r["movie"]["movie_id"]: r["rating"] for r in stored["ratings"]}
            missing = {m: r for m, r in ratings.items() if stored_ratings.get(m) != r}
            assert not missing, f"acknowledged ratings lost for profile {profile_id}: {missing}"


def test_several_workers_share_one_store(model: tuple[Path, int], tmp_path: Path) -> None:
    """With ``--workers 2`` every write lands in the one database, whichever process took it."""
    with ServerProcess(model[0], tmp_path / "profiles.sqlite3", tmp_path / "workers.log", workers=2) as server:
        movies = movie_ids(server, 12)
        with httpx.Client(base_url=server.url, timeout=10) as client:
            profile_id = client.post("/api/profiles", json={}).json()["profile_id"]
            for movie_id in movies:  # new connections spread over both workers
                with httpx.Client(base_url=server.url, timeout=10) as fresh:
                    assert fresh.put(f"/api/profiles/{profile_id}/ratings/{movie_id}", json={"rating": 4}).is_success
            stored = client.get(f"/api/profiles/{profile_id}").json()
    assert sorted(r["movie"]["movie_id"] for r in stored["ratings"]) == sorted(movies)
