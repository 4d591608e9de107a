"""Removing what the suite created: at the end of every run, and later from a ledger
(``opensim-conformance cleanup --ledger FILE``)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.clients.http import HttpClient, Recorder, TargetFailure
from conformance.ledger import Entry, Ledger
from conformance.target import Profile
from conformance.wire.asset import parse_boolean_reply
from conformance.wire.xml import WireError

#: service -> how to remove one object of it; True when the target says it is gone.
Remover = Callable[[HttpClient, Entry], bool]
REMOVERS: dict[str, Remover] = {}


def remover(service: str) -> Callable[[Remover], Remover]:
    def register(function: Remover) -> Remover:
        REMOVERS[service] = function
        return function
    return register


@remover("asset")
def remove_asset(http: HttpClient, entry: Entry) -> bool:
    """DELETE the asset; it is gone when the target says true, or when it was never
    stored (a POST the target refused): GET answers 404."""
    exchange = http.request("DELETE", f"/assets/{entry.id}")
    try:
        if exchange.status == 200 and parse_boolean_reply(exchange.body):
            return True
    except WireError:
        pass
    return http.request("GET", f"/assets/{entry.id}").status == 404


def cleanup(profile: Profile, ledger: Ledger,
            service_url: Callable[[str], str | None] | None = None) -> list[Entry]:
    """Try to remove every object the ledger lists as remaining; return what remains.

    Nothing is sent when the run may not write. Objects are removed at the URL they
    were created at.
    """
    remaining = ledger.remaining()
    if not remaining or profile.write_refusal() is not None:
        return remaining
    recorder = Recorder()
    clients: dict[str, HttpClient] = {}
    left = []
    for entry in reversed(remaining):  # children before their parents
        remove = REMOVERS.get(entry.service)
        http = clients.get(entry.url) or clients.setdefault(
            entry.url, HttpClient(entry.url, timeout=profile.timeout, recorder=recorder))
        if profile.username is not None:
            http.session.auth = (profile.username, profile.password or "")
        try:
            gone = remove is not None and remove(http, entry)
        except TargetFailure:
            gone = False
        if gone:
            ledger.removed(entry)
        else:
            left.append(entry)
        recorder.start()
    for http in clients.values():
        http.close()
    return list(reversed(left))
