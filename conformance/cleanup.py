"""Removing what the suite created: at the end of every run, and later from a ledger
(``opensim-conformance cleanup --ledger FILE``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.clients.ais import remove_ais_object
from conformance.clients.asset import remove_asset
from conformance.clients.http import HttpClient, Recorder, TargetFailure
from conformance.clients.xinventory import remove_inventory_object, remove_inventory_objects
from conformance.ledger import RETRY_HINTS, UNREMOVABLE, Entry, Ledger, ledger_summary
from conformance.side_by_side import each
from conformance.target import Profile, is_loopback

#: service -> how to remove one object of it; True when the target says it is gone.
Remover = Callable[[HttpClient, Entry], bool]
REMOVERS: dict[str, Remover] = {
    "asset": remove_asset,
    "xinventory": remove_inventory_object,
    "ais": remove_ais_object,
}
#: service -> how to remove many objects of it at one URL in few requests (where the
#: protocol takes lists); returns those the target says are gone.
BatchRemover = Callable[[HttpClient, list[Entry]], set[Entry]]
BATCH_REMOVERS: dict[str, BatchRemover] = {"xinventory": remove_inventory_objects}


def cleanup(profile: Profile, ledger: Ledger,
            only: Callable[[Entry], bool] | None = None,
            entries: list[Entry] | None = None,
            unreachable: set[str] | None = None) -> list[Entry]:
    """Try to remove every object the ledger lists as remaining (those ``only`` accepts,
    when given), or the ``entries`` given (known to remain); return what remains of
    those. URLs in ``unreachable`` (a target that hung or hung up on an earlier cleanup
    of the run) get no request, and URLs that do so now are added to it.

    Nothing is sent when the run may not write. Objects are removed at the URL they
    were created at, in three passes: a service's batch remover takes all of its objects
    at a URL in few requests; what it left is removed one object at a time, side by side
    (``conformance.side_by_side``); what still remains once more, one after the other, children
    before their parents (but for kinds no request removes, ``UNREMOVABLE``).
    """
    if entries is None:
        entries = ledger.remaining()
    remaining = [entry for entry in entries if only is None or only(entry)]
    if not remaining or profile.write_refusal() is not None:
        return remaining
    sweep = _Sweep(profile, ledger, set() if unreachable is None else unreachable)
    try:
        groups: dict[tuple[str, str], list[Entry]] = {}
        for entry in reversed(remaining):  # children before their parents
            groups.setdefault((entry.service, entry.url), []).append(entry)

        def remove(entries: list[Entry]) -> None:
            batch = BATCH_REMOVERS.get(entries[0].service)
            if batch is not None:
                sweep.batch(batch, entries)
            each(sweep.one, [entry for entry in entries if entry not in sweep.gone])

        each(remove, list(groups.values()))
        for entry in reversed(remaining):
            # a kind no request removes (a user's inventory) was asked about once: asking
            # again, one after the other, would only cost a round trip each
            if entry not in sweep.gone and (entry.service, entry.kind) not in UNREMOVABLE:
                sweep.one(entry)
    finally:
        sweep.close()
    return [entry for entry in remaining if entry not in sweep.gone]


class _Sweep:
    """One cleanup: a client per URL, what is gone, which URLs stopped answering."""

    def __init__(self, profile: Profile, ledger: Ledger, unreachable: set[str]) -> None:
        self.profile = profile
        self.ledger = ledger
        self.recorder = Recorder()
        self.clients: dict[str, HttpClient] = {}
        self.lock = threading.Lock()
        self.gone: set[Entry] = set()
        #: A target that hung or hung up once gets no more requests: against a hanging
        #: target each would cost a timeout. The ledger keeps the rest.
        self.unreachable = unreachable

    def client(self, url: str) -> HttpClient:
        with self.lock:
            if url not in self.clients:
                # a host the run may not write to (a capability off loopback without
                # --allow-writes) is only read: whether what the ledger names is there
                http = HttpClient(url, timeout=self.profile.timeout, recorder=self.recorder,
                                  read_only=self.profile.write_refusal_for(url) is not None)
                if self.profile.username is not None:
                    http.session.auth = (self.profile.username, self.profile.password or "")
                self.clients[url] = http
            return self.clients[url]

    def batch(self, remove: BatchRemover, entries: list[Entry]) -> None:
        url = entries[0].url
        try:
            gone = remove(self.client(url), entries)
        except TargetFailure:  # transport trouble (timeout, refused, reset, not HTTP)
            self.unreachable.add(url)
            return
        except Exception:  # a remover's bug must not lose the run's results
            return
        self._removed([entry for entry in entries if entry in gone])

    def one(self, entry: Entry) -> None:
        remove = REMOVERS.get(entry.service)
        if remove is None or entry.url in self.unreachable or entry in self.gone:
            return
        try:
            gone = remove(self.client(entry.url), entry)
        except TargetFailure:
            self.unreachable.add(entry.url)
            return
        except Exception:  # a remover's bug must not lose the run's results: it stays
            return
        if gone:
            self._removed([entry])

    def _removed(self, entries: list[Entry]) -> None:
        for entry in entries:
            self.ledger.removed(entry)
        with self.lock:
            self.gone.update(entries)
        self.recorder.start()  # what cleanup sent is nobody's transcript

    def close(self) -> None:
        for http in self.clients.values():
            http.close()


@dataclass
class CleanupReport:
    """What ``opensim-conformance cleanup`` did with a run's ledgers."""

    ledgers: list[Path]
    removed: int = 0
    #: objects no request of the protocols can remove (listed, never a failure)
    unremovable: list[Entry] = field(default_factory=list)
    #: objects that could be removed and remain, with why
    remaining: list[tuple[Entry, str]] = field(default_factory=list)
    #: damaged last lines of the ledgers (a run killed while writing), skipped
    damaged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything removable was removed."""
        return not self.remaining

    def lines(self) -> list[str]:
        lines = [f"cleanup: ledger {', '.join(map(str, self.ledgers))}"]
        lines += [f"  {damage}" for damage in self.damaged]
        kinds: dict[tuple[str, str], list[Entry]] = {}
        for entry in self.unremovable:
            kinds.setdefault((entry.service, entry.kind), []).append(entry)
        for (service, kind), entries in kinds.items():
            lines.append(f"  left by design: {len(entries)} {service} {kind}"
                         f"{'' if len(entries) == 1 else 's'} "
                         f"({UNREMOVABLE[(service, kind)]}): "
                         + ", ".join(f"{e.id} at {e.url}" for e in entries))
        for entry, why in self.remaining:
            lines.append(f"  still there: {entry.service} {entry.kind} {entry.id} at "
                         f"{entry.url}: {why}")
        verdict = ("everything removable was removed" if self.ok
                   else f"{len(self.remaining)} objects remain that could be removed; "
                        f"retry with the same command")
        lines.append(f"cleanup: {self.removed} removed, {len(self.unremovable)} cannot be "
                     f"removed by any protocol, {len(self.remaining)} objects remain: "
                     f"{verdict}")
        return lines


def clean_ledgers(profile: Profile, paths: list[Path]) -> CleanupReport:
    """Remove what the ledgers list as remaining; objects on a target that is not on
    loopback only with ``allow_writes``."""

    def allowed(entry: Entry) -> bool:
        return profile.allow_writes or is_loopback(entry.url)

    report = CleanupReport(paths)
    ledger_summary(paths, report.damaged)  # a damaged last line: named, the rest removed
    for path in paths:
        ledger = Ledger(path)
        before = ledger.remaining()
        tried = [entry for entry in before if allowed(entry)]
        left = cleanup(profile, ledger, only=allowed) if tried else []
        report.removed += len(tried) - len(left)
        for entry in [*left, *(e for e in before if not allowed(e))]:
            if (entry.service, entry.kind) in UNREMOVABLE:
                report.unremovable.append(entry)
            elif not allowed(entry):
                report.remaining.append((entry, "on a target that is not on loopback: run "
                                                "again with --allow-writes"))
            else:
                report.remaining.append((entry, RETRY_HINTS.get(
                    (entry.service, entry.kind), "the target did not remove it")))
    return report
