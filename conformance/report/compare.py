"""What changed between two runs (a grid operator's upgrade check): by requirement, by
the cause of a failure and by what the suite observed.

For each requirement both runs selected: the verdict before and after; the cause of a
failure as a stable signature (the failed check and what was seen, run-specific IDs,
ports, names and times masked), so "still failing, differently" is its own kind of
change; and the observations (the replies the suite notes instead of judging, keyed by
observation ID where they have one). ``opensim-conformance compare OLD NEW`` and a run's
``--baseline`` both use ``compare_runs``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.report.changes import FAILING, KIND_NAMES, KINDS, PASSING, describe
from conformance.report.results import NOT_TESTED, cause_signature

SCHEMA_VERSION = 1

#: Kinds of change that fail a comparison by default: a requirement the target passed
#: and now fails, and one that was judged and now is not (a run without --login-uri
#: against a full baseline, an interrupted run).
FAILING_KINDS = ("regression", "no-longer-tested")
#: An observation with an ID reads "OBS-…: what was seen".
KEYED = re.compile(r"^(OBS-[A-Z0-9]+(?:-[A-Z0-9]+)*): (.*)$", re.S)


class CompareError(ValueError):
    """A results file that cannot be read or is not one."""


def load_results(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CompareError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), dict):
        raise CompareError(f"{path} is not a results.json of opensim-conformance "
                           f"(no requirements)")
    return data


def failure_causes(entry: dict[str, Any]) -> list[str]:
    """The signatures of what a requirement's failing tests saw."""
    return sorted({f"{test_name(test['nodeid'])}: {cause_signature(test.get('cause', ''))}"
                   for test in entry.get("tests", []) if test.get("outcome") in FAILING})


def test_name(nodeid: str) -> str:
    """A test's function and parameters, without its path (which differs between a
    checkout and an installed wheel)."""
    return nodeid.rsplit("::", 1)[-1]


def observations(entry: dict[str, Any]) -> dict[str, list[str]]:
    """A requirement's observations: observation ID -> the distinct things seen (run
    specifics masked); observations without an ID all under the key ``""``."""
    seen: dict[str, set[str]] = {}
    for test in entry.get("tests", []):
        for text in test.get("observations", []):
            match = KEYED.match(text)
            key, value = (match.group(1), match.group(2)) if match else ("", text)
            seen.setdefault(key, set()).add(cause_signature(value))
    return {key: sorted(values) for key, values in sorted(seen.items())}


def selected(data: dict[str, Any]) -> set[str]:
    return set(data["requirements"])


def catalogue(data: dict[str, Any]) -> set[str] | None:
    """Every requirement the suite of that run knew (None in an older results file)."""
    ids = data.get("catalogue")
    return set(ids) if isinstance(ids, list) else None


def compare_runs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The comparison: every change, by requirement, and counts by kind."""
    old, new = before["requirements"], after["requirements"]
    old_catalogue, new_catalogue = catalogue(before), catalogue(after)
    changes: list[dict[str, Any]] = []
    for rid in sorted(selected(before) | selected(after)):
        if rid not in old:
            # new only if the earlier suite did not have it at all; a requirement the
            # earlier run did not select is not compared
            if old_catalogue is None or rid not in old_catalogue:
                changes.append(change("new", rid, None, new[rid]))
            continue
        if rid not in new:
            if new_catalogue is None or rid not in new_catalogue:
                changes.append(change("vanished", rid, old[rid], None))
            continue
        changes += requirement_changes(rid, old[rid], new[rid])
    counts = {kind: sum(1 for c in changes if c["kind"] == kind) for kind in KIND_NAMES}
    return {
        "schema_version": SCHEMA_VERSION,
        "before": run_summary(before),
        "after": run_summary(after),
        "compared": len(selected(before) & selected(after)),
        "counts": {kind: n for kind, n in counts.items() if n},
        "changes": changes,
    }


def requirement_changes(rid: str, old: dict[str, Any],
                        new: dict[str, Any]) -> list[dict[str, Any]]:
    was, now = old.get("outcome", NOT_TESTED), new.get("outcome", NOT_TESTED)
    found: list[dict[str, Any]] = []
    old_causes, new_causes = failure_causes(old), failure_causes(new)
    causes = (old_causes, new_causes)
    if was != now:
        if was in PASSING and now in FAILING:
            kind = "regression"
        elif was in FAILING and now in PASSING:
            kind = "fix"
        elif {was, now} <= {*PASSING} or {was, now} <= {*FAILING}:
            # the same behaviour, another expectation of the profile
            kind = "now-expected" if now.startswith("x") else "no-longer-expected"
        elif was in PASSING + FAILING and now == NOT_TESTED:
            kind = "no-longer-tested"
        else:
            kind = "changed-verdict"
        if kind in ("now-expected", "no-longer-expected") and old_causes != new_causes:
            found.append(change("changed-cause", rid, old, new, causes=causes))
        found.append(change(kind, rid, old, new, causes=causes))
    elif was in FAILING and old_causes != new_causes:
        found.append(change("changed-cause", rid, old, new, causes=causes))
    old_seen, new_seen = observations(old), observations(new)
    seen_changes = [change("changed-observation", rid, old, new,
                           observation=key or "(observations)",
                           seen=(old_seen.get(key), new_seen.get(key)))
                    for key in sorted(set(old_seen) | set(new_seen))
                    if old_seen.get(key) != new_seen.get(key)]
    if found and seen_changes:
        # what the suite saw changed with the verdict: part of that change, not another
        found[-1]["observations"] = [
            {key: c[key] for key in ("observation", "seen_before", "seen_after")}
            for c in seen_changes]
        return found
    return found + seen_changes


def change(kind: str, rid: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
           **extra: Any) -> dict[str, Any]:
    entry = old or new or {}
    result: dict[str, Any] = {
        "kind": kind,
        "requirement": rid,
        "service": entry.get("service", ""),
        "before": (old or {}).get("outcome"),
        "after": (new or {}).get("outcome"),
    }
    if "causes" in extra:
        result["causes_before"], result["causes_after"] = extra["causes"]
    if "observation" in extra:
        result["observation"] = extra["observation"]
        result["seen_before"], result["seen_after"] = extra["seen"]
    return result


def incomplete(data: dict[str, Any]) -> str | None:
    """Why a run's results are no verdict (it was interrupted, or stopped because the
    target went away), or None for a complete run."""
    if data.get("interrupted"):
        return "interrupted (Ctrl-C or SIGTERM)"
    if data.get("stopped"):
        return f"stopped: {data['stopped']}"
    return None


def run_summary(data: dict[str, Any]) -> dict[str, Any]:
    target = data.get("target", {})
    return {
        "incomplete": incomplete(data),
        "started": data.get("started"),
        "services": {k: v for k, v in target.get("services", {}).items() if v},
        "embedded": target.get("embedded"),
        "profile_expectations": sorted(data.get("expectations", {})),
        "hypothesis_seed": data.get("hypothesis_seed"),
    }


def failing_kinds(comparison: dict[str, Any], fail_on: Iterable[str] = (),
                  allow: Iterable[str] = ()) -> list[str]:
    """The kinds of change that fail the comparison: ``FAILING_KINDS`` (but those
    ``allow`` names), and those asked for."""
    wanted = {*FAILING_KINDS, *fail_on} - set(allow)
    return [kind for kind in KIND_NAMES if kind in wanted and comparison["counts"].get(kind)]


def summary_lines(comparison: dict[str, Any], label: str) -> list[str]:
    """The comparison as the terminal shows it."""
    counts = ", ".join(f"{comparison['counts'][kind]} {name}" for kind, name in KINDS
                       if kind in comparison["counts"])
    lines = [f"opensim-conformance: compared with {label} ({comparison['compared']} "
             f"requirements in both): {counts or 'no change'}"]
    for side in ("before", "after"):
        why = comparison.get(side, {}).get("incomplete")
        if why:
            lines.append(f"  INCOMPLETE {side} run, no verdict: {why}")
    for kind, _ in KINDS:
        for c in (c for c in comparison["changes"] if c["kind"] == kind):
            lines.append(f"  {kind.upper() if kind in FAILING_KINDS else kind:20} "
                         f"{c['requirement']}: {describe(c)}")
    return lines



def write_json(comparison: dict[str, Any], path: Path) -> None:
    """The comparison as JSON (schemas/comparison.schema.json), written whole or not at
    all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(comparison, indent=2), "utf-8")
    partial.replace(path)
