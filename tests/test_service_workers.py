"""``cinerec serve --workers N``: connections dealt out evenly, dead workers replaced,
a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from cinerec.service.process import LOOPBACK, ServerProcess
from test_service_api import session_service_model

pytestmark = [pytest.mark.network, pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")]

REQUEST = f"GET /api/health HTTP/1.1\r\nHost: {LOOPBACK}\r\n\r\n".encode()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return session_service_model(tmp_path_factory)


def worker_pids(server: ServerProcess) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker beside them)."""
    assert server.process is not None
    pid = server.process.pid
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in children if b"spawn_main" in _command_line(child)]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def connections_per_process(port: int, pids: list[int]) -> Counter[int]:
    """How many established connections to ``port`` each process holds (socket inodes of
    ``/proc/net/tcp`` matched against each process's open descriptors)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state = int(fields[1].split(":")[1], 16), fields[3]
        if local_port == port and state == "01":  # ESTABLISHED, server side
            inodes.add(f"socket:[{fields[9]}]")
    held: Counter[int] = Counter()
    for pid in pids:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                held[pid] += os.readlink(descriptor) in inodes
            except OSError:
                continue
    return held


def open_answered(port: int, count: int) -> list[socket.socket]:
    """``count`` keep-alive connections opened at once, each having had one answer."""
    connections = [socket.create_connection((LOOPBACK, port)) for _ in range(count)]
    for connection in connections:
        connection.sendall(REQUEST)
    for connection in connections:
        connection.settimeout(10)
        assert connection.recv(4096).startswith(b"HTTP/1.1 200")
    return connections


def test_connections_opened_together_are_dealt_out_evenly(model: tuple[Path, int], tmp_path: Path) -> None:
    with ServerProcess(model[0], tmp_path / "profiles.sqlite3", tmp_path / "serve.log", workers=2) as server:
        pids = worker_pids(server)
        assert len(pids) == 2
        for _ in range(3):  # uvicorn's shared socket put all 16 into one process in most such trials
            connections = open_answered(server.port, 16)
            assert sorted(connections_per_process(server.port, pids).values()) == [8, 8]
            for connection in connections:
                connection.close()
            time.sleep(0.2)  # the workers see the closes


def test_a_worker_that_dies_is_replaced(model: tuple[Path, int], tmp_path: Path) -> None:
    with ServerProcess(model[0], tmp_path / "profiles.sqlite3", tmp_path / "serve.log", workers=2) as server:
        first, second = worker_pids(server)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(set(worker_pids(server)) - {first}) < 2:
            time.sleep(0.2)
        pids = worker_pids(server)
        assert first not in pids and second in pids and len(pids) == 2
        for _ in range(4):  # fresh connections go to both workers in turn, the new one included
            assert httpx.get(f"{server.url}/api/health", timeout=10).status_code == 200


def test_sigterm_stops_the_parent_and_every_worker(model: tuple[Path, int], tmp_path: Path) -> None:
    server = ServerProcess(model[0], tmp_path / "profiles.sqlite3", tmp_path / "serve.log", workers=2).start()
    pids = worker_pids(server)
    server.stop()
    assert server.process is not None and server.process.returncode == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    with pytest.raises(OSError):
        socket.create_connection((LOOPBACK, server.port), timeout=2)


def test_a_worker_that_cannot_start_fails_the_server_in_one_line() -> None:
    import uvicorn

    from cinerec.service.process import free_port
    from cinerec.service.workers import WorkerFailed, serve

    config = uvicorn.Config("cinerec_no_such_module:app", host=LOOPBACK, port=free_port(), log_level="critical")
    with pytest.raises(WorkerFailed, match="exited before it was ready"):
        serve(config, 2)
    socket.create_server((LOOPBACK, config.port)).close()  # the port was given back
