"""Several server processes behind one port, with connections dealt out in turn.

uvicorn's own ``--workers`` shares the listening socket between its processes, and a
process that wakes up accepts every connection waiting: on Linux, 16 keep-alive
connections opened together landed all in one process in five of eight trials (the
other three split 13/3, 10/6 and 8/8). That process then queues sixteen people's
requests while the other core idles, and the slowest answers take twice as long.

Here the parent process owns the listening socket, accepts each connection and hands
it (file-descriptor passing over a Unix socket pair, ``SCM_RIGHTS``) to the next
worker in turn, as nginx's and HAProxy's default round robin does; each worker serves
the connections it is given with a uvicorn :class:`~uvicorn.Server`. The parent starts
accepting once every worker has loaded the model, restarts a worker that dies, and on
SIGINT or SIGTERM stops accepting and lets the workers finish the requests they hold.
Both sides take connections through a :class:`~cinerec.service.connections.DescriptorReserve`,
so that a process out of file descriptors answers 503 instead of dropping the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import selectors
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.supervisors import Multiprocess

from cinerec.errors import CinerecError
from cinerec.service.connections import ACCEPT_BACKOFF, MAX_TAKEN_PER_TURN, DescriptorReserve, TakingServer, listen

logger = logging.getLogger("cinerec.serve")

#: Whether this platform can pass sockets between processes (``SCM_RIGHTS``: not on Windows).
CAN_HAND_OVER = hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")
#: What a worker sends its parent once it can answer.
READY = b"R"
#: Seconds the parent waits for workers to load the model and, when stopping, to finish.
START_TIMEOUT = 300.0
STOP_TIMEOUT = 15.0


class WorkerFailed(CinerecError):
    """A worker exited before it was ready (e.g. it could not open the model)."""


def serve(config: uvicorn.Config, workers: int) -> None:
    """Serve ``config``'s application from ``workers`` processes until SIGINT or SIGTERM."""
    listener = listen(config)
    if not CAN_HAND_OVER:  # no descriptor passing (Windows): uvicorn's shared socket, uneven but working
        config.workers = workers
        Multiprocess(config, sockets=[listener]).run()
        return
    pool = _Pool(config, workers)
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        pool.start()
        _deal(listener, pool, DescriptorReserve())
    except _Stopped:
        pass
    finally:
        listener.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pool.stop()


class _Stopped(Exception):
    """Raised by the signal handler to leave the accept loop."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def _deal(listener: socket.socket, pool: _Pool, reserve: DescriptorReserve) -> None:
    """Accept connections and hand each to the next worker; restart a worker that dies."""
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        for worker in pool.workers:
            selector.register(worker.process.sentinel, selectors.EVENT_READ, worker)
        while True:
            for key, _ in selector.select():
                if key.fileobj is listener:
                    _hand_over(listener, pool, reserve)
                    continue
                selector.unregister(key.fileobj)
                replacement = pool.replace(key.data)
                selector.register(replacement.process.sentinel, selectors.EVENT_READ, replacement)


def _hand_over(listener: socket.socket, pool: _Pool, reserve: DescriptorReserve) -> None:
    try:
        connection = reserve.take(lambda: listener.accept()[0])
    except (BlockingIOError, InterruptedError, ConnectionAbortedError):
        return
    except OSError as exc:  # the spare is gone too: the connection waits, the server lives on
        logger.error("cinerec: could not accept a connection: %s", exc)
        time.sleep(ACCEPT_BACKOFF)
        return
    if connection is not None:
        with connection:  # the worker holds its own copy of the descriptor once it is sent
            pool.give(connection)


@dataclass
class _Worker:
    process: BaseProcess
    channel: socket.socket


@dataclass
class _Pool:
    """The worker processes and the parent's end of each one's channel."""

    config: uvicorn.Config
    size: int
    workers: list[_Worker] = field(default_factory=list)
    turn: int = 0

    def start(self) -> None:
        self.workers = [self._spawn() for _ in range(self.size)]
        for worker in self.workers:
            self._wait_ready(worker)

    def _spawn(self) -> _Worker:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = multiprocessing.get_context("spawn").Process(target=_work, args=(self.config, child_end),
                                                                name="cinerec-serve-worker", daemon=False)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _wait_ready(self, worker: _Worker) -> None:
        worker.channel.settimeout(START_TIMEOUT)
        try:
            answer = worker.channel.recv(1)
        except TimeoutError:
            answer = b""
        worker.channel.settimeout(None)
        if answer != READY:
            worker.process.join(STOP_TIMEOUT)
            raise WorkerFailed(f"a server worker exited before it was ready (exit code {worker.process.exitcode})")

    def give(self, connection: socket.socket) -> None:
        """Hand ``connection`` to the next live worker."""
        for _ in range(len(self.workers)):
            worker = self.workers[self.turn]
            self.turn = (self.turn + 1) % len(self.workers)
            try:
                socket.send_fds(worker.channel, [b"c"], [connection.fileno()])
                return
            except OSError:  # that worker is gone; the accept loop restarts it
                continue
        logger.error("no server worker could take a connection; closing it")

    def replace(self, dead: _Worker) -> _Worker:
        """Start a worker in the place of one that exited."""
        dead.process.join()
        logger.warning("cinerec: a server worker exited with code %s; starting another", dead.process.exitcode)
        dead.channel.close()
        worker = self._spawn()
        self._wait_ready(worker)
        self.workers[self.workers.index(dead)] = worker
        return worker

    def stop(self) -> None:
        """Close the channels (each worker then finishes what it holds and exits)."""
        for worker in self.workers:
            worker.channel.close()
        for worker in self.workers:
            worker.process.join(STOP_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _work(config: uvicorn.Config, channel: socket.socket) -> None:
    """A worker process: serve the connections the parent hands over."""
    _HandedServer(config, channel).run()


class _HandedServer(TakingServer):
    """A uvicorn server that listens on nothing and serves connections handed to it."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket):
        super().__init__(config)
        self.channel = channel
        self.reserve = DescriptorReserve()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave stopping to the parent, which closes the channel: a terminal's Ctrl-C
        reaches every process of the group, and uvicorn would re-raise it in each worker."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not await self.start_application():
            sys.exit(3)  # the application could not start; the parent reports it
        self.channel.setblocking(False)
        try:
            self.channel.send(READY)
        except OSError:  # the parent stopped while the model was loading
            self.should_exit = True
            return
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._take)
        self.started = True

    def _take(self) -> None:
        """Serve the connections waiting in the channel (one per message); once the parent
        has closed it (stopping, or gone), finish and exit."""
        for _ in range(MAX_TAKEN_PER_TURN):
            try:
                connection = self.reserve.take(self._receive)
            except (BlockingIOError, InterruptedError):
                return
            except EOFError:
                asyncio.get_running_loop().remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            if connection is not None:
                self.serve_connection(connection)

    def _receive(self) -> socket.socket | None:
        """The next connection in the channel; raises :class:`EOFError` once it is closed."""
        try:
            message, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
        except (BlockingIOError, InterruptedError):
            raise
        except OSError:
            message, fds = b"", []
        if not message:
            raise EOFError
        return socket.socket(fileno=fds[0]) if fds else None
