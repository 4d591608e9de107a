"""Self-test fixtures: run the conformance suite in-process against a reference server
(possibly with a fault injected) and read back its results.json."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.app import ReferenceConfig, create_app
from conformance.reference.server import ServerThread

pytest_plugins = ["pytester"]

# A shell without job control (a CI script's background job, nohup) starts its commands
# with SIGINT ignored, and a Python started so leaves it ignored: the self-tests that
# press Ctrl-C on the command they start would see nothing happen. Those commands stand
# for a run in a user's terminal, so the self-tests' processes (and through them the
# commands, which start with SIGINT's default) take SIGINT as Python does by default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

SuiteRunner = Callable[..., dict[str, Any]]
#: Services whose tests find their URLs through the login (the reference logs in at its
#: base URL).
LOGIN_SERVICES = ("caps", "ais")


@pytest.fixture
def run_suite(pytester: pytest.Pytester, tmp_path: Path) -> SuiteRunner:
    """Serve the reference app built from ``config`` and run the suite of ``service``
    against it (only the tests of ``requirements``, when given). Returns results.json."""

    def run(config: ReferenceConfig | None, service: str,
            requirements: Iterable[str] = (), *extra: str) -> dict[str, Any]:
        results = tmp_path / "results.json"
        args = ["--pyargs", f"conformance.suites.{service}", "-p", "no:cacheprovider",
                "-q", "--results-json", str(results), "--ledger",
                str(tmp_path / "ledger.jsonl"), "--hypothesis-profile", "fault-injection",
                *extra]
        for rid in requirements:
            args += ["--requirement", rid]
        with ServerThread(create_app(tmp_path / "reference.sqlite", config)) as server:
            # The viewer's services are found through the login, at the base URL too.
            login = ["--login-uri", server.url] if service in LOGIN_SERVICES else []
            outcome = pytester.runpytest_inprocess(*args, "--target", server.url, *login)
        if not results.exists():
            pytest.fail(f"the suite wrote no results (exit {outcome.ret}):\n"
                        + "\n".join(outcome.outlines[-30:]))
        data: dict[str, Any] = json.loads(results.read_text("utf-8"))
        data["exit_code"] = int(outcome.ret)
        data["output"] = outcome.outlines
        return data

    return run


def not_passed(results: dict[str, Any]) -> dict[str, str]:
    """Requirements of a run whose outcome is not "passed" (false alarms, where the
    target is conformant), with their outcomes."""
    return {rid: entry["outcome"] for rid, entry in results["requirements"].items()
            if entry["outcome"] != "passed"}


# ---------------------------------------------------------------- kill rate

_fault_outcomes: dict[str, bool] = {}
#: Test functions of the suite that ran under some fault, and those that failed.
_ran: set[str] = set()
_failed: set[str] = set()
_never_failed: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "test_faults.py::test_fault_makes_the_suite_fail" in report.nodeid:
        name = report.nodeid.split("[", 1)[1].rstrip("]")
        _fault_outcomes[name] = report.passed
        properties = dict(report.user_properties)
        _ran.update(properties.get("ran", []))  # type: ignore[arg-type]
        _failed.update(properties.get("failed", []))  # type: ignore[arg-type]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """When the whole fault catalogue ran: every test function of the suite must have
    failed under at least one fault, or it is a test no broken server can fail."""
    from tests.faults import all_faults

    if not _fault_outcomes or len(_fault_outcomes) < len(all_faults()):
        return
    _never_failed[:] = sorted(_ran - _failed)
    if _never_failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _fault_outcomes:
        return
    by_service: dict[str, list[bool]] = {}
    for name, caught in _fault_outcomes.items():
        by_service.setdefault(name.split(":", 1)[0], []).append(caught)
    terminalreporter.section("fault catalogue")
    for service, outcomes in sorted(by_service.items()):
        terminalreporter.write_line(
            f"{service}: {sum(outcomes)} of {len(outcomes)} faults caught "
            f"(kill rate {100 * sum(outcomes) / len(outcomes):.0f}%)")
    total = list(_fault_outcomes.values())
    missed = sorted(name for name, caught in _fault_outcomes.items() if not caught)
    terminalreporter.write_line(
        f"all services: {sum(total)} of {len(total)} faults caught "
        f"(kill rate {100 * sum(total) / len(total):.0f}%)")
    for name in missed:
        terminalreporter.write_line(f"  missed: {name}")
    if _ran:
        terminalreporter.write_line(f"test functions of the suite failed by some fault: "
                                    f"{len(_ran & _failed)} of {len(_ran)}")
    for name in _never_failed:
        terminalreporter.write_line(f"  never failed (no fault can break it): {name}")
