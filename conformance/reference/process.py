"""The embedded reference server in a process of its own, and the listening socket it is
handed: what an xdist controller needs to start the server for its workers, without
importing the server's web framework itself (``python -m conformance.reference.server``
does, in the child)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound and listening (port 0: a free one)."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it a response written in two parts waits ~40 ms for a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    return listener


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
