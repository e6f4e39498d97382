"""``cinerec serve`` against clients that stall and against floods of connections.

``python -m benchmarks.service_faults [--model DIR] [--workers W] [--slow N] [--connections N] [--descriptor-limit L]``

Starts ``cinerec serve`` in a child process (an ml-100k model, as
:mod:`benchmarks.service_benchmark` builds it) and measures:

* **slow clients**: ``--slow`` connections that send part of a request and then one
  byte a second (half stall in the request's head, half in its body), while a person
  asks for recommendations every half second: how long the server holds the stalled
  connections, what it answers them, and whether the person is answered meanwhile;
* **floods**: ``--connections`` connections opened at once, each sending one request
  (the cheap health check, then recommendations), under a ``ulimit -n`` of
  ``--descriptor-limit`` in the server: how many are answered 2xx, refused with 503,
  answered with another 4xx or a 5xx, or not answered at all; then whether the server
  answers normally afterwards.

Prints one Markdown table per measurement. The clients run on the same machine as the
server and share its CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.service_benchmark import build_model
from cinerec.service.connections import raise_descriptor_limit
from cinerec.service.process import LOOPBACK, ServerProcess

#: Seconds a client waits for an answer before counting its request unanswered.
CLIENT_TIMEOUT = 30.0
#: Seconds between the bytes a slow client trickles.
TRICKLE_EVERY = 1.0
#: Seconds between the requests of the person using the service during a stall.
PROBE_EVERY = 0.5


def http_request(method: str, target: str, body: bytes = b"") -> bytes:
    """A complete HTTP/1.1 request that asks the server to close the connection after answering."""
    head = f"{method} {target} HTTP/1.1\r\nHost: {LOOPBACK}\r\nConnection: close\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


HEALTH = http_request("GET", "/api/health")


def recommendations_request(liked: Sequence[int]) -> bytes:
    return http_request("POST", "/api/recommendations", json.dumps({"liked": list(liked), "n": 10}).encode())


async def exchange(port: int, request: bytes, timeout: float = CLIENT_TIMEOUT) -> int | None:
    """Send ``request`` on a new connection and read the answer to its end: its status,
    or ``None`` when the server refused, reset or closed the connection without an
    answer, or gave none within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(LOOPBACK, port)
            try:
                writer.write(request)
                answer = await reader.read()
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return None
    status_line = answer.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None


@dataclass
class Flood:
    """What ``count`` concurrent one-request connections got."""

    label: str
    count: int
    statuses: Counter[int | None]
    seconds: float

    def share(self, predicate: Callable[[int], bool]) -> int:
        """How many connections got a status for which ``predicate`` holds."""
        return sum(n for status, n in self.statuses.items() if status is not None and predicate(status))

    @property
    def server_errors(self) -> int:
        return self.share(lambda status: status >= 500 and status != 503)

    @property
    def unanswered(self) -> int:
        return self.statuses[None]

    def markdown(self) -> str:
        return (f"| {self.label} | {self.count:,} | {self.share(lambda s: 200 <= s < 300):,} | {self.statuses[503]:,} | "
                f"{self.share(lambda s: 400 <= s < 500):,} | {self.server_errors:,} | {self.unanswered:,} | "
                f"{self.seconds:.1f} |")


async def flood(port: int, requests: Sequence[bytes], label: str) -> Flood:
    """Open one connection per request, all at once, and tally their answers."""
    started = time.perf_counter()
    statuses = await asyncio.gather(*(exchange(port, request) for request in requests))
    return Flood(label, len(requests), Counter(statuses), time.perf_counter() - started)


@dataclass
class Stall:
    """What stalled connections and a person using the service meanwhile got."""

    count: int
    held_seconds: list[float] = field(default_factory=list)
    not_closed: int = 0
    answers: Counter[int | None] = field(default_factory=Counter)
    probe_statuses: Counter[int | None] = field(default_factory=Counter)
    probe_ms: list[float] = field(default_factory=list)

    def markdown(self) -> str:
        held = sorted(self.held_seconds) or [float("nan")]
        answers = ", ".join(f"{status or 'none'} × {n}" for status, n in sorted(self.answers.items(), key=str))
        probes = ", ".join(f"{status or 'none'} × {n}" for status, n in sorted(self.probe_statuses.items(), key=str))
        probe_ms = max(self.probe_ms) if self.probe_ms else float("nan")
        return (f"| {self.count} | {statistics.median(held):.1f} | {held[-1]:.1f} | {self.not_closed} | {answers} | "
                f"{probes} | {probe_ms:.0f} |")


async def stall(port: int, count: int, probe: bytes, give_up: float) -> Stall:
    """``count`` connections that stop partway through a request and trickle a byte a
    second (even ones in the head, odd ones in the body), until the server closes them or
    ``give_up`` seconds pass; meanwhile ``probe`` is sent every half second."""
    result = Stall(count)
    stop = asyncio.Event()

    async def probing() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            result.probe_statuses[await exchange(port, probe)] += 1
            result.probe_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(PROBE_EVERY)

    prober = asyncio.create_task(probing())
    await asyncio.gather(*(_stalled(port, index, give_up, result) for index in range(count)))
    stop.set()
    await prober
    return result


async def _stalled(port: int, index: int, give_up: float, result: Stall) -> None:
    start = (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" if index % 2 == 0 else
             b"POST /api/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 1000\r\n\r\n{")
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    opened = time.perf_counter()
    writer.write(start)
    trickle = asyncio.create_task(_trickle(writer, b"x-slow: 1\r\n" if index % 2 == 0 else b" " * 999))
    try:
        async with asyncio.timeout(give_up):
            answer = await _read_until_closed(reader)
        result.held_seconds.append(time.perf_counter() - opened)
        status_line = answer.split(b"\r\n", 1)[0].split()
        result.answers[int(status_line[1]) if len(status_line) > 1 else None] += 1
    except TimeoutError:
        result.not_closed += 1
    finally:
        trickle.cancel()
        writer.close()


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before closing the connection (or resetting it: a client still
    sending to a closed connection is reset, and keeps what it had read)."""
    answer = b""
    try:
        while chunk := await reader.read(65536):
            answer += chunk
    except OSError:
        pass
    return answer


async def _trickle(writer: asyncio.StreamWriter, data: bytes) -> None:
    for byte in data:
        await asyncio.sleep(TRICKLE_EVERY)
        if writer.is_closing():
            return
        writer.write(bytes([byte]))


def popular_ids(base_url: str) -> list[int]:
    """Movie ids the served catalogue knows (those the autocomplete offers for "the")."""
    results = httpx.get(f"{base_url}/api/movies/search", params={"q": "the", "limit": 20}).json()["results"]
    return [movie["movie_id"] for movie in results]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_faults", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="model directory to serve (default: build an ml-100k model)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--slow", type=int, default=250, help="stalled connections (default 250)")
    parser.add_argument("--connections", type=int, default=2000, help="connections per flood (default 2000)")
    parser.add_argument("--descriptor-limit", type=int, default=1024,
                        help="the server's ulimit -n during the floods (default 1024)")
    args = parser.parse_args(argv)
    client_limit = raise_descriptor_limit()
    if client_limit is not None and client_limit < args.connections + 100:
        parser.error(f"this process may open only {client_limit} files; lower --connections")
    with tempfile.TemporaryDirectory(prefix="cinerec-service-faults-") as scratch:
        work = Path(scratch)
        model = args.model or build_model(work)
        with ServerProcess(model, work / "stall.sqlite3", work / "stall.log", workers=args.workers) as server:
            liked = popular_ids(server.url)[:3]
            stalled = asyncio.run(stall(server.port, args.slow, recommendations_request(liked), give_up=60.0))
        with ServerProcess(model, work / "flood.sqlite3", work / "flood.log", workers=args.workers,
                           descriptor_limit=args.descriptor_limit) as server:
            requests = {"health": [HEALTH] * args.connections,
                        "recommendations": [recommendations_request(liked[: 1 + i % 3]) for i in range(args.connections)]}
            floods = [asyncio.run(flood(server.port, batch, label)) for label, batch in requests.items()]
            afterwards = httpx.get(f"{server.url}/api/health", timeout=10).status_code
    print(f"Model: {model}; {args.workers} server worker(s)\n")
    print(f"Slow clients (each trickles a byte every {TRICKLE_EVERY:.0f} s; a person asks for recommendations "
          f"every {PROBE_EVERY} s meanwhile):\n")
    print("| stalled | median held s | longest held s | never closed | server's answers | person's answers "
          "| person's slowest ms |")
    print("|---:|---:|---:|---:|---|---|---:|")
    print(stalled.markdown())
    print(f"\nFloods under ulimit -n {args.descriptor_limit} in the server:\n")
    print("| request | connections | 2xx | 503 | other 4xx | other 5xx | unanswered | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in floods:
        print(row.markdown())
    print(f"\nHealth check after the floods: {afterwards}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
