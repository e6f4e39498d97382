"""Running ``cinerec serve`` as a child process on a free loopback port.

The browser test, the crash test and the service benchmark all need a real server in
another process (a real socket, a real uvicorn, and for the crash test a process they
can SIGKILL); this is the one place that knows how to start one and wait for it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    """``cinerec serve --model MODEL --db DB --workers N`` on a free loopback port.

    Use as a context manager (stopped on exit) or call :meth:`start` / :meth:`stop`;
    :meth:`kill` sends SIGKILL, as a crash would. The server's stderr goes to ``log``.
    ``descriptor_limit`` caps the open files of the server (soft and hard limit alike, so
    the server cannot raise it), as a machine with a low ``ulimit -n`` would.
    """

    model: Path
    db: Path
    log: Path
    workers: int = 1
    descriptor_limit: int | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _log_handle: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60.0) -> Self:
        """Start the server and return once ``/api/ready`` answers (or raise, showing its log)."""
        self._log_handle = self.log.open("ab")
        command = [sys.executable, "-m", "cinerec.cli.main", "serve", "--model", str(self.model),
                   "--db", str(self.db), "--host", LOOPBACK, "--port", str(self.port),
                   "--workers", str(self.workers)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log_handle,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=self._limits())
        self._wait_until_ready(timeout)
        return self

    def _limits(self) -> Callable[[], None] | None:
        """What the child runs before ``exec``: cap its open files to :attr:`descriptor_limit`."""
        if self.descriptor_limit is None:
            return None
        import resource

        limit = self.descriptor_limit
        return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"cinerec serve exited with status {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"cinerec serve was not ready after {timeout:.0f}s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing — what a crash looks like."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the server has not stopped within 10 seconds."""
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
