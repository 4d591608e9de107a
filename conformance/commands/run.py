"""``opensim-conformance [run]``: the suite through pytest with the reports in reports/.

The option values a plugin would refuse are refused first, as one line (exit 4), with
the checks of conformance/target.py."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.commands import EXIT_INTERRUPTED, EXIT_USAGE
from conformance.ledger import LedgerError, ledger_summary, run_ledgers
from conformance.target import (
    ProfileError,
    check_connections,
    check_timeout,
    check_url,
    check_uuid,
)

REPORTS = Path("reports")


def run_suite(args: list[str]) -> int:
    """Run the suite with the reports in reports/ (options given later win).

    The reports of a run replace the last run's only when the run tested something: a
    run that collects nothing (or only lists tests) leaves them as they were. The allure
    results are written aside and replace the last run's at the end (or join them, with
    --keep-allure-results); results.json and the HTML report are written atomically by
    the plugin. A ledger that lists nothing left on the target is removed.
    """
    keep_allure = "--keep-allure-results" in args
    args = [arg for arg in args if arg != "--keep-allure-results"]
    wrong = wrong_option(args)
    if wrong:
        print(f"ERROR: {wrong}", file=sys.stderr)
        return EXIT_USAGE
    stamp = time.strftime("%Y%m%dT%H%M%S")
    # One run, one ledger: two runs started in the same second in the same folder must
    # never share one (each removes what its ledger lists at its end).
    run_id = f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
    aside = REPORTS / f".run-{run_id}"
    results = REPORTS / "results.json"
    junit = REPORTS / "junit.xml"
    ledger = REPORTS / f"ledger-{run_id}.jsonl"
    defaults = [
        "--pyargs", "conformance.suites",
        "--preflight",
        "--junitxml", str(junit),
        "-o", "junit_suite_name=opensim-conformance",
        "--results-json", str(results),
        "--html-report", str(REPORTS / "report.html"),
        "--alluredir", str(aside / "allure-results"),
        "--ledger", str(ledger),
        # Progress lines name the suite's modules as conformance/suites/..., also when
        # installed, and pytest's cache goes with the reports, not into the package.
        "--rootdir", str(Path(__file__).resolve().parents[2]),
        # This command imports the package before pytest marks the plugin for rewriting.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if not any(arg.endswith("no:cacheprovider") for arg in args):
        defaults += ["-o", f"cache_dir={(REPORTS / '.pytest_cache').resolve()}"]
    before = _stamp(results)
    kept_junit = aside / "junit-before.xml"
    if junit.is_file():
        aside.mkdir(parents=True, exist_ok=True)
        shutil.copy2(junit, kept_junit)
    code = EXIT_INTERRUPTED
    started = time.time()
    try:
        code = int(pytest.main(defaults + args))
    except KeyboardInterrupt:  # a second Ctrl-C, during the end of the run
        print(f"opensim-conformance: interrupted: the run is incomplete and no verdict "
              f"(exit {EXIT_INTERRUPTED})", file=sys.stderr)
    finally:
        # Something was tested when the run wrote allure results or results.json
        # (wherever --results-json put it); an interrupted run's allure results are
        # dropped, so reports/allure-results/ keeps the last complete run's.
        fresh = aside / "allure-results"
        tested = (fresh.is_dir() and any(fresh.iterdir())) or (
            _stamp(results) != before and _stamp(results) is not None)
        if tested:
            _prune_bodies(REPORTS / "bodies", started)
        if tested and code != EXIT_INTERRUPTED:
            _settle(aside, keep_allure)
        elif not tested and kept_junit.is_file():  # the last run's JUnit XML stays
            os.replace(kept_junit, junit)
        elif not tested:  # no 0-test JUnit XML, which CI would read as a pass
            with contextlib.suppress(OSError):
                junit.unlink()
        shutil.rmtree(aside, ignore_errors=True)
        _drop_empty_ledgers(ledger)
    return code


def _prune_bodies(folder: Path, started: float) -> None:
    """Keep in reports/bodies/ only the request bodies the last run's curl lines send
    (those it wrote or used again since it started)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < started - 1:
                path.unlink()


def _drop_empty_ledgers(ledger: Path) -> None:
    """Remove the run's ledgers when they list nothing left on the target."""
    files = run_ledgers(ledger)
    try:
        if ledger_summary(files)[1]:
            return
    except LedgerError:
        return
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink()


def wrong_option(args: list[str]) -> str | None:
    """What is wrong with the first malformed value of a URL option (--target,
    --login-uri, --…-url), --timeout, --principal, --agent, --max-connections or --budget, checked
    before any plugin reads it (one line, where pytest's parser would print its usage);
    None when all are well-formed."""

    def seconds(value: str, what: str) -> object:
        try:
            return check_timeout(float(value), what)
        except ValueError:
            return check_timeout(value, what)

    def whole_number(value: str, what: str) -> object:
        number = int(value) if value.strip().isdigit() else 0
        return check_connections(number if number >= 1 else value, what)  # as typed

    def budget(value: str, what: str) -> object:
        # Not a cycle: the plugin's rooms (Hypothesis with them) load in pytest, not
        # before, unless --budget is given.
        from conformance.plugin.examples import check_budget

        try:
            return check_budget(value)
        except pytest.UsageError as exc:
            raise ProfileError(str(exc)) from None

    for index, arg in enumerate(args):
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name in ("--target", "--login-uri") or (name.startswith("--")
                                                   and name.endswith("-url")):
            check: Callable[[str, str], object] = check_url
        elif name == "--timeout":
            check = seconds
        elif name in ("--principal", "--agent"):
            check = check_uuid
        elif name == "--max-connections":
            check = whole_number
        elif name == "--budget":
            check = budget
        else:
            continue
        if not equals:
            if index + 1 >= len(args) or args[index + 1].startswith("--"):
                return f"{name} needs a value"
            value = args[index + 1]
        try:
            check(value, name)
        except ProfileError as exc:
            return str(exc)
    return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_ino


def _settle(aside: Path, keep_allure: bool) -> None:
    """Move a run's allure results from ``aside`` into reports/."""
    fresh = aside / "allure-results"
    if not fresh.is_dir():
        return
    target = REPORTS / "allure-results"
    if keep_allure and target.is_dir():
        for path in fresh.iterdir():
            os.replace(path, target / path.name)
        return
    old = REPORTS / f".allure-old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


