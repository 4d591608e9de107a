"""Run the reference server on 127.0.0.1 in a background thread (embedded target).

Served as a server fit to face any client: request heads are limited (431), a request
that does not arrive in full within ``REQUEST_DEADLINE`` seconds (slow headers, a slow
body, a connection opened and left idle) has its connection closed, idle keep-alive
connections are closed after ``KEEP_ALIVE`` seconds, and beyond ``CONCURRENCY``
connections at once new ones are answered 503. Bodies are limited in the app
(``conformance.reference.app``, 413).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import threading
from pathlib import Path
from types import TracebackType

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from conformance.reference.app import create_app
from conformance.reference.process import listening_socket

#: Seconds a request may take to arrive in full, from the connection's first byte (or
#: the end of the previous answer): beyond, the connection is closed.
REQUEST_DEADLINE = 30.0
#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE = 5
#: The largest request head (request line and headers), in bytes: beyond, 431.
HEAD_LIMIT = 64 * 1024
#: Connections served at once; beyond, 503.
CONCURRENCY = 1024
#: Seconds a connection refused with 431 is read (and what arrives dropped) before it is
#: closed, so that the client reads the answer instead of a reset.
LINGER = 2.0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request to arrive and 431
    for a head past the limit."""

    deadline: asyncio.TimerHandle | None = None
    lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm()

    def arm(self) -> None:
        self.disarm()
        self.deadline = self.loop.call_later(REQUEST_DEADLINE, self.too_slow)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def too_slow(self) -> None:
        """The request did not arrive in full in time: close the connection (an app
        waiting for the rest of the body sees the client gone)."""
        self.deadline = None
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE):
            self.disarm()  # the request is all here: the app's time is its own

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        if len(buffered) <= HEAD_LIMIT:
            super().send_400_response(msg)
            return
        body = f"the request head is larger than {HEAD_LIMIT} bytes".encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; "
            b"charset=utf-8\r\nConnection: close\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.lingering = True
        with contextlib.suppress(Exception):
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)


def server_config(app: ASGIApp) -> uvicorn.Config:
    """uvicorn's configuration for the reference server (see the module's docstring)."""
    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                          http=GuardedH11Protocol, timeout_keep_alive=KEEP_ALIVE,
                          h11_max_incomplete_event_size=HEAD_LIMIT,
                          limit_concurrency=CONCURRENCY)


class ServerThread:
    """An ASGI app served by uvicorn on an ephemeral loopback port.

    The socket is bound and listening before the thread starts, so requests made right
    after ``start()`` queue in the backlog until uvicorn accepts them: no waiting.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0,
                 listener: socket.socket | None = None) -> None:
        self.socket = listener if listener is not None else listening_socket(host, port)
        config = server_config(app)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True,
            name="reference-server",
        )

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self.thread.start()
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    """Serve the reference app over DATABASE on the listening socket FD (inherited from
    the parent), until stdin closes. Then the process ends at once: the run is over, no
    request is under way, and the database is a temporary file the parent removes, so
    there is nothing for uvicorn's graceful shutdown (a quarter second) to save."""
    database, descriptor = sys.argv[1], int(sys.argv[2])
    listener = socket.socket(fileno=descriptor)
    ServerThread(create_app(Path(database)), listener=listener).start()
    sys.stdin.read()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
