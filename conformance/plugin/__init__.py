"""The pytest plugin: options, markers, the target and the embedded reference server,
per-test transcripts, failure reports an implementer can act on, and result files.

Loaded by the ``pytest11`` entry point (conformance.pytest_entry) for a run of the
conformance suites or one given a conformance option, so an installed wheel is enough:
``pytest --pyargs conformance.suites --target URL`` or ``opensim-conformance --target URL``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

from conformance import connections
from conformance.catalogue import load_catalogue, load_observations
from conformance.cleanup import cleanup
from conformance.clients.asset import AssetClient
from conformance.clients.http import HttpClient, SuiteError
from conformance.expect import Observe, begin_test, failed_steps
from conformance.ledger import Ledger
from conformance.plugin.concurrency import workers_of
from conformance.plugin.examples import examples_of
from conformance.plugin.failures import (
    describe,
    example_notes,
    failed_step,
    failure_class,
    shared_setup,
    writes_results,
)
from conformance.plugin.reporting import Reporter
from conformance.report.results import failure_cause
from conformance.run import (
    RUN_KEY,
    ConformanceRun,
    conformance_run,
    informational,
    run_profile,
)
from conformance.target import SERVICES, Profile, ProfileError

#: pytest marker of a service -> the profile services its tests need.
SERVICE_MARKERS = {
    "asset": ("asset",),
    "xinventory": ("xinventory",),
    "caps": ("login", "fetch_inventory", "fetch_descendents", "fetch_lib",
             "fetch_lib_descendents"),
    # AIS3 is found through the login's seed capability, or given with --ais-url.
    "ais": ("ais", "login"),
}


# The plugin's other rooms (viewer, ais, junit, examples, preflight, concurrency) add
# their own fixtures and hooks; conformance.pytest_entry registers them after this one,
# for conformance runs only, and adds every room's options. The run itself is
# conformance.run (which every room and suite imports, never this module); the Reporter
# is in reporting.py, the failure classes in failures.py, the probes in probes.py.

# Self-tests run the suite against injected faults: no shrinking (a failure is the
# point, not its smallest example) and no example database between runs.
settings.register_profile("fault-injection", database=None,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance", "protocol conformance target")
    group.addoption("--target", metavar="URL",
                    help="base URL of the server under test (ROBUST serves /assets and "
                         "/xinventory on one port); none: the embedded reference server")
    for service in SERVICES:
        flag = service.replace("_", "-")
        group.addoption(f"--{flag}-url", dest=f"{service}_url", metavar="URL",
                        help=f"URL of the {flag} service (overrides --target)")
    group.addoption("--target-profile", metavar="FILE", type=Path,
                    help="TOML profile: URLs, principal, credentials, expectations")
    group.addoption("--timeout", dest="conformance_timeout", type=float, metavar="SECONDS",
                    help="timeout of each request (default 10)")
    group.addoption("--max-body-size", dest="max_body_size", metavar="SIZE",
                    help="the largest answer body read, in bytes or with a unit (KiB, MiB, "
                         "GiB); a larger one fails its exchange (default 64MiB)")
    group.addoption("--max-connections", dest="max_connections", type=int, metavar="N",
                    help="at most N requests under way to the target at once, all xdist "
                         "workers together (default 8; the embedded reference server: "
                         "each worker alone)")
    group.addoption("--read-only", action="store_true", default=None,
                    help="send no request that writes; tests that write are skipped")
    group.addoption("--allow-writes", action="store_true", default=None,
                    help="allow writes to a target that is not on loopback")
    group.addoption("--principal", metavar="UUID",
                    help="the principal the suite acts as (default: a fresh UUID per run)")
    group.addoption("--requirement", action="append", default=[], metavar="ID",
                    help="run only the tests of this requirement (repeatable)")
    group.addoption("--results-json", metavar="FILE", type=Path,
                    help="write requirement -> outcome, with transcripts, to FILE")
    group.addoption("--html-report", metavar="FILE", type=Path,
                    help="write a self-contained HTML report to FILE")
    group.addoption("--baseline", metavar="FILE", type=Path,
                    help="compare with the results.json of an earlier run")
    group.addoption("--ledger", metavar="FILE", type=Path,
                    help="the run ledger of created objects (default: in the temp folder)")
    group.addoption("--write-profile", metavar="FILE", type=Path,
                    help="after the run, write a target profile expecting what it failed "
                         "(each reason the cause seen, marked REVIEW)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id, ...): the catalogue requirement(s) "
                                       "the test checks")
    for service in SERVICE_MARKERS:
        config.addinivalue_line("markers", f"{service}: a test of the {service} service")
    config.addinivalue_line("markers", "reads: the test only reads from the target")
    config.addinivalue_line("markers", "writes: the test writes data it owns to the target")
    config.addinivalue_line("markers", "destructive: the test deletes data it owns")
    config.addinivalue_line("markers", "requests(n): the test sends about n requests (far "
                                       "more than most): its module starts first")
    try:
        profile = run_profile(config)
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    interrupt_on_sigterm(config)
    HttpClient.max_body_size = profile.max_body_size  # every client of this run
    catalogue = load_catalogue()
    unknown = sorted(set(profile.expectations) - set(catalogue))
    if unknown:
        raise pytest.UsageError(
            f"the target profile's expectations name unknown requirements: {', '.join(unknown)}"
        )
    workerinput = getattr(config, "workerinput", {})
    worker = workerinput.get("workerid", "main")
    if worker == "main":
        ledger = config.getoption("ledger") or Path(tempfile.gettempdir()) / (
            f"opensim-conformance-ledger-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-"
            f"{uuid.uuid4().hex[:6]}.jsonl")
    else:
        # One run, one ledger and one principal, whatever the number of workers.
        ledger = Path(workerinput["opensim_conformance_ledger"])
        profile.principal = workerinput["opensim_conformance_principal"]
    run = ConformanceRun(profile, catalogue, Ledger(ledger), worker)
    run.connections_folder = configure_connections(config, profile)
    run.shared_embedded = workerinput.get("opensim_conformance_embedded")
    run.serve_apart = worker == "main" and bool(getattr(config.option, "numprocesses", None))
    if run.serve_apart and profile.embedded and not informational(config):
        run.embedded_url()  # the server process starts while the workers do
    config.stash[RUN_KEY] = run
    if worker == "main":
        config.pluginmanager.register(Reporter(run, config), "opensim-conformance-reporter")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker writes to the run's ledger, acts as the run's principal and,
    with no target given, uses the one embedded reference server the controller runs."""
    run = conformance_run(node.config)
    node.workerinput["opensim_conformance_ledger"] = str(run.ledger.path)
    node.workerinput["opensim_conformance_principal"] = run.profile.principal
    if run.connections_folder is not None:
        node.workerinput["opensim_conformance_connections"] = str(run.connections_folder)
    if run.profile.embedded:
        node.workerinput["opensim_conformance_embedded"] = run.embedded_url()


def interrupt_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (what CI cancellation and ``docker stop`` send) interrupts the run as
    SIGINT does: pytest's interruption path runs, so the run cleans up what it created,
    logs out and says "interrupted"."""
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    config.pluginmanager.register(Interruption(config), "opensim-conformance-interruption")

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    config.add_cleanup(restore)


class Interruption:
    """Says that the run was interrupted, and by what, as it starts to wind down."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        terminal = self.config.pluginmanager.getplugin("terminalreporter")
        if terminal is None or hasattr(self.config, "workerinput"):
            return
        cause = "SIGTERM" if str(excinfo.value) == "SIGTERM" else "SIGINT"
        terminal.write_line(f"opensim-conformance: interrupted ({cause}): what the run "
                            f"created is removed and the login logged out before it ends")


def configure_connections(config: pytest.Config, profile: Profile) -> Path | None:
    """At most ``profile.max_connections`` requests under way, all processes of the run
    together: an xdist controller runs the token server its workers share (see
    conformance.connections); it returns the server's folder, removed at the end.
    The embedded reference server is the run's own, made to take a thousand connections
    at once: there each process keeps within the limit alone, and no request waits on a
    token from the controller (a round trip between processes, which cost a run with
    ``-n 2`` half a second of its seven)."""
    workerinput = getattr(config, "workerinput", {})
    if "opensim_conformance_connections" in workerinput:
        connections.configure(profile.max_connections,
                              Path(workerinput["opensim_conformance_connections"]))
        return None
    shared = workers_of(config) > 1 and not profile.embedded
    folder = connections.share_limit(profile.max_connections) if shared else None
    connections.configure(profile.max_connections, folder)
    return folder


# ---------------------------------------------------------------------- collection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = conformance_run(config)
    wanted = set(config.getoption("requirement"))
    unknown_wanted = wanted - set(run.catalogue)
    if unknown_wanted:
        raise pytest.UsageError(f"--requirement names unknown IDs: {sorted(unknown_wanted)}")
    kept, deselected = [], []
    for item in items:
        ids = requirement_ids(item)
        if not ids:
            kept.append(item)
            continue
        unknown = [rid for rid in ids if rid not in run.catalogue]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid} names unknown requirements: {unknown}")
        if wanted and not wanted.intersection(ids):
            deselected.append(item)
            continue
        kept.append(item)
        prepare_item(run, item, ids)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def option_of(service: str) -> str:
    """The option that gives a service's URL (the login's is --login-uri)."""
    return "--login-uri" if service == "login" else f"--{service.replace('_', '-')}-url"


def requirement_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for marker in item.iter_markers("requirement"):
        ids.extend(rid for rid in marker.args if rid not in ids)
    return ids


def prepare_item(run: ConformanceRun, item: pytest.Item, ids: list[str]) -> None:
    """Skips for services without a URL and for writes the run may not make, the
    implementer's expectations, and allure labels that mirror the catalogue."""
    first = run.catalogue[ids[0]]
    item.add_marker(pytest.mark.allure_label(first.service, label_type="epic"))
    item.add_marker(pytest.mark.allure_label(first.section, label_type="feature"))
    for rid in ids:
        item.add_marker(pytest.mark.allure_label(rid, label_type="story"))
    for marker, services in SERVICE_MARKERS.items():
        if item.get_closest_marker(marker) and not any(run.serves(s) for s in services):
            where = ("the embedded reference server does not serve it" if run.profile.embedded
                     else f"no URL given ({option_of(services[0])})")
            item.add_marker(pytest.mark.skip(reason=f"{marker} service not tested: {where}"))
            return
    if item.get_closest_marker("writes") or item.get_closest_marker("destructive"):
        refusal = run.profile.write_refusal()
        if refusal:
            item.add_marker(pytest.mark.skip(reason=f"writes, and {refusal}"))
            return
    for rid in ids:
        expectation = run.profile.expectations.get(rid)
        if expectation is None:
            continue
        if expectation.outcome == "skip":
            item.add_marker(pytest.mark.skip(reason=f"{rid} skipped by the target profile: "
                                                    f"{expectation.reason}"))
        else:
            # Not strict: a requirement is expected to fail as a whole, so some of its
            # tests may pass; the Reporter fails the run only when all of them pass.
            item.add_marker(pytest.mark.xfail(strict=False, reason=f"{rid} expected to fail "
                                                                   f"(target profile): "
                                                                   f"{expectation.reason}"))


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def run(pytestconfig: pytest.Config) -> ConformanceRun:
    """The run: profile, catalogue, ledger, recorder."""
    return conformance_run(pytestconfig)


@pytest.fixture(scope="session")
def principal(run: ConformanceRun) -> str:
    """The principal the suite acts as and owns everything it writes under."""
    return run.profile.principal


@pytest.fixture(scope="session")
def assets(run: ConformanceRun) -> Iterator[AssetClient]:
    """A client of the target's asset service."""
    http = run.http("asset")
    yield AssetClient(http, run.ledger, run.profile.principal)
    http.close()


@pytest.fixture
def observe(run: ConformanceRun) -> Observe:
    """Note what the target did beside the verdict: results.json, the HTML report and
    the terminal summary show it (e.g. "re-POST kept the original data"), under an
    observation ID where one is given (``about="OBS-…"``, conformance/observations.toml)."""
    known = load_observations()

    def note(text: str, about: str | None = None) -> None:
        if about is not None and about not in known:
            raise SuiteError(f"unknown observation {about} (conformance/observations.toml)")
        run.recorder.observe(text, about)
    return note


# ---------------------------------------------------------------------- reporting


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    recorder = conformance_run(item.config).recorder
    recorder.start()
    begin_test(recorder)
    name_bytes_parameters(item)


def name_bytes_parameters(item: pytest.Item) -> None:
    """Parameters that are ``bytes`` get a value of their own in the allure results
    (allure shows any ``bytes`` as "<class 'bytes'>", so the cases of one test would
    look alike and merge in its report): what the bytes are, or, when long, how they
    begin, how many there are and a digest."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    shown = {name: bytes_shown(value) for name, value in params.items()
             if isinstance(value, bytes | bytearray)}
    if not shown or not item.config.pluginmanager.hasplugin("allure_pytest"):
        return
    import allure  # optional: imported only when its pytest plugin is loaded

    for name, value in shown.items():
        allure.dynamic.parameter(name, value)


def bytes_shown(value: bytes | bytearray, limit: int = 80) -> str:
    text = repr(bytes(value))
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(value).hexdigest()[:12]
    return f"{bytes(value[:limit // 2])!r}… ({len(value)} bytes, sha256 {digest}…)"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    ids = requirement_ids(item)
    if not ids:
        return report
    run = conformance_run(item.config)
    exchanges = shared_setup(call, list(run.recorder.exchanges))
    report.user_properties.append(("requirement", " ".join(ids)))
    # The transcript goes with the report that carries the test's outcome (its call, or
    # the setup or teardown that did not pass); a passing call's only when a results file
    # will show it. Writing transcripts out (and shipping them from an xdist worker)
    # costs CPU that nobody reads otherwise.
    told = not report.passed or (call.when == "call" and writes_results(item.config))
    conformance: dict[str, Any] = {
        "requirements": ids,
        "transcript": [exchange.to_json() for exchange in exchanges] if told else [],
        "observations": list(run.recorder.observations),
    }
    examples = examples_of(item)
    if examples is not None and call.when == "call":
        conformance["examples"] = examples
    steps = failed_steps()
    if steps:  # each the failure of the requirement it names, whichever test ran it
        conformance["failed_steps"] = [failed_step(run, step) for step in steps]
    report.conformance = conformance  # type: ignore[attr-defined]
    if call.excinfo is None or call.excinfo.errisinstance(pytest.skip.Exception):
        return report
    kind = failure_class(call.excinfo.value, call.when)
    conformance["outcome"] = kind
    conformance["cause"] = failure_cause(call.excinfo)
    blocker = getattr(call.excinfo.value, "requirement", None)
    if kind == "blocked" and isinstance(blocker, str):
        conformance["blocked_by"] = blocker
    report.user_properties.append(("outcome", kind))
    if kind != "failed" and hasattr(report, "wasxfail"):
        # The profile expects the requirement to fail; a blocked test or a bug of the
        # suite is no such failure.
        del report.wasxfail
        report.outcome = "failed"
    if not report.failed:
        return report
    text = "\n".join(run.catalogue[rid].cite() for rid in ids)
    notes = "".join(f"\n{note}" for note in example_notes(call.excinfo.value))
    if kind == "failed":
        report.longrepr = (f"{text}\n\nFailed: {conformance['cause']}{notes}\n\n"
                           f"{describe(exchanges)}")
    elif kind == "blocked":
        what = ("Blocked (not judged)" if call.when != "teardown" else
                "The target failed a step after the test (teardown)")
        report.longrepr = (f"{text}\n\n{what}: {conformance['cause']}{notes}"
                           f"\n\n{describe(exchanges)}")
    else:
        report.sections.append(("suite error (a bug of the suite, not of the target)",
                                f"{text}\n\n{describe(exchanges)}"))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or the only process) removes what the run created, once every
    worker is done, before it writes the results."""
    run = conformance_run(session.config)
    if run.worker == "main":
        cleanup(run.profile, run.ledger, unreachable=run.unreachable)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The embedded server stops last: a run cut short (Ctrl-C) tears its remaining
    fixtures down after the session's cleanup, and they still talk to it."""
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.close()
