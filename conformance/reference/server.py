"""Run the reference server on 127.0.0.1 in a background thread (embedded target)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound and listening (port 0: a free one)."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it a response written in two parts waits ~40 ms for a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    return listener


class ServerThread:
    """An ASGI app served by uvicorn on an ephemeral loopback port.

    The socket is bound and listening before the thread starts, so requests made right
    after ``start()`` queue in the backlog until uvicorn accepts them: no waiting.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0,
                 listener: socket.socket | None = None) -> None:
        self.socket = listener if listener is not None else listening_socket(host, port)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
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


class ServerProcess:
    """The reference server in a Python process of its own (``python -m
    conformance.reference.server DB FD``), with the interface of ServerThread. An xdist
    controller runs it for its workers, so that the server's work does not wait for the
    controller's interpreter lock. This process binds the listening socket and hands it
    over, so the URL is known at once and requests queue in the backlog while the server
    starts. It ends when its stdin closes (``stop()``, or the parent's end, whatever the
    cause)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> str:
        listener = listening_socket()
        host, port = listener.getsockname()[:2]
        with listener:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "conformance.reference.server", self.database,
                 str(listener.fileno())],
                stdin=subprocess.PIPE, pass_fds=(listener.fileno(),), text=True)
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def main() -> None:
    """Serve the reference app over DATABASE on the listening socket FD (inherited from
    the parent), until stdin closes."""
    from conformance.reference.app import create_app

    database, descriptor = sys.argv[1], int(sys.argv[2])
    listener = socket.socket(fileno=descriptor)
    with ServerThread(create_app(Path(database)), listener=listener):
        sys.stdin.read()


if __name__ == "__main__":
    main()
