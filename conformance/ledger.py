"""The run ledger: every object the suite creates on a target, written down before the
request that creates it is sent (so a crash leaves a complete list), and every object
it removed. ``opensim-conformance cleanup --ledger FILE`` retries what remains."""

from __future__ import annotations

import json
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Every name the suite gives to assets, folders and items starts with this.
NAME_PREFIX = "opensim-conformance"


def owned_name(suffix: str = "") -> str:
    """A recognisable name for an object the suite creates (at most 64 characters)."""
    return f"{NAME_PREFIX} {suffix}".strip()[:64]


#: Objects no request of the protocol can remove, and why: the run reports them as
#: left on the target, and retrying cleanup will not help.
UNREMOVABLE = {
    ("xinventory", "inventory"): "no XInventory method removes a user's inventory",
}
#: Why objects of a kind usually remain, where retrying may help.
RETRY_HINTS = {
    ("asset", "asset"): "DELETE answered false (OpenSimulator: AllowRemoteDelete=false) "
                        "or got no answer",
}


@dataclass(frozen=True)
class Entry:
    service: str
    kind: str
    id: str
    url: str
    principal: str
    #: The folder it was made in, where the request said (XInventory ADDFOLDER's
    #: ParentID): the cleanup moves and purges a folder whose parent goes too with it.
    #: Not part of the object's identity.
    parent: str = field(default="", compare=False)

    def record(self) -> dict[str, str]:
        """The entry's fields in a ledger record (``parent`` only when known)."""
        fields = dict(self.__dict__)
        if not fields["parent"]:
            del fields["parent"]
        return fields


#: What the running test module created and did not remove (set by the plugin for each
#: module; threads a test starts for its requests share it), so that the module can
#: remove it at its end.
MADE_HERE: ContextVar[dict[Entry, None] | None] = ContextVar("made_here", default=None)


class Ledger:
    """A JSON-lines file of ``created`` and ``removed`` records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The file exists from the start, also when only xdist workers write records
        # (to ledgers beside it): it is the one name a run's summary gives for cleanup.
        self.path.touch(exist_ok=True)
        self._lock = threading.Lock()
        self._end_last_line()

    def _end_last_line(self) -> None:
        """A last line cut off while written (a run killed) would swallow the next
        record: a whole record gets its line end, a cut-off one is dropped (read_records
        names it, and ``cleanup`` reports it, before anything is appended)."""
        with self.path.open("rb+") as handle:
            data = handle.read()
            if not data or data.endswith(b"\n"):
                return
            start = data.rfind(b"\n") + 1
            try:
                json.loads(data[start:])
            except ValueError:
                handle.truncate(start)
            else:
                handle.write(b"\n")

    def created(self, entry: Entry) -> None:
        self._write({"op": "created", **entry.record()})
        made = MADE_HERE.get(None)
        if made is not None:
            made[entry] = None

    def removed(self, entry: Entry) -> None:
        self._write({"op": "removed", **entry.record()})
        made = MADE_HERE.get(None)
        if made is not None:
            made.pop(entry, None)

    def _write(self, record: dict[str, Any]) -> None:
        record["time"] = time.time()
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    def remaining(self) -> list[Entry]:
        return remaining_entries([self.path])


def remaining_entries(paths: list[Path]) -> list[Entry]:
    """Objects created and not removed, over one or more ledger files, oldest first."""
    return ledger_summary(paths)[1]


class LedgerError(ValueError):
    """A ledger file that cannot be read: missing, unreadable, or not a ledger."""


#: The fields of every ledger record.
RECORD_FIELDS = ("op", "service", "kind", "id", "url", "principal")


def run_ledgers(path: Path) -> list[Path]:
    """A run's ledger and its xdist workers' ledgers beside it (``<stem>-gw0<suffix>``),
    those that exist."""
    workers = sorted(path.parent.glob(f"{path.stem}-gw*{path.suffix}"))
    return ([path] if path.is_file() else []) + workers


def read_records(path: Path, damaged: list[str] | None = None) -> list[dict[str, Any]]:
    """The records of one ledger file; LedgerError names the file and line of trouble.
    A last line cut off (not JSON, no line end: a run killed while writing it) is
    skipped, and named in ``damaged``: the intact lines before it still count."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"ledger {path} cannot be read: {exc}") from None
    records = []
    lines = text.splitlines()
    last = max((number for number, line in enumerate(lines, 1) if line.strip()), default=0)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if number == last and not text.endswith("\n"):
                if damaged is not None:
                    damaged.append(f"ledger {path}, line {number}: damaged (cut off while "
                                   f"written?), ignored: {line[:80]!r}")
                continue
            raise LedgerError(f"ledger {path}, line {number}: not a ledger record "
                              f"(not JSON)") from None
        if (not isinstance(record, dict)
                or not all(isinstance(record.get(key), str) for key in RECORD_FIELDS)
                or record["op"] not in ("created", "removed")):
            raise LedgerError(f"ledger {path}, line {number}: not a ledger record (needs "
                              f"{', '.join(RECORD_FIELDS)})")
        records.append(record)
    return records


def ledger_summary(paths: list[Path],
                   damaged: list[str] | None = None) -> tuple[int, list[Entry]]:
    """How many objects the ledgers list as created, and those not removed since (a
    damaged last line of a ledger is named in ``damaged``, and skipped)."""
    created: dict[tuple[str, str, str], Entry] = {}
    seen: set[tuple[str, str, str]] = set()
    for path in paths:
        if not path.exists():
            continue
        for record in read_records(path, damaged):
            parent = record.get("parent")
            entry = Entry(record["service"], record["kind"], record["id"], record["url"],
                          record["principal"], parent if isinstance(parent, str) else "")
            key = (entry.service, entry.kind, entry.id)
            if record["op"] == "created":
                seen.add(key)
                created.setdefault(key, entry)
            else:
                created.pop(key, None)
    return len(seen), list(created.values())
