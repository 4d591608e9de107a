"""At most N requests under way to the target at any moment, across the whole run.

A production grid has a small accept queue and other users: the suite never sends it a
burst larger than ``--max-connections`` (default ``DEFAULT_MOST``), however many
requests a test sends side by side (``conformance.side_by_side``) and however many xdist
workers run. Within one process a semaphore holds back the request beyond the limit; the
processes of one run (the controller and its workers) share the limit through one lock
file per slot in a folder the controller makes (``flock``: a request holds one slot's
lock while it is under way; the system releases it if the process dies).
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

#: Requests under way at once by default: what a production grid takes without notice.
DEFAULT_MOST = 8


class ConnectionLimit:
    """At most ``most`` requests under way: in this process's threads, and, with a
    ``folder`` of slot files, across every process that uses the same folder."""

    def __init__(self, most: int = DEFAULT_MOST, folder: Path | None = None) -> None:
        if most < 1:
            raise ValueError(f"at most {most} connections: must be 1 or more")
        self.most = most
        self.folder = folder
        self._threads = threading.BoundedSemaphore(most)
        self._slots = [] if folder is None else [folder / f"slot-{i}" for i in range(most)]

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """One request's slot, for as long as it is under way."""
        with self._threads:
            if not self._slots:
                yield
                return
            descriptor = self._take_slot()
            try:
                yield
            finally:
                os.close(descriptor)  # releases the lock

    def _take_slot(self) -> int:
        import fcntl  # POSIX only: configure() falls back where it is missing

        start = random.randrange(len(self._slots))
        order = self._slots[start:] + self._slots[:start]
        for path in order:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            return descriptor
        # Every slot is taken: wait for one (another process's request ends soon).
        descriptor = os.open(order[0], os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor


#: The limit of this process: ``configure`` sets it for a run.
_LIMIT = ConnectionLimit()


def limit() -> ConnectionLimit:
    return _LIMIT


def configure(most: int, folder: Path | None = None) -> ConnectionLimit:
    """Set this process's limit: ``most`` requests, shared through ``folder`` with the
    run's other processes (None: this process alone)."""
    global _LIMIT
    if folder is not None:
        try:
            import fcntl  # noqa: F401
        except ImportError:  # no flock here: each process keeps within its share
            folder = None
    _LIMIT = ConnectionLimit(most, folder)
    return _LIMIT


def slot_folder(parent: Path | None = None) -> Path:
    """A fresh folder for a run's slot files."""
    return Path(tempfile.mkdtemp(prefix="opensim-conformance-connections-",
                                 dir=None if parent is None else str(parent)))
