"""Compare a run with an earlier run's results.json (a grid operator's upgrade check)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOOD = ("passed", "xfailed")
BAD = ("failed", "error", "xpassed")


def compare(baseline_path: Path, current: dict[str, Any]) -> list[str]:
    """Lines naming regressions, fixes, new and vanished requirements."""
    try:
        baseline = json.loads(Path(baseline_path).read_text("utf-8"))["requirements"]
    except (OSError, ValueError, KeyError) as exc:
        return [f"baseline {baseline_path}: cannot be read ({exc})"]
    now = current["requirements"]
    changes = diff(baseline, now)
    lines = ["", f"opensim-conformance: compared with {baseline_path}"]
    for kind, rid, before, after in changes:
        lines.append(f"  {kind:10} {rid}: {before} -> {after}")
    if not changes:
        lines.append("  no change")
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
