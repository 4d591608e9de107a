"""Compare a run with an earlier run's results.json (a grid operator's upgrade check)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOOD = ("passed", "xfailed")
BAD = ("failed", "error", "suite-error", "xpassed")
#: Kinds of change, in the order the summary lists them, and how it counts them.
KINDS = (("REGRESSION", "regressions"), ("fixed", "fixed"), ("new", "new"),
         ("vanished", "vanished"), ("changed", "changed"))


def compare(baseline_path: Path, current: dict[str, Any]) -> list[str]:
    """Lines naming regressions, fixes, new and vanished requirements."""
    try:
        baseline = json.loads(Path(baseline_path).read_text("utf-8"))["requirements"]
    except (OSError, ValueError, KeyError) as exc:
        return ["", f"opensim-conformance: baseline {baseline_path} cannot be read ({exc})"]
    now = current["requirements"]
    changes = diff(baseline, now)
    kinds = [kind for kind, *_ in changes]
    counts = ", ".join(f"{kinds.count(kind)} {label}" for kind, label in KINDS
                       if kind in kinds)
    lines = ["", f"opensim-conformance: compared with {baseline_path}: {counts or 'no change'}"]
    order = [kind for kind, _ in KINDS]
    for kind, rid, before, after in sorted(changes, key=lambda change: order.index(change[0])):
        lines.append(f"  {kind:10} {rid}: {before} -> {after}")
    return lines


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(kind, requirement, outcome before, outcome now) for every change."""
    changes = []
    for rid in sorted(set(before) | set(after)):
        old = before.get(rid, {}).get("outcome", "absent")
        new = after.get(rid, {}).get("outcome", "absent")
        if old == new:
            continue
        if rid not in before:
            kind = "new"
        elif rid not in after:
            kind = "vanished"
        elif old in GOOD and new in BAD:
            kind = "REGRESSION"
        elif old in BAD and new in GOOD:
            kind = "fixed"
        else:
            kind = "changed"
        changes.append((kind, rid, old, new))
    return changes
