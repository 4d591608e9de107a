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

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from conformance.expect import step
from conformance.viewer import Viewer, log_in

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


def pytest_addoption(parser: pytest.Parser) -> None:
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
    if login_url:
        avatar, password = credentials(pytestconfig)
        with step(f"could not log in as {avatar} at {login_url}"):
            viewer = log_in(login_url, avatar, password, timeout=run.profile.timeout,
                            recorder=run.recorder)
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
