"""``cinerec serve`` against clients that stall and floods of connections, on a real server.

A client that sends part of a request and stalls is answered 408 and cut off once its
time is up, while others are served meanwhile; a flood of connections under a low
``ulimit -n`` is answered 200 or 503, never 5xx or silence, and the server carries on.
The measurements at scale are in ``benchmarks/service_faults.py``; these keep to a size
that runs in seconds.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from benchmarks.service_faults import HEALTH, flood, stall
from cinerec.service.app import BODY_TIMEOUT
from cinerec.service.connections import HEAD_TIMEOUT, raise_descriptor_limit
from cinerec.service.process import ServerProcess
from test_service_api import session_service_model

pytestmark = [pytest.mark.network, pytest.mark.slow]

STALLED = 100
FLOOD = 1000
#: The server's ulimit -n during the flood: room for about a fifth of the connections.
SERVER_DESCRIPTOR_LIMIT = 256


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_service_model(tmp_path_factory)[0]


def test_stalled_clients_are_answered_408_and_cut_off_while_others_are_served(model: Path, tmp_path: Path) -> None:
    """Half the clients stall in the request's head, half in its body, each trickling a
    byte a second (which must not keep its deadline away)."""
    deadline = max(HEAD_TIMEOUT, BODY_TIMEOUT)
    with ServerProcess(model, tmp_path / "profiles.sqlite3", tmp_path / "serve.log") as server:
        result = asyncio.run(stall(server.port, STALLED, HEALTH, give_up=2 * deadline + 10))
    assert result.not_closed == 0
    assert result.answers == {408: STALLED}
    assert min(HEAD_TIMEOUT, BODY_TIMEOUT) / 2 < min(result.held_seconds)  # given their time, not cut at once
    assert max(result.held_seconds) < 2 * deadline
    assert result.probe_statuses.keys() == {200} and result.probe_statuses[200] >= 5


def test_a_flood_under_a_low_descriptor_limit_is_answered_200_or_503(model: Path, tmp_path: Path) -> None:
    client_limit = raise_descriptor_limit()
    if client_limit is not None and client_limit < FLOOD + 100:
        pytest.skip(f"this machine lets a process open only {client_limit} files; the flood needs {FLOOD + 100}")
    with ServerProcess(model, tmp_path / "profiles.sqlite3", tmp_path / "serve.log",
                       descriptor_limit=SERVER_DESCRIPTOR_LIMIT) as server:
        result = asyncio.run(flood(server.port, [HEALTH] * FLOOD, "health"))
        afterwards = httpx.get(f"{server.url}/api/health", timeout=10)
        log = server.log_text()
    assert result.server_errors == 0 and result.unanswered == 0, result.statuses
    assert result.statuses.keys() == {200, 503}, result.statuses  # the limit was reached, and some were served
    assert afterwards.status_code == 200
    assert "Traceback" not in log


def test_the_soft_descriptor_limit_is_raised_to_the_hard_one() -> None:
    code = ("import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (200, 400)); "
            "from cinerec.service.connections import raise_descriptor_limit as r; "
            "print(r(), resource.getrlimit(resource.RLIMIT_NOFILE))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split(maxsplit=1) == ["400", "(400, 400)\n"]
