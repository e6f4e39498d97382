"""Load test of ``cinerec serve``: throughput and latency of recommendations and autocomplete.

``python -m benchmarks.service_benchmark [--model DIR] [--workers W] [--requests N] [--seconds S]``

Starts ``cinerec serve`` in a child process on a loopback port (an ml-100k model: the
real release from ``../shared/datasets/ml-100k`` when present, else a synthetic one of
the same shape, built into a temporary folder unless ``--model`` names one), then, for
concurrency 1, 16 and 64, sends a bounded number of requests over that many keep-alive
connections (a minimal asyncio HTTP/1.1 client, see :class:`Connection`), and prints a Markdown table of
requests per second, p50/p99 latency and errors. Everything is bounded: at most
``--requests`` requests and ``--seconds`` seconds per row. The client runs on the same
machine as the server and takes part of its CPU, so these numbers are a floor.

Targets on a 2-core machine: recommendations ≥ 300 req/s with p99 ≤ 50 ms at
concurrency 16; autocomplete p99 ≤ 20 ms; zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from cinerec.service.process import LOOPBACK, ServerProcess

ML100K = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ml-100k"
CONCURRENCY = (1, 16, 64)
ENDPOINTS = ("recommendations", "autocomplete")
SEED = 20261129
#: Targets: (endpoint, concurrency it applies at or None for all, minimum req/s, maximum p99 ms).
TARGETS: tuple[tuple[str, int | None, float, float], ...] = (
    ("recommendations", 16, 300.0, 50.0),
    ("autocomplete", None, 0.0, 20.0),
)

#: A request factory: the i-th request as the raw bytes of an HTTP/1.1 request.
RequestFactory = Callable[[int], bytes]


@dataclass(frozen=True)
class Row:
    endpoint: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: np.ndarray

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms.size else float("nan")

    def markdown(self) -> str:
        return (f"| {self.endpoint} | {self.concurrency} | {self.requests:,} | {self.errors} | "
                f"{self.throughput:,.0f} | {self.percentile(50):.1f} | {self.percentile(99):.1f} |")


def build_model(out: Path) -> Path:
    """An ml-100k model: the real release when present, else synthetic data of its shape."""
    from cinerec.build import BuildOptions, build_from_dataset
    from cinerec.data.readers import load_dataset

    if (ML100K / "u.data").exists():
        source = ML100K
    else:
        from cinerec.data.synthetic import SynthConfig, generate

        source = out / "synthetic-ml-100k"
        print("benchmarks: real ml-100k not found; using synthetic data of its shape", file=sys.stderr)
        generate(SynthConfig(format="ml-100k", users=943, movies=1682, ratings=100_000, seed=1), source)
    model = out / "model"
    build_from_dataset(load_dataset(source), model, BuildOptions(report=False))
    return model


def request_factories(popular: Sequence[dict], rng: np.random.Generator) -> dict[str, RequestFactory]:
    """Varied, realistic requests: profiles of 1–5 liked movies among the ``popular`` ones
    (:func:`popular_movies`) plus random demographics; autocomplete prefixes of 2–8
    letters of their titles."""
    movie_ids, titles = [m["movie_id"] for m in popular], [m["title"] for m in popular]
    genders, occupations = ["M", "F", None], ["programmer", "student", "nurse", "writer", "retired", None]
    profiles = []
    for _ in range(1000):
        liked = rng.choice(movie_ids, size=int(rng.integers(1, 6)), replace=False).tolist()
        profiles.append({"liked": liked, "gender": genders[rng.integers(3)], "age": int(rng.integers(15, 70)),
                         "occupation": occupations[rng.integers(len(occupations))], "n": 10})
    recommend = [_http_request("POST", "/api/recommendations", json.dumps(p).encode()) for p in profiles]
    prefixes = [title[: int(rng.integers(2, 9))] for title in rng.choice(titles, size=1000)]
    search = [_http_request("GET", "/api/movies/search?" + urllib.parse.urlencode({"q": q, "limit": 8}))
              for q in prefixes]
    return {"recommendations": lambda i: recommend[i % len(recommend)],
            "autocomplete": lambda i: search[i % len(search)]}


def _http_request(method: str, target: str, body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: {LOOPBACK}\r\nAccept: application/json\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def popular_movies(base_url: str) -> list[dict]:
    """Up to 300 movies the autocomplete offers for common first letters (most-rated first)."""
    found: dict[int, dict] = {}
    with httpx.Client(base_url=base_url) as client:
        for letters in ("the", "s", "a", "m", "b", "c", "d", "l", "p", "r", "w", "h", "g", "f", "t"):
            for movie in client.get("/api/movies/search", params={"q": letters, "limit": 50}).json()["results"]:
                found.setdefault(movie["movie_id"], movie)
    return list(found.values())[:300]


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for these
    requests. A general client (httpx) spends 1–2 ms of CPU per request, which on a 2-core
    machine would be measured as the server's; this spends a few microseconds."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(LOOPBACK, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        """Send one request, read the whole response, return its status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(":", 1) for line in header_lines if ":" in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def measure(port: int, endpoint: str, make: RequestFactory, concurrency: int, requests: int,
                  seconds: float) -> Row:
    """Send up to ``requests`` requests (stopping after ``seconds``) over ``concurrency``
    keep-alive connections, each with one request in flight."""
    connections = [await Connection.open(port) for _ in range(concurrency)]
    for i, connection in enumerate(connections):  # warm every connection and the server
        await connection.send(make(i))
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    deadline = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        nonlocal errors
        for i in counter:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            try:
                ok = await connection.send(make(i)) == 200
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok
            if not ok:
                return  # the connection's state is unknown; stop using it

    started = time.perf_counter()
    await asyncio.gather(*(worker(connection) for connection in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return Row(endpoint, concurrency, len(latencies), errors, elapsed, np.asarray(latencies))


def verdicts(rows: Sequence[Row]) -> list[str]:
    """One line per target: met or missed, with the measured numbers."""
    lines = []
    for endpoint, at, min_rps, max_p99 in TARGETS:
        for row in rows:
            if row.endpoint != endpoint or (at is not None and row.concurrency != at):
                continue
            met = row.throughput >= min_rps and row.percentile(99) <= max_p99 and row.errors == 0
            lines.append(f"{'met' if met else 'MISSED'}: {endpoint} at concurrency {row.concurrency}: "
                         f"{row.throughput:,.0f} req/s (target ≥ {min_rps:,.0f}), p99 {row.percentile(99):.1f} ms "
                         f"(target ≤ {max_p99:.0f}), {row.errors} errors")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="model directory to serve (default: build an ml-100k model)")
    parser.add_argument("--requests", type=int, default=2000, help="most requests per row (default 2000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="most seconds per row (default 20)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="server processes (default: one per core)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cinerec-service-bench-") as scratch:
        work = Path(scratch)
        model = args.model or build_model(work)
        with ServerProcess(model, work / "profiles.sqlite3", work / "server.log", workers=args.workers) as server:
            # Each concurrency draws its own requests, so a row repeats an earlier row's profile or
            # prefix only as often as real traffic would (the service caches autocomplete answers).
            popular = popular_movies(server.url)
            factories = {concurrency: request_factories(popular, np.random.default_rng([SEED, concurrency]))
                         for concurrency in CONCURRENCY}
            rows = [asyncio.run(measure(server.port, endpoint, factories[concurrency][endpoint], concurrency,
                                        args.requests, args.seconds))
                    for endpoint in ENDPOINTS for concurrency in CONCURRENCY]
    print(f"Model: {model}; {args.workers} server worker(s); load average before: {load_before:.1f}\n")
    print("| endpoint | concurrency | requests | errors | req/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row.markdown())
    print()
    print("\n".join(verdicts(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
