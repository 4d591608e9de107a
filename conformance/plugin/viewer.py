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

import dataclasses
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from conformance.clients.http import Exchange, Recorder, TargetFailure
from conformance.expect import step
from conformance.viewer import LoginFailed, Viewer, log_in

if TYPE_CHECKING:
    from conformance.plugin import ConformanceRun

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
    from conformance.plugin import conformance_run

    run = conformance_run(pytestconfig)
    explicit = {name: run.profile.services[service]
                for service, name in EXPLICIT_CAPABILITIES.items()
                if service in run.profile.services}
    login_url = run.service_url("login")
    shared = getattr(pytestconfig, "workerinput", {}).get(SHARED_KEY)
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
    from conformance.plugin import conformance_run

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
    --password there."""
    avatar = config.getoption("avatar") or DEFAULT_AVATAR
    password = (config.getoption("avatar_password") or os.environ.get(PASSWORD_ENV)
                or DEFAULT_PASSWORD)
    return avatar, password


def root_through_xinventory(run: ConformanceRun, agent: str) -> str:
    """The agent's inventory root from XInventory GETROOTFOLDER when the run has an
    XInventory URL (explicit capability URLs come without a login reply); else ""."""
    from conformance.clients.http import HttpClient, TargetFailure
    from conformance.wire.xinventory import parse_response
    from conformance.wire.xml import WireError

    url = run.service_url("xinventory")
    if url is None:
        return ""
    http = HttpClient(url, timeout=run.profile.timeout, recorder=run.recorder)
    try:
        from conformance.clients.xinventory import XInventoryClient

        reply = XInventoryClient(http, run.ledger, agent).get_root_folder(agent)
        folder = parse_response(reply.body).get("folder") if reply.status == 200 else None
    except (TargetFailure, WireError):
        folder = None
    finally:
        http.close()
    return str(folder.get("ID", "")).strip().lower() if isinstance(folder, dict) else ""
