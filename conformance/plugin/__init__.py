"""The pytest plugin: options, markers, the target and the embedded reference server,
per-test transcripts, failure reports an implementer can act on, and result files.

Loaded by the ``pytest11`` entry point (conformance.pytest_entry) for a run of the
conformance suites or one given a conformance option, so an installed wheel is enough:
``pytest --pyargs conformance.suites --target URL`` or ``opensim-conformance --target URL``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

from conformance.catalogue import Requirement, load_catalogue, load_observations
from conformance.clients.asset import AssetClient
from conformance.clients.http import (
    Exchange,
    HttpClient,
    Recorder,
    SuiteError,
    TargetFailure,
    use_tls,
)
from conformance.expect import Blocked, FailedStep, Observe, begin_test, failed_steps
from conformance.ledger import Ledger
from conformance.report.results import Results, failure_cause, test_outcome
from conformance.target import (
    SERVICES,
    Profile,
    ProfileError,
    check_ca_bundle,
    check_connections,
    check_size,
    check_timeout,
    check_url,
    check_uuid,
    load_profile,
)

#: pytest marker of a service -> the profile services its tests need.
SERVICE_MARKERS = {
    "asset": ("asset",),
    "xinventory": ("xinventory",),
    "caps": ("login", "fetch_inventory", "fetch_descendents", "fetch_lib",
             "fetch_lib_descendents"),
    # AIS3 is found through the login's seed capability, or given with --ais-url.
    "ais": ("ais", "login"),
}
#: Services the embedded reference server answers.
EMBEDDED_SERVICES = ("asset", "xinventory", "login", "fetch_inventory", "fetch_descendents",
                     "fetch_lib", "fetch_lib_descendents")
#: How many exchanges a failure report shows (the last ones).
EXCHANGES_SHOWN = 3

RUN_KEY = pytest.StashKey["ConformanceRun"]()

# The plugin's other rooms (viewer, ais, junit, examples, preflight, concurrency) add
# their own fixtures and hooks; conformance.pytest_entry registers them after this one,
# for conformance runs only, and adds every room's options.

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
                         "workers together (default 8)")
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
        profile = build_profile(config)
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
    if run.serve_apart and profile.embedded:
        from conformance.plugin.preflight import informational

        if not informational(config):
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
    conformance.connections); it returns the server's folder, removed at the end."""
    from conformance import connections
    from conformance.plugin.concurrency import workers_of

    workerinput = getattr(config, "workerinput", {})
    if "opensim_conformance_connections" in workerinput:
        connections.configure(profile.max_connections,
                              Path(workerinput["opensim_conformance_connections"]))
        return None
    folder = connections.share_limit(profile.max_connections) if workers_of(config) > 1 \
        else None
    connections.configure(profile.max_connections, folder)
    return folder


def build_profile(config: pytest.Config) -> Profile:
    profile = load_profile(config.getoption("target_profile"))
    if config.getoption("target") is not None:
        profile.target = check_url(config.getoption("target"), "--target")
    for service in SERVICES:
        url = config.getoption(f"{service}_url")
        if url is not None:
            profile.services[service] = check_url(url, f"--{service.replace('_', '-')}-url")
    if config.getoption("conformance_timeout") is not None:
        profile.timeout = check_timeout(config.getoption("conformance_timeout"), "--timeout")
    if config.getoption("max_body_size") is not None:
        profile.max_body_size = check_size(config.getoption("max_body_size"), "--max-body-size")
    if config.getoption("read_only"):
        profile.read_only = True
    if config.getoption("allow_writes"):
        profile.allow_writes = True
    if config.getoption("principal") is not None:
        profile.principal = check_uuid(config.getoption("principal"), "--principal")
    if config.getoption("ca_bundle", None) is not None:
        profile.ca_bundle = check_ca_bundle(config.getoption("ca_bundle"), "--ca-bundle")
    if config.getoption("insecure", None):
        profile.insecure = True
    use_tls(profile.tls_verify())
    if config.getoption("max_connections") is not None:
        profile.max_connections = check_connections(config.getoption("max_connections"),
                                                    "--max-connections")
    return profile


@dataclass
class ConformanceRun:
    """What one pytest process knows about the run."""

    profile: Profile
    catalogue: dict[str, Requirement]
    ledger: Ledger
    worker: str
    recorder: Recorder = field(default_factory=Recorder)
    embedded: Any = None
    embedded_dir: Any = None
    #: The embedded server an xdist controller runs for its workers.
    shared_embedded: str | None = None
    #: Whether the embedded server runs in a process of its own (xdist's controller).
    serve_apart: bool = False
    #: URLs that hung or hung up on a cleanup of this run: later cleanups skip them.
    unreachable: set[str] = field(default_factory=set)
    #: The slot files of the run's connection limit (an xdist controller's; removed).
    connections_folder: Path | None = None

    def serves(self, service: str) -> bool:
        """Whether the run has a URL for ``service`` (without starting anything)."""
        if self.profile.embedded:
            return service in EMBEDDED_SERVICES
        return self.profile.service_url(service) is not None

    def service_url(self, service: str) -> str | None:
        if self.profile.embedded:
            return self.embedded_url() if service in EMBEDDED_SERVICES else None
        return self.profile.service_url(service)

    def embedded_url(self) -> str:
        """Start the reference server on first use: loopback, ephemeral port, temp SQLite;
        in a thread of this process, or (``serve_apart``: for xdist workers) in a process
        of its own, where the server has an interpreter to itself."""
        if self.shared_embedded is not None:
            return self.shared_embedded
        if self.embedded is None:
            from conformance.reference.app import create_app
            from conformance.reference.server import ServerProcess, ServerThread

            self.embedded_dir = tempfile.TemporaryDirectory(prefix="opensim-conformance-")
            database = Path(self.embedded_dir.name) / "reference.sqlite"
            self.embedded = (ServerProcess(str(database)) if self.serve_apart
                             else ServerThread(create_app(database)))
            self.embedded.start()
        return str(self.embedded.url)

    def http(self, service: str) -> HttpClient:
        url = self.service_url(service)
        if url is None:
            pytest.skip(f"{service} service not tested: no URL given")
        client = HttpClient(url, timeout=self.profile.timeout, recorder=self.recorder,
                            read_only=self.profile.write_refusal() is not None)
        if self.profile.username is not None:
            client.session.auth = (self.profile.username, self.profile.password or "")
        return client

    def close(self) -> None:
        if self.connections_folder is not None:
            from conformance import connections

            connections.stop_sharing(self.connections_folder)
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded_dir.cleanup()


def conformance_run(config: pytest.Config) -> ConformanceRun:
    return config.stash[RUN_KEY]


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
    import allure

    for name, value in shown.items():
        allure.dynamic.parameter(name, value)


def bytes_shown(value: bytes | bytearray, limit: int = 80) -> str:
    text = repr(bytes(value))
    if len(text) <= limit:
        return text
    import hashlib

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
    from conformance.plugin.examples import examples_of

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


def failed_step(run: ConformanceRun, step: FailedStep) -> dict[str, Any]:
    """A failed step as results.json records it under its requirement."""
    requirement = run.catalogue.get(step.requirement)
    cited = f"{requirement.cite()}\n\n" if requirement is not None else ""
    return {"requirement": step.requirement, "step": step.step, "cause": step.cause,
            "message": f"{cited}Failed: {step.step}: {step.cause}\n\n"
                       f"{describe(step.exchanges)}",
            "transcript": [exchange.to_json() for exchange in step.exchanges]}


def writes_results(config: pytest.Config) -> bool:
    """Whether the run writes results.json or the HTML report (which show every test's
    exchanges)."""
    return bool(config.getoption("results_json") or config.getoption("html_report"))


def shared_setup(call: pytest.CallInfo[None], exchanges: list[Exchange]) -> list[Exchange]:
    """The exchanges that tell what went wrong: the test's own, or, when a fixture shared
    by several tests failed before (pytest raises its error again for each of them, and
    they send nothing), those of the test that ran the fixture."""
    error = call.excinfo.value if call.excinfo is not None else None
    if error is None:
        return exchanges
    if exchanges:
        if not hasattr(error, "conformance_exchanges"):
            with contextlib.suppress(AttributeError, TypeError):
                error.conformance_exchanges = exchanges  # type: ignore[attr-defined]
        return exchanges
    return list(getattr(error, "conformance_exchanges", exchanges))


def failure_class(exc: BaseException, when: str) -> str:
    """Whose failure an exception is: "failed" (the target broke the requirement: a
    failed check or a transport failure in the test itself), "blocked" (the target
    failed a step the test needs first, a ``step()`` or a fixture, or a step after it:
    a target that went away during the teardown) or "suite-error" (anything else: a
    bug of the suite, never blamed on the target)."""
    leaves = list(exception_leaves(exc))
    if not all(isinstance(e, TargetFailure | Blocked) for e in leaves):
        return "suite-error"
    if when == "call" and any(isinstance(e, TargetFailure) for e in leaves):
        return "failed"
    return "blocked"


def exception_leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions an exception group (Hypothesis raises one for several distinct
    failures) holds, or the exception itself."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from exception_leaves(inner)
    else:
        yield exc


def example_notes(exc: BaseException) -> list[str]:
    """What Hypothesis notes on a failure: the falsifying example and its steps."""
    notes = [str(note) for note in getattr(exc, "__notes__", [])]
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            notes += example_notes(inner)
    return notes


def describe(exchanges: list[Exchange]) -> str:
    if not exchanges:
        return "(no request was sent)"
    shown = exchanges[-EXCHANGES_SHOWN:]
    skipped = len(exchanges) - len(shown)
    head = [f"({skipped} earlier exchanges in the results file)"] if skipped else []
    return "\n\n".join(head + [exchange.describe() for exchange in shown])


class Reporter:
    """Collects test outcomes by requirement (in the controller when run under xdist,
    where workers' reports arrive with their ``conformance`` attribute) and writes the
    result files at the end."""

    def __init__(self, run: ConformanceRun, config: pytest.Config) -> None:
        self.run = run
        self.config = config
        self.results = Results(run.catalogue, run.profile)
        from conformance.plugin.examples import run_budget, run_seed

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
            from conformance.report.results import EXIT_INTERRUPTED

            session.exitstatus = EXIT_INTERRUPTED
        if self.baseline is not None:
            from conformance.report.compare import compare_runs

            path, data = self.baseline
            self.results.data["baseline"] = {"path": str(path),
                                             **compare_runs(data, self.results.data)}
        from conformance.plugin.preflight import reports_due

        if not reports_due(session):  # nothing collected: the last reports stay as they are
            return
        drafted = self.config.getoption("write_profile")
        if drafted:
            from conformance.report.profile import write_profile

            write_profile(self.results.data, drafted)
        path = self.config.getoption("results_json")
        if path:
            self.results.write_json(path)
        html = self.config.getoption("html_report")
        if html:
            from conformance.report.html import write_html

            write_html(self.results.data, html)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from conformance.report.results import incomplete_line

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
            from conformance.report.compare import summary_lines

            terminalreporter.write_line("")
            for line in summary_lines(comparison, comparison["path"]):
                terminalreporter.write_line(line)


def read_baseline(config: pytest.Config) -> tuple[Path, dict[str, Any]] | None:
    """The earlier run ``--baseline`` names; one that cannot be read is a usage error,
    said before the run."""
    path = config.getoption("baseline")
    if not path:
        return None
    from conformance.report.compare import CompareError, load_results

    try:
        return path, load_results(path)
    except CompareError as exc:
        raise pytest.UsageError(f"--baseline: {exc}") from None


def ledger_files(path: Path) -> list[Path]:
    """The ledger of this run and those of its xdist workers (never another run's)."""
    from conformance.ledger import run_ledgers

    return run_ledgers(path)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or the only process) removes what the run created, once every
    worker is done, before it writes the results."""
    from conformance.cleanup import cleanup

    run = conformance_run(session.config)
    if run.worker == "main":
        cleanup(run.profile, run.ledger, unreachable=run.unreachable)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The embedded server stops last: a run cut short (Ctrl-C) tears its remaining
    fixtures down after the session's cleanup, and they still talk to it."""
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.close()
