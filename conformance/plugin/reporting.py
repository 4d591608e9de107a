"""The Reporter: test outcomes by requirement (in the controller when run under xdist,
where workers' reports arrive with their ``conformance`` attribute), and the result
files written at the end (results.json, the HTML report, the drafted profile, the
comparison with a baseline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.ledger import run_ledgers
from conformance.plugin.examples import run_budget, run_seed
from conformance.plugin.preflight import reports_due
from conformance.report.compare import CompareError, compare_runs, load_results, summary_lines
from conformance.report.html import write_html
from conformance.report.profile import write_profile
from conformance.report.results import EXIT_INTERRUPTED, Results, incomplete_line, test_outcome
from conformance.run import ConformanceRun


class Reporter:
    """Collects test outcomes by requirement (in the controller when run under xdist,
    where workers' reports arrive with their ``conformance`` attribute) and writes the
    result files at the end."""

    def __init__(self, run: ConformanceRun, config: pytest.Config) -> None:
        self.run = run
        self.config = config
        self.results = Results(run.catalogue, run.profile)
        self.results.data["hypothesis_seed"] = run_seed(config)
        self.results.data["budget"] = run_budget(config)
        self.baseline = read_baseline(config)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """As results.json says it: a test the target failed is F wherever it failed, a
        blocked test B, a bug of the suite E ("SUITE ERROR")."""
        if not report.failed:
            return None
        kind = (getattr(report, "conformance", None) or {}).get("outcome")
        if kind == "failed":
            return "failed", "F", "FAILED"
        if kind == "blocked":
            return "blocked", "B", "BLOCKED"
        if kind == "suite-error":
            return "error", "E", "SUITE ERROR"
        return None

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Ctrl-C (and SIGTERM, raised as the same KeyboardInterrupt): the run is
        incomplete, whatever its tests found; not pytest's own stops (``-x``, the
        fail-fast stop when the target went away), nor ``pytest.exit``."""
        stop = excinfo.value
        # pytest's and xdist's own stops are KeyboardInterrupts named Interrupted
        if isinstance(stop, KeyboardInterrupt) and type(stop).__name__ != "Interrupted":
            self.results.interrupt()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        conformance: dict[str, Any] | None = getattr(report, "conformance", None)
        if conformance is None:
            return
        outcome = test_outcome(report)
        if outcome is not None:
            self.results.add(report, outcome, conformance)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.results.finish(ledger_files(self.run.ledger.path), self.run.ledger.path)
        session.exitstatus = self.results.exit_code(session.exitstatus)
        if self.results.data.get("interrupted"):
            session.exitstatus = EXIT_INTERRUPTED
        if self.baseline is not None:
            path, data = self.baseline
            self.results.data["baseline"] = {"path": str(path),
                                             **compare_runs(data, self.results.data)}
        if not reports_due(session):  # nothing collected: the last reports stay as they are
            return
        drafted = self.config.getoption("write_profile")
        if drafted:
            write_profile(self.results.data, drafted)
        path = self.config.getoption("results_json")
        if path:
            self.results.write_json(path)
        html = self.config.getoption("html_report")
        if html:
            write_html(self.results.data, html)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        incomplete = incomplete_line(self.results.data)
        if not self.results.data["requirements"]:
            if incomplete:
                terminalreporter.write_line(incomplete, red=True, bold=True)
            return
        for line in self.results.summary_lines():
            terminalreporter.write_line(line, **({"red": True, "bold": True}
                                                 if line == incomplete else {}))
        comparison = self.results.data.get("baseline")
        if comparison:
            terminalreporter.write_line("")
            for line in summary_lines(comparison, comparison["path"]):
                terminalreporter.write_line(line)


def read_baseline(config: pytest.Config) -> tuple[Path, dict[str, Any]] | None:
    """The earlier run ``--baseline`` names; one that cannot be read is a usage error,
    said before the run."""
    path = config.getoption("baseline")
    if not path:
        return None
    try:
        return path, load_results(path)
    except CompareError as exc:
        raise pytest.UsageError(f"--baseline: {exc}") from None


def ledger_files(path: Path) -> list[Path]:
    """The ledger of this run and those of its xdist workers (never another run's)."""
    return run_ledgers(path)
