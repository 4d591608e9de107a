"""The viewer's side of a run: login, seed capability, capability URLs.

Options: ``--login-uri URL`` with ``--avatar "First Last"`` and ``--password`` (or the
environment variable OPENSIM_CONFORMANCE_PASSWORD; never shown anywhere), or explicit
capability URLs (``--fetch-inventory-url``, ``--fetch-descendents-url``,
``--fetch-lib-url``, ``--fetch-lib-descendents-url``, which the main room adds for every
service) with ``--agent UUID``. The session fixture ``viewer`` logs in once per run and
logs out at the end; against the embedded target it logs in to the embedded server as
its default avatar.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.clients.http import READ_METHODS, Exchange, HttpClient, Recorder, TargetFailure
from conformance.clients.xinventory import XInventoryClient
from conformance.expect import step
from conformance.run import ConformanceRun, conformance_run, informational
from conformance.target import host_of
from conformance.viewer import REDACTED, LoginFailed, Viewer, log_in, password_hash
from conformance.wire.xinventory import parse_response
from conformance.wire.xml import WireError

PASSWORD_ENV = "OPENSIM_CONFORMANCE_PASSWORD"
#: The avatar of the embedded reference server (``opensim-conformance serve``'s default).
DEFAULT_AVATAR = "Conformance Tester"
DEFAULT_PASSWORD = "conformance"
#: Explicit capability URL options: profile service -> capability name.
EXPLICIT_CAPABILITIES = {
    "fetch_inventory": "FetchInventory2",
    "fetch_descendents": "FetchInventoryDescendents2",
    "fetch_lib": "FetchLib2",
    "fetch_lib_descendents": "FetchLibDescendents2",
}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance-viewer", "the viewer's login and capabilities")
    group.addoption("--login-uri", dest="login_url", metavar="URL",
                    help="the grid's login URI (XML-RPC login_to_simulator); the suite logs "
                         "in and takes the capability URLs from the seed capability")
    group.addoption("--avatar", metavar="'FIRST LAST'", help="the avatar to log in as")
    group.addoption("--password", dest="avatar_password", metavar="PASSWORD",
                    help=f"the avatar's password (or the environment variable {PASSWORD_ENV})")
    group.addoption("--agent", metavar="UUID",
                    help="the agent whose explicit capability URLs are given")


@pytest.fixture(scope="session")
def viewer(pytestconfig: pytest.Config) -> Iterator[Viewer]:
    """The logged-in viewer: agent, inventory root, library, capability URLs."""
    run = conformance_run(pytestconfig)
    explicit = {name: run.profile.services[service]
                for service, name in EXPLICIT_CAPABILITIES.items()
                if service in run.profile.services}
    login_url = run.service_url("login")
    shared = getattr(pytestconfig, "workerinput", {}).get(SHARED_KEY)
    if shared is None and login_url and SHARED_LOGIN in pytestconfig.stash:
        # the header's login (which named the capability hosts): the controller logs out
        shared = pytestconfig.stash[SHARED_LOGIN]
        pytestconfig.stash[SHARED_LOGIN] = {**shared, "transcript": []}
    if login_url:
        avatar, password = credentials(pytestconfig)
        with step(f"could not log in as {avatar} at {login_url}"):
            viewer = (from_controller(shared, run) if shared is not None else
                      log_in(login_url, avatar, password, timeout=run.profile.timeout,
                             recorder=run.recorder))
        viewer.capabilities.update(explicit)
    elif explicit:
        agent = pytestconfig.getoption("agent")
        if not agent:
            pytest.skip("caps not tested: explicit capability URLs need --agent UUID")
        viewer = Viewer(agent_id=str(agent), inventory_root=root_through_xinventory(run, agent),
                        capabilities=explicit)
    else:
        pytest.skip("caps not tested: no --login-uri")
    yield viewer
    viewer.logout()


# ---------------------------------------------------------------------- the write guard


class CapabilityClient(HttpClient):
    """A client of a capability URL a login or a seed capability handed out. Where the
    run may write but not to this capability's host (not on loopback, no --allow-writes),
    a request that writes is never sent and the test that needs it is skipped with the
    reason; where the run may not write at all, it is refused as by every client."""

    def __init__(self, url: str, *, refusal: str | None, **kwargs: Any) -> None:
        super().__init__(url, read_only=refusal is not None, **kwargs)
        self.refusal = refusal

    def request(self, method: str, path: str, *, body: bytes = b"",
                headers: Any = None, writes: bool | None = None) -> Exchange:
        if writes is None:
            writes = method.upper() not in READ_METHODS
        if writes and self.refusal is not None:
            self.recorder.record(Exchange(method.upper(), self.base_url + path,
                                          dict(headers or {}), body,
                                          error=f"not sent: {self.refusal}"))
            pytest.skip(f"writes, and {self.refusal}")
        return super().request(method, path, body=body, headers=headers, writes=writes)


def capability_client(run: ConformanceRun, url: str) -> HttpClient:
    """A client of ``url`` guarded as ``--target`` is (``Profile.write_refusal_for``)."""
    if run.profile.write_refusal() is not None:
        return HttpClient(url, timeout=run.profile.timeout, recorder=run.recorder,
                          read_only=True)
    return CapabilityClient(url, refusal=run.profile.write_refusal_for(url),
                            timeout=run.profile.timeout, recorder=run.recorder)


def capability_hosts(config: pytest.Config) -> list[str]:
    """Header lines: the hosts of the capabilities the run's login handed out (it logs in
    here, once for the run), and whether the run may write to each."""
    run = conformance_run(config)
    if run.profile.embedded or informational(config) or not run.service_url("login"):
        return []
    shared = controller_login(config) or {}
    if "error" in shared:
        return [f"opensim-conformance login: {shared['error']}"]
    by_host: dict[str, list[tuple[str, str]]] = {}
    for name, url in sorted(shared.get("viewer", {}).get("capabilities", {}).items()):
        by_host.setdefault(host_of(url), []).append((name, url))
    lines = []
    for host, granted in by_host.items():
        refusal = run.profile.write_refusal()
        if refusal is None and run.profile.write_refusal_for(granted[0][1]) is not None:
            refusal = "not on loopback, and no --allow-writes"
        mode = "writes" if refusal is None else f"no writes: {refusal}"
        lines.append(f"opensim-conformance capabilities on {host}: "
                     f"{', '.join(name for name, _ in granted)} ({mode})")
    return lines or ["opensim-conformance capabilities: none granted by the seed capability"]


# ---------------------------------------------------------------------- xdist

#: workerinput key: the controller's login, which every worker acts as.
SHARED_KEY = "opensim_conformance_viewer"
SHARED_LOGIN = pytest.StashKey["dict[str, Any]"]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: the controller logs in once, before the first worker starts, and every
    worker acts as that viewer: a run logs the avatar in once whatever the number of
    workers (a second login of the same avatar can end the first session on a real
    grid). A login that failed reaches each worker as its cause and transcript."""
    config: pytest.Config = node.config
    shared = controller_login(config)
    if shared is not None:
        node.workerinput[SHARED_KEY] = shared


def controller_login(config: pytest.Config) -> dict[str, Any] | None:
    """The run's one login, made on first call (None: the run has no login URI)."""
    if SHARED_LOGIN in config.stash:
        return config.stash[SHARED_LOGIN]
    run = conformance_run(config)
    login_url = run.service_url("login")
    if not login_url:
        return None
    avatar, password = credentials(config)
    recorder = Recorder()
    shared: dict[str, Any]
    try:
        viewer = log_in(login_url, avatar, password, timeout=run.profile.timeout,
                        recorder=recorder)
    except TargetFailure as exc:
        shared = {"error": str(exc)}
    else:
        shared = {"viewer": {**dataclasses.asdict(viewer), "logged_out": True}}
        config.stash[LOGGED_IN] = viewer
    shared["transcript"] = [exchange_fields(exchange) for exchange in recorder.exchanges]
    config.stash[SHARED_LOGIN] = shared
    return shared


LOGGED_IN = pytest.StashKey[Viewer]()


def from_controller(shared: dict[str, Any], run: ConformanceRun) -> Viewer:
    """The controller's login as a worker sees it: its exchanges in the first test's
    transcript, the viewer (which the worker does not log out), or the login's failure."""
    for fields in shared.get("transcript", []):
        run.recorder.record(Exchange(**{**fields,
                                        "request_body": fields["request_body"].encode("latin-1"),
                                        "body": fields["body"].encode("latin-1")}))
    if "error" in shared:
        raise LoginFailed(shared["error"])
    fields = dict(shared["viewer"])
    if fields.get("simulator") is not None:
        fields["simulator"] = tuple(fields["simulator"])
    return Viewer(**fields)


def exchange_fields(exchange: Exchange) -> dict[str, Any]:
    """An exchange as plain data a worker can rebuild (bodies as latin-1 text)."""
    fields = dataclasses.asdict(exchange)
    fields["request_body"] = exchange.request_body.decode("latin-1")
    fields["body"] = exchange.body.decode("latin-1")
    return fields


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller logs its one login out once every worker is done."""
    viewer = session.config.stash.get(LOGGED_IN, None)
    if viewer is not None:
        viewer.logout()


def credentials(config: pytest.Config) -> tuple[str, str]:
    """The avatar and password to log in with; by default the reference server's
    (``opensim-conformance serve``), which a real grid refuses: give --avatar and
    --password there. The password is a Secret: its repr (what ``-l`` shows of a
    traceback's locals) hides it."""
    avatar = config.getoption("avatar") or DEFAULT_AVATAR
    password = (config.getoption("avatar_password") or os.environ.get(PASSWORD_ENV)
                or DEFAULT_PASSWORD)
    return avatar, Secret(password)


# ---------------------------------------------------------------------- secrets


class Secret(str):
    """A password: a str to every use, but its repr never shows it."""

    def __repr__(self) -> str:
        return repr(REDACTED)


def secrets_of(config: pytest.Config) -> list[str]:
    """What no report may show: the avatar's password given to this run, its hash as the
    login sends it, and the HTTP Basic password of the profile (the reference server's
    public default password is not a secret)."""
    found = []
    password = config.getoption("avatar_password", None) or os.environ.get(PASSWORD_ENV)
    if password and password != DEFAULT_PASSWORD:
        hashed = password_hash(password)
        found += [password, hashed, hashed.removeprefix("$1$")]
    profile_password = conformance_run(config).profile.password
    if profile_password:
        found.append(profile_password)
    return sorted(set(found), key=len, reverse=True)


def scrub(value: Any, secrets: list[str], depth: int = 0) -> Any:
    """``value`` with every secret replaced by (redacted): strings, bytes, lists, dicts
    and the attributes of pytest's report objects, walked in place."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, bytes):
        for secret in secrets:
            value = value.replace(secret.encode("utf-8"), REDACTED.encode("utf-8"))
        return value
    if depth > 20:
        return value
    if isinstance(value, list):
        value[:] = [scrub(item, secrets, depth + 1) for item in value]
    elif type(value) is tuple:
        return tuple(scrub(item, secrets, depth + 1) for item in value)
    elif isinstance(value, dict):
        for key in list(value):
            value[key] = scrub(value[key], secrets, depth + 1)
    elif type(value).__module__.startswith(("_pytest", "conformance")) and hasattr(
            value, "__dict__"):
        for name, attribute in list(vars(value).items()):
            object.__setattr__(value, name, scrub(attribute, secrets, depth + 1))
    return value


class Scrubber:
    """Every report with the run's secrets replaced, whatever it holds (a traceback's
    locals with ``-l``, a long diff with ``-vv``, captured output, the transcript): once
    as it is made, before any writer that reads it then (allure), and once more as it is
    logged, before every other writer (terminal, JUnit, results.json, HTML)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Any:
        report = yield
        secrets = secrets_of(self.config)
        if secrets:
            scrub(report, secrets)
            if call.excinfo is not None:  # allure's message is the exception's own text
                exception = call.excinfo.value
                with contextlib.suppress(Exception):
                    exception.args = tuple(scrub(arg, secrets) for arg in exception.args)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        secrets = secrets_of(self.config)
        if secrets:
            scrub(report, secrets)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Scrubber(config), "opensim-conformance-secrets")


def root_through_xinventory(run: ConformanceRun, agent: str) -> str:
    """The agent's inventory root from XInventory GETROOTFOLDER when the run has an
    XInventory URL (explicit capability URLs come without a login reply); else ""."""
    url = run.service_url("xinventory")
    if url is None:
        return ""
    http = HttpClient(url, timeout=run.profile.timeout, recorder=run.recorder)
    try:
        reply = XInventoryClient(http, run.ledger, agent).get_root_folder(agent)
        folder = parse_response(reply.body).get("folder") if reply.status == 200 else None
    except (TargetFailure, WireError):
        folder = None
    finally:
        http.close()
    return str(folder.get("ID", "")).strip().lower() if isinstance(folder, dict) else ""
