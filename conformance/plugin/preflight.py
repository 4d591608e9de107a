"""Before the first test and while the run goes on: is the target there, may the suite
write to it, and does everyone reading the output know what is being tested.

* The run header states each service's target, the principal, the mode (read-only or
  writes) and the profile.
* A target that is not on loopback is refused unless the run says ``--read-only`` or
  ``--allow-writes``: the mode is always chosen out loud (exit 4).
* ``--preflight`` (the ``opensim-conformance`` command adds it) probes each configured
  service once with a request that reads, with a short deadline: a service that refuses,
  hangs up, is unknown or stays silent is one line each, and the run ends with exit 2
  before any test.
* A target that stops answering during the run stops it: after
  ``--max-transport-failures`` tests in a row (5 with ``--preflight``) got no answer at
  all, the services are probed again, and the run ends (exit 2, with a line saying so)
  when one does not answer.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import SERVICES as CATALOGUE_SERVICES
from conformance.catalogue import load_catalogue
from conformance.clients.http import keep_bodies_in, no_answer
from conformance.plugin.concurrency import concurrency_line
from conformance.plugin.probes import (
    MISPLACED,
    configured,
    mode_refusal,
    preflight,
    preflight_once,
)
from conformance.plugin.viewer import capability_hosts
from conformance.report.results import incomplete_line, redacted_command
from conformance.run import conformance_run, informational, run_profile
from conformance.target import OPAQUE_SERVICES, SERVICES, ProfileError, check_uuid

#: Tests in a row whose requests got no answer before the run checks whether the
#: target is still there.
MAX_TRANSPORT_FAILURES = 5
#: The exit code of a run that found the target unreachable (pytest's "interrupted").
EXIT_UNREACHABLE = 2
#: What the fail-fast stop says (and how the end of the run recognises it).
STOPPED = "opensim-conformance stopped the run"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance", "protocol conformance target")
    group.addoption("--preflight", action="store_true", default=None,
                    help="probe each service once before the run; a service that does not "
                         "answer ends the run with exit 2 (the opensim-conformance command "
                         "does this unless --no-preflight)")
    group.addoption("--no-preflight", dest="preflight", action="store_false",
                    help="no probe before the run")
    group.addoption("--ca-bundle", metavar="FILE",
                    help="TLS: trust the certificate authorities of this PEM file (a grid "
                         "behind a private CA); default: REQUESTS_CA_BUNDLE or SSL_CERT_FILE, "
                         "else certifi's")
    group.addoption("--insecure", action="store_true", default=None,
                    help="TLS: do not verify certificates (said in the header and in "
                         "results.json)")
    group.addoption("--require", action="append", default=[], metavar="SERVICES",
                    help="fail the run (exit 1) when one of these services (comma-separated: "
                         "asset, xinventory, caps, ais) had no requirement tested, e.g. "
                         "--require ais,caps in CI")
    group.addoption("--max-transport-failures", type=int, metavar="N",
                    help=f"after N tests in a row got no answer, check the target and stop "
                         f"the run when it is gone (0: never; default "
                         f"{MAX_TRANSPORT_FAILURES} with --preflight, else 0)")


# ---------------------------------------------------------------------- before the run


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The write guard said out loud, then the probe (in the controller only)."""
    no_cache_in_the_working_directory(config)
    expand_requirements(config)
    if informational(config):
        return
    reports = config.getoption("results_json") or config.getoption("html_report")
    if reports:  # the curl lines' request bodies go beside the reports
        keep_bodies_in(Path(reports).parent / "bodies")
    config.pluginmanager.register(FailFast(config), "opensim-conformance-failfast")
    if hasattr(config, "workerinput"):
        return
    reporter = config.pluginmanager.getplugin("opensim-conformance-reporter")
    if reporter is not None:
        reporter.results.data["command"] = redacted_command(command_line(config))
    terminal = config.pluginmanager.getplugin("terminalreporter")
    if invoked_by_command() and terminal is not None and hasattr(terminal, "startpath"):
        # progress lines name conformance/suites/…, not a path into site-packages
        terminal.startpath = config.rootpath
    agent = config.getoption("agent", None)
    if agent is not None:
        try:
            check_uuid(agent, "--agent")
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None
    run = conformance_run(config)
    unknown = sorted(set(config.getoption("requirement") or []) - set(run.catalogue))
    if unknown:
        raise pytest.UsageError(f"--requirement names unknown IDs: {', '.join(unknown)} "
                                f"(opensim-conformance requirements lists them)")
    profile = run.profile
    refusal = mode_refusal(profile)
    if refusal:
        raise pytest.UsageError(refusal)
    required_services(config)


def no_cache_in_the_working_directory(config: pytest.Config) -> None:
    """``pytest --pyargs conformance.suites`` outside a project (no ini file, so the
    working directory is the root) writes no ``.pytest_cache/`` there: pytest's
    last-failed and new-first plugins, which write it, are dropped unless asked for."""
    suite_run = bool(config.option.pyargs) and any(
        str(arg).split("::")[0].startswith("conformance.suites") for arg in config.args)
    asked = any(config.getoption(name, None) for name in (
        "lf", "failedfirst", "newfirst", "stepwise", "stepwise_skip", "cacheshow",
        "cacheclear"))
    if (not suite_run or asked or config.inipath is not None
            or config.pluginmanager.get_plugin("lfplugin") is None
            or config.getini("cache_dir") != ".pytest_cache"):
        return
    for name in ("lfplugin", "nfplugin"):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)


#: Characters that make a --requirement value a glob.
GLOB = "*?["


def expand_requirements(config: pytest.Config) -> None:
    """``--requirement`` as users type it: any case (``asset-get-404``) and globs
    (``'ASSET-GET-*'``) stand for the catalogue's IDs; what names nothing is a usage
    error with the nearest IDs."""
    given = config.getoption("requirement", None) or []
    if not given:
        return
    catalogue = list(load_catalogue())
    expanded: list[str] = []
    for value in given:
        wanted = value.strip().upper()
        if any(c in wanted for c in GLOB):
            found = [rid for rid in catalogue if fnmatch.fnmatchcase(rid, wanted)]
        else:
            found = [wanted] if wanted in catalogue else []
        if not found:
            near = difflib.get_close_matches(wanted, catalogue, n=3)
            hint = (f"did you mean {', '.join(near)}? " if near else "")
            raise pytest.UsageError(
                f"--requirement {value}: no such requirement ({hint}a glob such as "
                f"'ASSET-GET-*' selects several; opensim-conformance requirements lists them)")
        expanded += [rid for rid in found if rid not in expanded]
    config.option.requirement = expanded


def required_services(config: pytest.Config) -> list[str]:
    """The services ``--require`` names; an unknown one is a usage error."""
    named = [name.strip() for value in config.getoption("require", None) or []
             for name in value.split(",") if name.strip()]
    unknown = [name for name in named if name not in CATALOGUE_SERVICES]
    if unknown:
        raise pytest.UsageError(f"--require {','.join(unknown)}: not a service (known: "
                                f"{', '.join(CATALOGUE_SERVICES)})")
    return list(dict.fromkeys(named))


def untested(requirements: dict[str, Any], services: list[str]) -> list[str]:
    """The services of ``services`` none of whose requirements had a test run."""
    tested = {entry["service"] for entry in requirements.values()
              if any(test["outcome"] != "skipped" for test in entry["tests"])}
    return [service for service in services if service not in tested]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``--preflight``: probe the services before the session starts (so that nothing
    else is printed); a service that does not answer ends the run here, with exit 2."""
    if hasattr(config, "workerinput") or informational(config):
        return None
    if not config.getoption("preflight", None):
        return None
    try:
        profile = run_profile(config)
    except ProfileError:
        return None  # the plugin's configure reports it as a usage error
    refusal = mode_refusal(profile)
    if refusal:
        raise pytest.UsageError(refusal)
    silent = preflight_once(config, profile)
    if not silent:
        return None
    for line in silent:
        sys.stderr.write(f"opensim-conformance: {line}\n")
    why = ("no service is at its documented path" if silent[0].startswith(MISPLACED)
           else "no TLS connection could be made" if all(
               "TLS handshake failed" in line for line in silent)
           else "the target does not answer")
    sys.stderr.write(f"opensim-conformance: no test was run: {why} "
                     f"(exit {EXIT_UNREACHABLE})\n")
    sys.stderr.flush()
    return EXIT_UNREACHABLE


def invoked_by_command() -> list[str] | None:
    """The arguments of the ``opensim-conformance`` command that started this run."""
    invoked: list[str] | None = getattr(sys.modules.get("conformance.cli"), "INVOKED", None)
    return invoked


def command_line(config: pytest.Config) -> list[str]:
    """The command as typed: ``opensim-conformance …`` when the command started the run
    (without the defaults it adds), else pytest's arguments."""
    invoked = invoked_by_command()
    if invoked is not None:
        return ["opensim-conformance", *invoked]
    return ["pytest", *map(str, config.invocation_params.args)]


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """With -q pytest prints no header: the run still says what it tests (not with -qq)."""
    config = session.config
    terminal = config.pluginmanager.getplugin("terminalreporter")
    if terminal is None or config.get_verbosity() != -1 or informational(config):
        return
    for line in run_header(config):
        terminal.write_line(line)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return run_header(config)


def run_header(config: pytest.Config) -> list[str]:
    """What is being tested, as whom, how: the first lines of every run."""
    if hasattr(config, "workerinput"):
        return []
    run = conformance_run(config)
    profile = run.profile
    if profile.embedded and invoked_by_command() is None:
        return []  # a bare pytest run (the project's self-tests among them) of the embedded
    lines = []
    if profile.embedded:
        lines.append("opensim-conformance target: the embedded reference server")
    else:
        by_url: dict[str, list[str]] = {}
        for service, url in configured(profile):
            by_url.setdefault(url, []).append(service)
        for url, services in by_url.items():
            lines.append(f"opensim-conformance target: {', '.join(services)} {url}")
        missing = [s for s in SERVICES if profile.service_url(s) is None]
        if profile.service_url("login") is not None:
            # the capabilities come from the seed capability the login hands out
            found = [s for s in missing if s in OPAQUE_SERVICES]
            missing = [s for s in missing if s not in found]
            if found:
                lines.append(f"opensim-conformance through the login: {', '.join(found)}")
        if missing:
            lines.append(f"opensim-conformance not tested (no URL): {', '.join(missing)}")
    if any(url.startswith("https:") for url in profile.urls()) or profile.insecure:
        verify = profile.tls_verify()
        lines.append("opensim-conformance TLS: CERTIFICATES NOT VERIFIED (--insecure)"
                     if verify is False else
                     f"opensim-conformance TLS: certificates verified with "
                     f"{verify if isinstance(verify, str) else 'certifi'}")
    refusal = profile.write_refusal()
    mode = "read-only" if refusal else "writes (data the suite owns, removed at the end)"
    source = config.getoption("target_profile")
    lines.append(f"opensim-conformance principal: {profile.principal}; mode: {mode}; "
                 f"profile: {source if source else 'none'}")
    return lines + capability_hosts(config) + concurrency_line(config)


# ---------------------------------------------------------------------- during the run


def runs_tests(config: pytest.Config) -> bool:
    """Whether this process runs tests (serially, or as an xdist worker), not only
    gathers the workers' reports."""
    return hasattr(config, "workerinput") or config.pluginmanager.getplugin("dsession") is None


def got_no_answer(report: pytest.TestReport) -> bool | None:
    """True when the test failed on a request that got no answer at all (refused, reset,
    silent), False when it ran and its last request was answered, None for a report
    that says neither (a skip, a passing setup)."""
    conformance: dict[str, Any] | None = getattr(report, "conformance", None)
    if conformance is None:
        return None
    if report.failed:
        transcript = conformance.get("transcript") or []
        last = transcript[-1] if transcript else None
        return bool(last and no_answer(last.get("status"), last.get("error")))
    if report.when == "call" and report.passed:
        return False
    return None


class FailFast:
    """Counts tests in a row that got no answer, in the process that runs them; past
    the limit, checks the target and stops the run when it is gone."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        limit = config.getoption("max_transport_failures")
        if limit is None:
            limit = MAX_TRANSPORT_FAILURES if config.getoption("preflight") else 0
        self.limit: int = limit
        self.in_a_row = 0
        self.session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        silent = got_no_answer(report)
        if silent is None or self.session is None or self.limit <= 0:
            return
        if not runs_tests(self.config):  # the xdist controller: the workers count
            return
        if not silent:
            self.in_a_row = 0
            return
        self.in_a_row += 1
        if self.in_a_row < self.limit or self.session.shouldstop:
            return
        gone = preflight(conformance_run(self.config).profile)
        if gone:
            self.session.shouldstop = (f"{STOPPED}: {self.in_a_row} tests in a row got no "
                                       f"answer, and {gone[0]}; the remaining tests were not "
                                       f"run")
        self.in_a_row = 0


def stopped_reason(session: pytest.Session) -> str | None:
    """The fail-fast stop's line, when it stopped this run (here or in a worker)."""
    reasons: list[object] = [session.shouldstop]
    dsession = session.config.pluginmanager.getplugin("dsession")
    if dsession is not None:
        reasons.append(getattr(dsession, "shouldstop", None))
    return next((str(r) for r in reasons if isinstance(r, str) and STOPPED in r), None)


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session) -> Any:
    """A run the target stopped answering ends with exit 2 and says so in results.json."""
    reason = stopped_reason(session)
    reporter = session.config.pluginmanager.getplugin("opensim-conformance-reporter")
    if reason and reporter is not None:
        reporter.results.data["stopped"] = reason
    required = required_services(session.config) if reporter is not None else []
    missing = untested(reporter.results.data["requirements"], required) if required else []
    if required:
        reporter.results.data["required"] = {s: s not in missing for s in required}
    try:
        result = yield
    except Exception as exc:
        # A run cut short (Ctrl-C, the fail-fast stop) tears its remaining fixtures down
        # here; one that meets a target gone away must not cost the run its reports.
        cut_short = reporter is not None and (reporter.results.data.get("interrupted")
                                              or reason or session.shouldstop)
        if not cut_short:
            raise
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(f"opensim-conformance: after the run was cut short, a teardown "
                         f"failed: {cause}\n")
        if reporter.results.data.get("duration") is None:  # its results were not written
            reporter.pytest_sessionfinish(session)
        result = None
    if reason:
        session.exitstatus = EXIT_UNREACHABLE
    elif missing and session.exitstatus in (0, 5):
        session.exitstatus = EXIT_REQUIRED
    if (session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
            and not hasattr(session.config, "workerinput")):
        sys.stderr.write(f"opensim-conformance: {nothing_selected(session.config)}\n")
    if missing:
        sys.stderr.write(f"opensim-conformance: --require {','.join(required)}: no "
                         f"requirement of {', '.join(missing)} was tested (exit "
                         f"{EXIT_REQUIRED} unless a worse outcome); give the service's URL "
                         f"({', '.join(HOW_TO_TEST[s] for s in missing)})\n")
    return result


def pytest_unconfigure(config: pytest.Config) -> None:
    """An interrupted run's last line says so, after pytest's count of passed tests."""
    reporter = config.pluginmanager.getplugin("opensim-conformance-reporter")
    terminal = config.pluginmanager.getplugin("terminalreporter")
    if reporter is None or terminal is None or not reporter.results.data.get("interrupted"):
        return
    terminal.write_line(str(incomplete_line(reporter.results.data)), red=True, bold=True)


#: Words of a -m expression that are not markers.
_OPERATORS = {"and", "or", "not", "True", "False"}


def nothing_selected(config: pytest.Config) -> str:
    """Why a run selected no test (exit 5), naming a -m word that is no marker."""
    expression = config.getoption("markexpr", "") or ""
    known = {line.split(":")[0].split("(")[0].strip()
             for line in config.getini("markers")}
    wrong = [word for word in re.findall(r"[A-Za-z_][\w-]*", expression)
             if word not in _OPERATORS and word not in known]
    suite = ("asset", "xinventory", "caps", "ais", "reads", "writes", "destructive")
    if wrong:
        why = (f"-m {expression!r}: {', '.join(wrong)} is no marker of the suite "
               f"(markers: {', '.join(suite)})")
    else:
        why = "the options (-m, -k, --requirement) select none of the suite's tests"
    return f"no test was run: {why} (exit {int(pytest.ExitCode.NO_TESTS_COLLECTED)})"


#: The exit code of a run that did not test a service ``--require`` names.
EXIT_REQUIRED = 1
#: What a service's tests need.
HOW_TO_TEST = {"asset": "--target or --asset-url", "xinventory": "--target or --xinventory-url",
               "caps": "--login-uri", "ais": "--login-uri or --ais-url"}


def reports_due(session: pytest.Session) -> bool:
    """Whether the run leaves reports: not when it collected no test or only listed
    them (the previous run's reports stay as they were)."""
    return bool(session.testscollected) and not session.config.option.collectonly
