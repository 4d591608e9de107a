"""Outcomes by requirement: what results.json holds and the terminal summary prints."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance import tool_version
from conformance.catalogue import Requirement
from conformance.expect import Blocked
from conformance.ledger import RETRY_HINTS, UNREMOVABLE, ledger_summary
from conformance.target import SERVICES, Profile

#: Outcomes of one test, worst first; a requirement takes its worst test's outcome.
#: "blocked": a step the test needs failed, so the requirement was not judged;
#: "suite-error": a bug of the suite itself, never the target's.
SEVERITY = ("failed", "xpassed", "suite-error", "blocked", "xfailed", "passed", "skipped")
NOT_TESTED = "not tested"
#: Outcomes of a requirement, in the order summaries list them.
OUTCOMES = ("failed", "xpassed", "suite-error", "blocked", "xfailed", "passed", NOT_TESTED)
#: Outcomes that make the run fail.
UNEXPECTED = ("failed", "xpassed", "suite-error", "blocked")
#: Exit codes: the target failed something (or a requirement could not be judged), and
#: the suite itself is broken (pytest's "internal error").
EXIT_FAILED = 1
EXIT_SUITE_ERROR = 3
#: A run cut short by the operator (Ctrl-C, SIGTERM): not a verdict (the shell's code
#: for a process ended by SIGINT).
EXIT_INTERRUPTED = 130
#: What the summary, the HTML banner and a comparison say of an interrupted run.
INTERRUPTED_TEXT = ("INTERRUPTED: the run is incomplete and is no verdict "
                    "(requirements not reached are absent)")
#: The version of results.json's layout (schemas/results.schema.json): raised when a key
#: changes meaning or goes away, not when one is added.
SCHEMA_VERSION = 1


def test_outcome(report: pytest.TestReport) -> str | None:
    """The outcome one report contributes, or None (a passing setup or teardown)."""
    kind = (getattr(report, "conformance", None) or {}).get("outcome")
    if report.failed:
        # the plugin classified the exception; a report without it is the suite's
        return kind if kind in ("failed", "blocked") else "suite-error"
    if report.when == "call":
        if report.skipped:
            return "xfailed" if hasattr(report, "wasxfail") else "skipped"
        # A pass of a test whose requirement the target profile expects to fail.
        return "xpassed" if hasattr(report, "wasxfail") else "passed"
    if report.skipped and report.when == "setup":
        return "xfailed" if hasattr(report, "wasxfail") else "skipped"
    return None


def requirement_outcome(outcomes: list[str], *, expected_to_fail: bool) -> str:
    """A requirement's outcome from its tests' outcomes.

    Expected to fail (the target profile says so): confirmed ("xfailed") when any of
    its tests failed as expected; "xpassed", which fails the run, only when every test
    that ran passed. Otherwise the worst outcome of its tests.
    """
    ran = [outcome for outcome in outcomes if outcome != "skipped"]
    if not ran:
        return NOT_TESTED
    if expected_to_fail:
        if "xfailed" in ran:
            return "xfailed"
        if "suite-error" in ran or "blocked" in ran:
            return min(ran, key=SEVERITY.index)
        return "xpassed"
    return min(ran, key=SEVERITY.index)


def failure_cause(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """What went wrong, as the report's "Failed:" line says it: a failed check's own
    message, or the exception's type and message for anything else."""
    if isinstance(excinfo.value, AssertionError | Blocked) and str(excinfo.value):
        return str(excinfo.value)
    return excinfo.exconly().strip()


#: Run-specific parts of a cause (UUIDs, ports, names the suite made up), masked so that
#: the same cause reads the same in every test and every run.
_RUN_SPECIFIC = (
    (re.compile(r"(?!00000000-0000-0000-0000-000000000000)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
                r"[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<id>"),
    (re.compile(r"(https?://[^/\s:]+):\d+"), r"\1:<port>"),
    (re.compile(r"opensim-conformance [^'\"|/]*"), "opensim-conformance <name>"),
    (re.compile(r"\d+(\.\d+)? ?(ms|s)\b"), "<time>"),
)


def group_causes(requirements: dict[str, Any],
                 outcomes: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """Identical causes grouped: (outcome, cause, the requirements it hits), most
    requirements first, so that a cause that hits many requirements reads once."""
    wanted = set(outcomes)
    groups: dict[tuple[str, str], list[str]] = {}
    for rid, entry in requirements.items():
        if entry["outcome"] not in wanted:
            continue
        for test in entry["tests"]:
            if test["outcome"] == entry["outcome"]:
                key = (entry["outcome"], cause_signature(test.get("cause", "")))
                if rid not in groups.setdefault(key, []):
                    groups[key].append(rid)
    return sorted(((outcome, cause, rids) for (outcome, cause), rids in groups.items()),
                  key=lambda group: -len(group[2]))


def cause_signature(cause: str) -> str:
    """A cause with its run-specific parts masked: equal for the same trouble."""
    text = cause.strip().splitlines()[0] if cause.strip() else ""
    for pattern, mask in _RUN_SPECIFIC:
        text = pattern.sub(mask, text)
    return text


class Results:
    def __init__(self, catalogue: dict[str, Requirement], profile: Profile) -> None:
        self.catalogue = catalogue
        self.clock = time.monotonic()
        self.data: dict[str, Any] = {
            "suite": "opensim-conformance",
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "opensim-conformance", "version": tool_version(),
                     "pytest": pytest.__version__},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "duration": None,
            "command": [],
            "target": {
                "embedded": profile.embedded,
                "services": {s: redacted_url(profile.service_url(s)) for s in SERVICES},
                "principal": profile.principal,
                "read_only": profile.read_only,
                "tls": tls_record(profile),
            },
            "expectations": {rid: e.__dict__ for rid, e in profile.expectations.items()},
            # every requirement this suite knows: a comparison tells a requirement the
            # other run did not select from one it did not have
            "catalogue": list(catalogue),
            "interrupted": False,
            "summary": {},
            "by_service": {},
            "requirements": {},
            "cleanup": {},
        }

    def add(self, report: pytest.TestReport, outcome: str, conformance: dict[str, Any]) -> None:
        message = ""
        if outcome in UNEXPECTED:
            message = str(report.longrepr)
        elif outcome in ("skipped", "xfailed"):
            message = skip_reason(report)
        cause = conformance.get("cause", "")
        if outcome == "xpassed":
            cause = "passed, but the target profile expects it to fail"
        test = {
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": outcome,
            "cause": cause,
            "message": message,
            "duration": round(report.duration, 4),
            "observations": conformance.get("observations", []),
            "transcript": conformance["transcript"],
        }
        if "blocked_by" in conformance:  # the requirement whose failed step blocked it
            test["blocked_by"] = conformance["blocked_by"]
        if "examples" in conformance:  # a generated test: its examples within the budget
            test["examples"] = conformance["examples"]
        for rid in conformance["requirements"]:
            self.entry(rid)["tests"].append(test)
        for failed in conformance.get("failed_steps", []):
            self.add_failed_step(report.nodeid, failed)

    def add_failed_step(self, nodeid: str, failed: dict[str, Any]) -> None:
        """A setup step that is a requirement's behaviour failed (in whichever test ran
        it): that requirement's failure, recorded once however many tests ran the step.
        Expected to fail by the profile, it is the expected failure; skipped by it, it
        is not judged."""
        rid = failed["requirement"]
        if rid not in self.catalogue:
            return
        cause = f"{failed['step']}: {failed['cause']}"
        entry = self.entry(rid)
        if any(test.get("step") and cause_signature(test["cause"]) == cause_signature(cause)
               for test in entry["tests"]):
            return
        outcome = {"fail": "xfailed", "skip": "skipped"}.get(
            self.data["expectations"].get(rid, {}).get("outcome"), "failed")
        entry["tests"].append({
            # the module whose test ran the step; "step of" is no test function of it
            "nodeid": f"{nodeid.split('::', 1)[0]}::step of {rid}",
            "when": "setup",
            "outcome": outcome,
            "cause": cause,
            "message": failed.get("message", cause) if outcome == "failed" else "",
            "duration": 0.0,
            "observations": [],
            "transcript": failed.get("transcript", []),
            "step": failed["step"],
        })

    def exit_code(self, pytest_status: int) -> int:
        """The run's exit code: a suite error outranks everything (the verdicts cannot
        be trusted); then any unexpected outcome; else what pytest says. Tests of a
        requirement confirmed as an expected failure fail nothing, nor does a test blocked
        by a requirement the profile expects to fail that did (a known deviation, not a
        new one)."""
        requirements = self.data["requirements"]
        tests = {test["outcome"] for entry in requirements.values() for test in entry["tests"]}
        if "suite-error" in tests or any(entry["outcome"] == "suite-error"
                                         for entry in requirements.values()):
            return EXIT_SUITE_ERROR
        unexpected = [(entry, test) for entry in requirements.values()
                      for test in entry["tests"] if test["outcome"] in UNEXPECTED]
        if any(not self.known(entry, test) for entry, test in unexpected):
            return EXIT_FAILED
        if any(entry["outcome"] in UNEXPECTED and entry["outcome"] != "blocked"
               for entry in requirements.values()):
            return EXIT_FAILED
        if pytest_status == pytest.ExitCode.TESTS_FAILED and requirements:
            return pytest.ExitCode.OK
        return pytest_status

    def known(self, entry: dict[str, Any], test: dict[str, Any]) -> bool:
        """Whether an unexpected test outcome is a known deviation's doing: any test of a
        requirement confirmed as an expected failure (some of its tests may pass or be
        blocked), or a test blocked by a requirement the profile expects to fail and that
        did (xfailed)."""
        if entry["outcome"] == "xfailed":
            return True
        if test["outcome"] != "blocked":
            return False
        blocker = self.data["requirements"].get(test.get("blocked_by") or "")
        return blocker is not None and blocker["outcome"] == "xfailed"

    def interrupt(self) -> None:
        """Mark the run as cut short (Ctrl-C, SIGTERM): results.json says so, the
        summary and the HTML report say it is incomplete, and the exit code is
        ``EXIT_INTERRUPTED`` whatever the tests that ran found."""
        self.data["interrupted"] = True

    def causes(self, *outcomes: str) -> list[tuple[str, str, list[str]]]:
        return group_causes(self.data["requirements"], outcomes)

    def entry(self, rid: str) -> dict[str, Any]:
        requirements = self.data["requirements"]
        if rid not in requirements:
            requirement = self.catalogue[rid]
            requirements[rid] = {**requirement.__dict__, "outcome": NOT_TESTED, "tests": []}
        entry: dict[str, Any] = requirements[rid]
        return entry

    def finish(self, ledgers: list[Path], ledger: Path | None = None) -> None:
        """Settle every requirement's outcome (catalogue order) and the cleanup record."""
        self.data["duration"] = round(time.monotonic() - self.clock, 3)
        requirements = self.data["requirements"]
        ordered = {}
        for rid in self.catalogue:
            if rid in requirements:
                entry = requirements[rid]
                outcomes = [test["outcome"] for test in entry["tests"]]
                expected = self.data["expectations"].get(rid, {}).get("outcome") == "fail"
                entry["outcome"] = requirement_outcome(outcomes, expected_to_fail=expected)
                ordered[rid] = entry
        self.data["requirements"] = ordered
        self.data["summary"] = count_outcomes(ordered.values())
        services = dict.fromkeys(entry["service"] for entry in ordered.values())
        self.data["by_service"] = {
            service: count_outcomes(e for e in ordered.values() if e["service"] == service)
            for service in services
        }
        created, remaining = ledger_summary(ledgers)
        self.data["cleanup"] = {
            "created": created,
            "remaining": [entry.__dict__ for entry in remaining],
            "ledgers": [str(path) for path in ledgers],
            # what `opensim-conformance cleanup --ledger` takes: it finds the workers'
            # ledgers beside it
            "ledger": str(ledger or min(ledgers, key=lambda p: len(str(p)), default="FILE")),
        }

    def write_json(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.data, indent=2, sort_keys=False))

    def summary_lines(self) -> list[str]:
        lines = ["", "opensim-conformance: requirements by outcome"]
        incomplete = incomplete_line(self.data)
        if incomplete:
            lines.insert(1, incomplete)
        for rid, entry in self.data["requirements"].items():
            if entry["outcome"] in ("failed", "xpassed"):
                lines.append(f"  {entry['outcome'].upper():8} {rid}  "
                             f"{shorten(entry.get('must') or entry['quote'], 70)}")
            if entry["outcome"] == "xpassed":
                lines.append(f"           {xpass_hint(entry)}")
        for outcome, cause, rids in self.causes("blocked", "suite-error"):
            what = "BLOCKED " if outcome == "blocked" else "SUITE ERROR (not the target's)"
            lines.append(f"  {what} {len(rids)} requirement{'s' if len(rids) > 1 else ''} "
                         f"({shorten(', '.join(rids), 60)}): {shorten(cause, 120)}")
        observed = observations(self.data["requirements"])
        if observed:
            lines.append("  observed on the target:")
            lines += [f"    {rid}: {text}" for rid, text in observed]
        counts = ", ".join(f"{n} {outcome}" for outcome, n in self.data["summary"].items())
        lines.append(f"  {len(self.data['requirements'])} requirements: {counts}")
        if "hypothesis_seed" in self.data:
            lines.append(f"  generated examples: --hypothesis-seed {self.data['hypothesis_seed']}"
                         f" (give another number, or random, to explore further)"
                         f"{budget_text(self.data)}")
        lines += cleanup_lines(self.data["cleanup"])
        if incomplete:
            lines.append(incomplete)
        return lines


def incomplete_line(data: dict[str, Any]) -> str | None:
    """What makes a run's results no verdict: it was interrupted (Ctrl-C, SIGTERM) or
    stopped because the target went away; None for a complete run."""
    if data.get("interrupted"):
        return (f"opensim-conformance {INTERRUPTED_TEXT}; "
                f"{len(data['requirements'])} requirements reached before it")
    if data.get("stopped"):
        return f"opensim-conformance INCOMPLETE: {data['stopped']}"
    return None


def tls_record(profile: Profile) -> dict[str, Any]:
    """How the run verified certificates: ``verify`` false is --insecure."""
    verify = profile.tls_verify()
    return {"verify": verify is not False,
            "ca_bundle": verify if isinstance(verify, str) else None}


def budget_text(data: dict[str, Any]) -> str:
    """The budget of generated tests, and how many reached it: ", --budget 3 s per test
    (2 tests reached it: 9 of 27 examples checked)"."""
    if "budget" not in data:
        return ""
    tests = {test["nodeid"]: test["examples"] for entry in data["requirements"].values()
             for test in entry["tests"] if "examples" in test}
    cut = [examples for examples in tests.values() if examples["unsent"]]
    text = f", --budget {data['budget']:g} s per test"
    if cut:
        checked = sum(examples["checked"] for examples in cut)
        drawn = checked + sum(examples["unsent"] for examples in cut)
        text += (f" ({len(cut)} test{'s' if len(cut) > 1 else ''} reached it: {checked} of "
                 f"{drawn} examples checked)")
    return text


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place: a
    reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        temporary.write_text(text, "utf-8")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


#: Options whose value is a secret, and URLs' user:password part.
SECRET_OPTIONS = ("--password",)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redacted_url(url: str | None) -> str | None:
    """A URL with any credentials in it (``user:pass@``) replaced by ``***``."""
    return _USERINFO.sub("***@", url) if url else url


def redacted_command(args: Iterable[str]) -> list[str]:
    """A command line with passwords and URL credentials replaced by ``***``."""
    shown: list[str] = []
    hide_next = False
    for arg in map(str, args):
        if hide_next:
            shown.append("***")
            hide_next = False
            continue
        name, equals, _ = arg.partition("=")
        if name in SECRET_OPTIONS:
            if equals:
                shown.append(f"{name}=***")
            else:
                shown.append(arg)
                hide_next = True
            continue
        shown.append(_USERINFO.sub("***@", arg))
    return shown


def cleanup_lines(cleanup: dict[str, Any]) -> list[str]:
    """What the run created and what it left on the target, by kind, and why."""
    remaining = cleanup.get("remaining", [])
    if not remaining:
        created = cleanup.get("created")
        return [f"  cleanup: all {created} created objects were removed"] if created else []
    kinds: dict[tuple[str, str], int] = {}
    for entry in remaining:
        kinds[(entry["service"], entry["kind"])] = kinds.get((entry["service"], entry["kind"]),
                                                             0) + 1
    lines = [f"  cleanup: {len(remaining)} of {cleanup['created']} created objects remain on "
             f"the target; ledger: {cleanup['ledger']}"]
    retry = f"retry: opensim-conformance cleanup --ledger {cleanup['ledger']}"
    for (service, kind), count in kinds.items():
        hint = RETRY_HINTS.get((service, kind))
        why = UNREMOVABLE.get((service, kind)) or (f"{hint}; {retry}" if hint else retry)
        lines.append(f"    {count} {service} {kind}: {why}")
    return lines


def observations(requirements: dict[str, Any]) -> list[tuple[str, str]]:
    """(requirement, observation) pairs, each distinct observation once."""
    seen: dict[tuple[str, str], None] = {}
    for rid, entry in requirements.items():
        for test in entry["tests"]:
            for text in test.get("observations", []):
                seen.setdefault((rid, text))
    return list(seen)


def shorten(text: str, width: int) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters."""
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def xpass_hint(entry: dict[str, Any]) -> str:
    """What an unexpected pass of a requirement (every test passed) means."""
    return "expected to fail (target profile), but passes: drop the expectation"


def count_outcomes(entries: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Requirements by outcome, in ``OUTCOMES`` order, outcomes that occur only."""
    outcomes = [entry["outcome"] for entry in entries]
    return {outcome: outcomes.count(outcome) for outcome in OUTCOMES if outcome in outcomes}


def skip_reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
