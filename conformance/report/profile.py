"""A target profile drafted from a run (``--write-profile FILE``): its expectations are
the run's failed requirements, each with its failure cause as a draft reason marked for
review, so that an implementer adopts the suite in CI in one step (the next run against
the same server passes) and tightens the profile over time, as wpt's metadata and
Autobahn's exclude lists are kept per implementation."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from conformance.report.results import cause_signature, write_atomically

#: What a drafted reason starts with until someone has read it.
REVIEW = "REVIEW: "


def draft_expectations(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Requirement -> (outcome, reason) from a run's results: each failed requirement
    expected to fail with its cause (REVIEW), each blocked one skipped with what blocked
    it (REVIEW); the expectations the run confirmed (an expected failure, a skip) kept as
    they were; an expectation that passed (xpassed) dropped."""
    kept = data.get("expectations", {})
    drafted: dict[str, tuple[str, str]] = {}
    for rid, entry in data.get("requirements", {}).items():
        outcome = entry.get("outcome")
        if outcome == "failed":
            drafted[rid] = ("fail", REVIEW + first_cause(entry, "failed"))
        elif outcome == "blocked":
            drafted[rid] = ("skip", REVIEW + "not judged: " + first_cause(entry, "blocked"))
        elif outcome == "xfailed" or (outcome == "not tested" and rid in kept):
            expectation = kept.get(rid, {})
            drafted[rid] = (expectation.get("outcome", "fail"), expectation.get("reason", ""))
    for rid, expectation in kept.items():  # skipped by the profile: not in this run
        if rid not in data.get("requirements", {}) and expectation.get("outcome") == "skip":
            drafted[rid] = ("skip", expectation.get("reason", ""))
    return drafted


def first_cause(entry: dict[str, Any], outcome: str) -> str:
    """The cause of the requirement's first test with that outcome, its run-specific
    parts (ids, ports, the suite's names) masked."""
    for test in entry.get("tests", []):
        if test.get("outcome") == outcome and test.get("cause"):
            return cause_signature(test["cause"])
    return f"{outcome} (no cause recorded)"


def profile_text(data: dict[str, Any]) -> str:
    """The drafted profile as TOML."""
    expectations = draft_expectations(data)
    command = shlex.join(data.get("command") or []) or "opensim-conformance"
    lines = [
        "# Target profile drafted by opensim-conformance --write-profile from the run of "
        f"{data.get('started', '?')}:",
        f"#   {command}",
        "# Its expectations are what that run failed (\"fail\") or could not judge (\"skip\"),",
        "# each reason the cause the run saw. Read every reason that starts with REVIEW and",
        "# replace it with why the server departs from the requirement (name the source), or",
        "# fix the server and drop the expectation. Give the URLs and credentials as in",
        "# profiles/opensimulator.toml, or on the command line.",
        "",
    ]
    if not expectations:
        lines.append("# The run failed nothing: no expectations.")
    errors = [rid for rid, entry in data.get("requirements", {}).items()
              if entry.get("outcome") == "suite-error"]
    if errors:
        lines.append(f"# Not listed: suite errors (bugs of the suite, not of the server): "
                     f"{', '.join(errors)}")
    for rid, (outcome, reason) in expectations.items():
        lines += ["", f"[expectations.{rid}]", f"outcome = {toml_string(outcome)}",
                  f"reason = {toml_string(reason)}"]
    return "\n".join(lines) + "\n"


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's string escapes are TOML's."""
    return json.dumps(text, ensure_ascii=False)


def write_profile(data: dict[str, Any], path: Path) -> None:
    write_atomically(path, profile_text(data))
