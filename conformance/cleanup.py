"""Removing what the suite created: at the end of every run, and later from a ledger
(``opensim-conformance cleanup --ledger FILE``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from conformance.clients.http import HttpClient, Recorder, TargetFailure
from conformance.ledger import Entry, Ledger
from conformance.target import Profile

#: service -> how to remove one object of it; True when the target says it is gone.
Remover = Callable[[HttpClient, Entry], bool]
REMOVERS: dict[str, Remover] = {}
#: The modules whose ``@remover`` functions remove their service's objects.
REMOVER_MODULES = ("conformance.clients.asset", "conformance.clients.xinventory")


def remover(service: str) -> Callable[[Remover], Remover]:
    def register(function: Remover) -> Remover:
        REMOVERS[service] = function
        return function
    return register


def cleanup(profile: Profile, ledger: Ledger) -> list[Entry]:
    """Try to remove every object the ledger lists as remaining; return what remains.

    Nothing is sent when the run may not write. Objects are removed at the URL they
    were created at.
    """
    for module in REMOVER_MODULES:
        importlib.import_module(module)
    remaining = ledger.remaining()
    if not remaining or profile.write_refusal() is not None:
        return remaining
    recorder = Recorder()
    clients: dict[str, HttpClient] = {}
    unreachable: set[str] = set()
    left = []
    for entry in reversed(remaining):  # children before their parents
        remove = REMOVERS.get(entry.service)
        if entry.url in unreachable:
            # A target that hung or hung up once gets no more requests: against a
            # hanging target each would cost a timeout. The ledger keeps the rest.
            left.append(entry)
            continue
        http = clients.get(entry.url) or clients.setdefault(
            entry.url, HttpClient(entry.url, timeout=profile.timeout, recorder=recorder))
        if profile.username is not None:
            http.session.auth = (profile.username, profile.password or "")
        try:
            gone = remove is not None and remove(http, entry)
        except TargetFailure:  # transport trouble (timeout, refused, reset, not HTTP)
            gone = False
            unreachable.add(entry.url)
        except Exception:  # a remover's bug must not lose the run's results: the entry stays
            gone = False
        if gone:
            ledger.removed(entry)
        else:
            left.append(entry)
        recorder.start()
    for http in clients.values():
        http.close()
    return list(reversed(left))
