"""Removing what the suite created: at the end of every run, and later from a ledger
(``opensim-conformance cleanup --ledger FILE``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.clients.http import HttpClient, Recorder, TargetFailure
from conformance.ledger import RETRY_HINTS, UNREMOVABLE, Entry, Ledger
from conformance.target import Profile, is_loopback

#: service -> how to remove one object of it; True when the target says it is gone.
Remover = Callable[[HttpClient, Entry], bool]
REMOVERS: dict[str, Remover] = {}
#: The modules whose ``@remover`` functions remove their service's objects.
REMOVER_MODULES = ("conformance.clients.asset", "conformance.clients.xinventory",
                   "conformance.clients.ais")


def remover(service: str) -> Callable[[Remover], Remover]:
    def register(function: Remover) -> Remover:
        REMOVERS[service] = function
        return function
    return register


def cleanup(profile: Profile, ledger: Ledger,
            only: Callable[[Entry], bool] | None = None) -> list[Entry]:
    """Try to remove every object the ledger lists as remaining (those ``only`` accepts,
    when given); return what remains of those.

    Nothing is sent when the run may not write. Objects are removed at the URL they
    were created at.
    """
    for module in REMOVER_MODULES:
        importlib.import_module(module)
    remaining = [entry for entry in ledger.remaining() if only is None or only(entry)]
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


@dataclass
class CleanupReport:
    """What ``opensim-conformance cleanup`` did with a run's ledgers."""

    ledgers: list[Path]
    removed: int = 0
    #: objects no request of the protocols can remove (listed, never a failure)
    unremovable: list[Entry] = field(default_factory=list)
    #: objects that could be removed and remain, with why
    remaining: list[tuple[Entry, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything removable was removed."""
        return not self.remaining

    def lines(self) -> list[str]:
        lines = [f"cleanup: ledger {', '.join(map(str, self.ledgers))}"]
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
