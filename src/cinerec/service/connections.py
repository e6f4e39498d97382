"""Below HTTP: taking connections, and bounding what a client may hold on to.

uvicorn leaves three gaps that a crowd of slow or numerous clients falls into:

* **no deadline for a request's head**: a client that connects and sends its headers a
  byte at a time (or nothing at all) holds its connection for as long as it likes.
  :class:`GuardedHttpToolsProtocol` gives every request :data:`HEAD_TIMEOUT` seconds from
  its first byte (or from the connection's opening) to finish its headers, then answers
  408 and closes. (How long the *body* may take is bounded by the application, which
  reads it; idle keep-alive connections are closed by uvicorn's ``timeout_keep_alive``.)
* **no answer when out of file descriptors**: the event loop's server then stops accepting
  for a while or drops what it accepts, so clients wait, time out or see a reset. Here
  connections are taken through a :class:`DescriptorReserve`, which keeps one descriptor
  spare so that a connection can always be accepted, and answers 503 with
  ``Retry-After`` on the one that used the last free descriptor.
* **the soft limit on open files** is often 1,024 where the hard limit is far higher:
  :func:`raise_descriptor_limit` lifts it at start.

:class:`ListeningServer` serves one process this way; :mod:`cinerec.service.workers`
hands connections to several.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cinerec.service.security import SECURITY_HEADERS

logger = logging.getLogger("cinerec.serve")

#: Seconds a client has to send a request's line and headers.
HEAD_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection is kept open between requests.
KEEP_ALIVE_TIMEOUT = 5
#: Seconds a refused client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 1
#: Connections taken per turn of the event loop at most (the rest wait for the next turn).
MAX_TAKEN_PER_TURN = 64
#: Seconds accepting pauses after a failure it cannot answer, so that it does not spin.
ACCEPT_BACKOFF = 0.05
#: How uvicorn is configured for these servers (merged into its ``Config``); the service
#: has no WebSocket route, so no connection is ever handed to a WebSocket protocol.
UVICORN_OPTIONS: dict[str, Any] = {
    "http": "cinerec.service.connections:GuardedHttpToolsProtocol",
    "ws": "none",
    "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
}


def raw_response(status: int, reason: str, detail: str, *extra_headers: tuple[str, str]) -> bytes:
    """A complete HTTP/1.1 answer ``{"detail": …}`` that closes the connection, with the
    headers every answer of the service carries: for answers given below the application."""
    body = json.dumps({"detail": detail}).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(body))), ("connection", "close"),
               *SECURITY_HEADERS, *extra_headers]
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + body


#: What a client whose request took too long to arrive is told (408), and one the server
#: has no room for (503).
TOO_SLOW = "the request took too long to arrive; please send it again"
TOO_BUSY = "cinerec is too busy right now; please try again in a moment"
#: The answer to a client whose request's head did not arrive within :data:`HEAD_TIMEOUT`.
REQUEST_TIMEOUT = raw_response(408, "Request Timeout", TOO_SLOW)
#: The answer to a client the server has no room for.
SERVICE_BUSY = raw_response(503, "Service Unavailable", TOO_BUSY, ("retry-after", str(RETRY_AFTER_SECONDS)))


def raise_descriptor_limit() -> int | None:
    """Raise this process's soft limit on open files to its hard limit (child processes
    inherit it); return the limit now in force, or ``None`` where there is none to read.

    Every connection is a descriptor; a soft limit of 1,024, the usual default, turns the
    1,000th concurrent client away although the system would allow far more.
    """
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # e.g. macOS caps the soft limit below an "unlimited" hard one
            return soft
        return hard
    return soft


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's head.

    The deadline is set when the connection opens and when the first byte of a further
    request arrives, and is never moved by later bytes (a client trickling one byte a
    second must not keep it away); it is lifted once the head is complete.
    """

    head_timeout: float = HEAD_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._expect_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._awaiting_head():
            self._expect_head()
        else:
            self._lift_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lift_head_deadline()
        super().connection_lost(exc)

    def _awaiting_head(self) -> bool:
        """No request is being answered: whatever arrives now is the start of the next head."""
        return self.cycle is None or self.cycle.response_complete

    def _expect_head(self) -> None:
        if self._head_deadline is None and not self.transport.is_closing():
            self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _lift_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self._awaiting_head() and not self.transport.is_closing():
            self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()


def _spare_descriptor() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None


class DescriptorReserve:
    """One descriptor held back (on ``/dev/null``) so that a connection can be taken even
    when every other descriptor is in use, and answered 503 rather than left unanswered.

    :meth:`take` frees the spare, takes a connection into its place, and opens the spare
    again; when that fails, the connection just taken had the last free descriptor, so it
    is refused with :data:`SERVICE_BUSY` and closed.
    """

    def __init__(self) -> None:
        self._spare = _spare_descriptor()

    def take(self, receive: Callable[[], socket.socket | None]) -> socket.socket | None:
        """The connection ``receive`` returns, or ``None`` (none, or refused). Exceptions
        from ``receive`` (nothing waiting: :class:`BlockingIOError`) pass through."""
        if self._spare is not None:
            os.close(self._spare)
        try:
            connection = receive()
        finally:
            self._spare = _spare_descriptor()
        if connection is None or self._spare is not None:
            return connection
        refuse(connection, SERVICE_BUSY)
        self._spare = _spare_descriptor()
        return None

    def close(self) -> None:
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None


def refuse(connection: socket.socket, answer: bytes) -> None:
    """Send ``answer`` on a connection that will not be served, and close it. What the
    client has already sent is read first: closing a socket with unread data resets the
    connection, and the client could lose the answer."""
    with connection:
        try:
            connection.setblocking(False)
            _discard_received(connection)
            connection.send(answer)
            connection.shutdown(socket.SHUT_WR)
            _discard_received(connection)
        except OSError:  # the client is gone, or its buffers are full: nothing more to do
            pass


def _discard_received(connection: socket.socket) -> None:
    try:
        while connection.recv(65536):
            pass
    except (BlockingIOError, InterruptedError):
        pass


class TakingServer(uvicorn.Server):
    """A uvicorn server whose connections arrive by :meth:`serve_connection` rather than
    through asyncio's own server, so that they can be taken through a
    :class:`DescriptorReserve`. Subclasses decide where connections come from."""

    def serve_connection(self, connection: socket.socket) -> None:
        """Serve ``connection`` with the configured HTTP protocol."""
        loop = asyncio.get_running_loop()
        loop.create_task(loop.connect_accepted_socket(self._create_protocol, connection))

    def _create_protocol(self) -> asyncio.Protocol:
        return self.config.http_protocol_class(config=self.config,  # type: ignore[call-arg]
                                               server_state=self.server_state, app_state=self.lifespan.state)

    async def start_application(self) -> bool:
        """Run the application's start-up; ``False`` when it failed (uvicorn has logged why).
        No asyncio server is left for uvicorn to close on shutdown: there is none."""
        await self.lifespan.startup()
        self.servers = []
        return not self.lifespan.should_exit


class ListeningServer(TakingServer):
    """A uvicorn server accepting connections on ``listener`` itself (one process)."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket):
        super().__init__(config)
        self.listener = listener
        self.reserve = DescriptorReserve()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not await self.start_application():
            sys.exit(3)  # uvicorn's exit status for a failed start-up
        self.listener.setblocking(False)
        asyncio.get_running_loop().add_reader(self.listener.fileno(), self._accept)
        self.started = True

    def _accept(self) -> None:
        for _ in range(MAX_TAKEN_PER_TURN):
            try:
                connection = self.reserve.take(lambda: self.listener.accept()[0])
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:  # the spare is gone too: wait for descriptors to be freed
                logger.error("cinerec: could not accept a connection: %s", exc)
                self._pause_accepting()
                return
            if connection is not None:
                self.serve_connection(connection)

    def _pause_accepting(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.listener.fileno())
        loop.call_later(ACCEPT_BACKOFF, self._resume_accepting)

    def _resume_accepting(self) -> None:
        if self.listener.fileno() >= 0:  # not closed by a shutdown meanwhile
            asyncio.get_running_loop().add_reader(self.listener.fileno(), self._accept)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().remove_reader(self.listener.fileno())
        self.listener.close()
        self.reserve.close()
        await super().shutdown(sockets)


def listen(config: uvicorn.Config) -> socket.socket:
    """The listening socket for ``config``'s host and port."""
    listener = config.bind_socket()
    # Accepted sockets inherit options from the listener: no Nagle delay on keep-alive answers.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.listen(config.backlog)
    return listener


def serve_in_process(config: uvicorn.Config) -> None:
    """Serve ``config``'s application from this process until SIGINT or SIGTERM."""
    ListeningServer(config, listen(config)).run()
