"""At most N requests under way to the target at any moment, across the whole run.

A production grid has a small accept queue and other users: the suite never sends it a
burst larger than ``--max-connections`` (default ``DEFAULT_MOST``), however many
requests a test sends side by side (``conformance.side_by_side``) and however many xdist
workers run. Within one process a semaphore holds back the request beyond the limit; the
processes of one run (the controller and its workers) share the limit through the
controller's token server (``share_limit``): a request holds one of its ``most`` tokens
while it is under way, asked for and given back over a Unix socket in a folder the
controller makes. Tokens go to waiters as soon as any is given back, and the tokens of a
process that dies (its connections close) are taken back.
The embedded reference server, the run's own, takes a thousand connections at once: against
it each process keeps within the limit alone (``conformance.plugin.configure_connections``).
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

#: Requests under way at once by default: what a production grid takes without notice.
DEFAULT_MOST = 8


#: The token server's socket, in the folder the controller shares with its workers.
SOCKET = "tokens.sock"


class ConnectionLimit:
    """At most ``most`` requests under way: in this process's threads, and, with the
    ``folder`` of a run's token server, across every process of the run."""

    def __init__(self, most: int = DEFAULT_MOST, folder: Path | None = None) -> None:
        if most < 1:
            raise ValueError(f"at most {most} connections: must be 1 or more")
        self.most = most
        self.folder = folder
        self._threads = threading.BoundedSemaphore(most)
        self._local = threading.local()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """One request's token, for as long as it is under way."""
        with self._threads:
            if self.folder is None:
                yield
                return
            token = self._take()
            try:
                yield
            finally:
                if token is not None:
                    with contextlib.suppress(OSError):
                        token.sendall(b"r")

    def _take(self) -> socket.socket | None:
        """A token from the run's token server, on this thread's connection to it; None
        when the server is gone (the controller ended): the process's own limit holds."""
        connection: socket.socket | None = getattr(self._local, "connection", None)
        try:
            if connection is None:
                assert self.folder is not None
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(str(self.folder / SOCKET))
                self._local.connection = connection
            connection.sendall(b"a")
            if connection.recv(1) == b"g":
                return connection
        except OSError:
            pass
        if connection is not None:
            connection.close()
        self._local.connection = None
        return None


class TokenServer:
    """The controller's side of the shared limit: ``most`` tokens, given out one per
    request over a Unix socket (b"a" asks, b"g" gives, b"r" gives back); whatever a
    connection holds when it closes is taken back."""

    def __init__(self, most: int, folder: Path) -> None:
        self.tokens = threading.BoundedSemaphore(most)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(folder / SOCKET))
        self.listener.listen(128)
        threading.Thread(target=self._accept, name="conformance-tokens",
                         daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed: the run is over
            threading.Thread(target=self._serve, args=(connection,),
                             name="conformance-tokens", daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        held = 0
        try:
            while (asked := connection.recv(1)) in (b"a", b"r"):
                if asked == b"r" and held:
                    held -= 1
                    self.tokens.release()
                elif asked == b"a":
                    self.tokens.acquire()
                    held += 1
                    connection.sendall(b"g")
        except OSError:
            pass
        finally:
            for _ in range(held):
                self.tokens.release()
            connection.close()

    def close(self) -> None:
        self.listener.close()


#: The limit of this process: ``configure`` sets it for a run.
_LIMIT = ConnectionLimit()
#: The token server this process runs for the run's other processes, if any.
_SERVER: TokenServer | None = None


def limit() -> ConnectionLimit:
    return _LIMIT


def configure(most: int, folder: Path | None = None) -> ConnectionLimit:
    """Set this process's limit: ``most`` requests, shared through the token server in
    ``folder`` with the run's other processes (None: this process alone)."""
    global _LIMIT
    _LIMIT = ConnectionLimit(most, folder)
    return _LIMIT


def share_limit(most: int) -> Path | None:
    """Start the run's token server for ``most`` requests under way (in the controller):
    the folder to pass to the run's processes, or None where Unix sockets are missing
    (each process then keeps within the limit alone)."""
    global _SERVER
    if not hasattr(socket, "AF_UNIX"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="opensim-conformance-connections-"))
    _SERVER = TokenServer(most, folder)
    return folder


def stop_sharing(folder: Path) -> None:
    """Stop the token server and remove its folder (at the end of the run)."""
    global _SERVER
    if _SERVER is not None:
        _SERVER.close()
        _SERVER = None
    shutil.rmtree(folder, ignore_errors=True)
