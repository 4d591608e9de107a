"""Fixtures of the capability tests. The capabilities only read; what a test reads is
written under the avatar's inventory, inside one folder named ``opensim-conformance …``
that the run removes at the end: through the grid's XInventory service when the run has
it (and may write), else through the avatar's AIS3, as a viewer writes its inventory.
With neither only the read-only checks run, on what the avatar's inventory already
holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conformance.clients.ais import AisClient
from conformance.clients.caps import CapsClient
from conformance.clients.http import HttpClient, TargetFailure
from conformance.clients.xinventory import XInventoryClient
from conformance.expect import note, step
from conformance.ledger import owned_name
from conformance.run import ConformanceRun
from conformance.suites.caps.steps import Scratch, ais_folder, inventory_root
from conformance.suites.xinventory.steps import add_folder
from conformance.viewer import Viewer
from conformance.wire.xinventory import Folder, parse_response
from conformance.wire.xml import WireError


@pytest.fixture(scope="session")
def caps(run: ConformanceRun, viewer: Viewer) -> Iterator[CapsClient]:
    """A client of the capability URLs the seed capability granted."""
    def http(url: str) -> HttpClient:
        return HttpClient(url, timeout=run.profile.timeout, recorder=run.recorder,
                          read_only=run.profile.write_refusal() is not None)

    client = CapsClient(dict(viewer.capabilities), viewer.agent_id, http)
    yield client
    client.close()


@pytest.fixture(scope="session")
def avatar_xinventory(run: ConformanceRun, viewer: Viewer) -> Iterator[XInventoryClient]:
    """XInventory acting as the avatar (skips when the run has no XInventory or may not
    write)."""
    if not run.serves("xinventory"):
        pytest.skip("no XInventory URL given (--xinventory-url)")
    refusal = run.profile.write_refusal()
    if refusal:
        pytest.skip(f"needs data written to the grid, and {refusal}")
    root = inventory_root(viewer)
    http = run.http("xinventory")
    client = XInventoryClient(http, run.ledger, viewer.agent_id)
    if not holds_root(client, root):
        http.close()
        pytest.skip(f"the XInventory at {http.base_url} does not hold the avatar's inventory "
                    f"root {root}: it is not the grid's inventory service "
                    f"(give the grid's with --xinventory-url); nothing is written there")
    yield client
    http.close()


def holds_root(client: XInventoryClient, root: str) -> bool:
    """GETFOLDER (as the avatar) finds the avatar's root folder."""
    try:
        reply = client.get_folder(root)
        found = parse_response(reply.body) if reply.status == 200 else {}
    except (TargetFailure, WireError):
        return False
    folder = found.get("folder")
    return isinstance(folder, dict) and str(folder.get("ID", "")).strip().lower() == root


@dataclass
class Writer:
    """How the capability tests write their data: XInventory as the avatar, or the
    avatar's AIS3."""

    xinventory: XInventoryClient | None = None
    ais: AisClient | None = None
    #: Why not XInventory, when the data goes through AIS3.
    why: str = ""


@pytest.fixture(scope="session")
def writer(request: pytest.FixtureRequest, run: ConformanceRun, viewer: Viewer) -> Writer:
    """XInventory when the run has the grid's (it holds the avatar's root); else the
    avatar's AIS3 when the seed capability offers it; else the tests that write skip
    with the reason XInventory gave."""
    try:
        return Writer(xinventory=request.getfixturevalue("avatar_xinventory"))
    except pytest.skip.Exception as without_xinventory:
        reason = str(without_xinventory.msg)
        refusal = run.profile.write_refusal()
        if refusal or not viewer.inventory_root:
            raise
        try:
            ais: AisClient = request.getfixturevalue("ais")
        except pytest.skip.Exception:
            pytest.skip(f"{reason}; and no AIS3 to write through")
        return Writer(ais=ais, why=reason)


@pytest.fixture(scope="module")
def run_folder(writer: Writer, viewer: Viewer) -> Folder:
    """The module's own folder under the avatar's root (removed at the end of the run):
    modules that run side by side never see each other's folders in theirs."""
    if writer.xinventory is None:
        assert writer.ais is not None
        folder = ais_folder(writer.ais, viewer.inventory_root, owned_name("caps run"),
                            named=True)
        note(f"the capability tests' data is written through the avatar's AIS3, not "
             f"XInventory: {writer.why}", about="OBS-CAPS-TEST-DATA")
        return folder
    with step("could not create the run's folder through XInventory ADDFOLDER",
              requirement="XINV-ADDFOLDER-ROUNDTRIP"):
        return add_folder(writer.xinventory, viewer.inventory_root,
                          owned_name("caps run"))


@pytest.fixture
def scratch(writer: Writer, run_folder: Folder) -> Scratch:
    """A fresh folder inside the run's folder, for one test's objects."""
    if writer.xinventory is None:
        assert writer.ais is not None
        folder = ais_folder(writer.ais, run_folder.id, owned_name("caps test"))
        return Scratch(None, folder, writer.ais)
    with step("could not create the folder this test needs through XInventory ADDFOLDER",
              requirement="XINV-ADDFOLDER-ROUNDTRIP"):
        folder = add_folder(writer.xinventory, run_folder.id, owned_name("caps test"))
    return Scratch(writer.xinventory, folder)
