"""Fixtures of the XInventory tests. Every test that writes does so under a principal
the run created (a fresh UUID and CREATEUSERINVENTORY), never under anyone else's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import step
from conformance.run import ConformanceRun
from conformance.suites.xinventory.steps import Inventory, add_folder, create_inventory
from conformance.wire.ids import new_id
from conformance.wire.xinventory import Folder, parse_response
from conformance.wire.xml import WireError


@pytest.fixture(scope="session")
def xinventory(run: ConformanceRun) -> Iterator[XInventoryClient]:
    """A client of the target's XInventory service, acting as the run's principal."""
    http = run.http("xinventory")
    yield XInventoryClient(http, run.ledger, run.profile.principal)
    http.close()


@pytest.fixture(scope="module")
def inventory(xinventory: XInventoryClient) -> Inventory:
    """A principal of this module's own: a fresh UUID whose inventory the module creates."""
    with step("could not create the inventory this module's tests need"):
        return create_inventory(xinventory.as_principal(new_id()))


@pytest.fixture
def fresh(xinventory: XInventoryClient) -> XInventoryClient:
    """A client acting as a brand-new principal that has no inventory yet."""
    return xinventory.as_principal(new_id())


@pytest.fixture
def scratch(inventory: Inventory) -> Folder:
    """A plain folder under the module principal's root, for one test's objects."""
    return add_folder(inventory.client, inventory.root.id)


@pytest.fixture(scope="module")
def known(run: ConformanceRun, xinventory: XInventoryClient) -> str:
    """A principal that has an inventory. When the run may write: a fresh one this
    module creates. In a read-only run: the configured principal (--principal), and the
    test is skipped when it has no inventory."""
    if run.profile.write_refusal() is None:
        with step("could not create the inventory this test reads"):
            return create_inventory(xinventory.as_principal(new_id())).principal
    principal = run.profile.principal
    reply = xinventory.get_root_folder(principal)
    try:
        has_root = reply.status == 200 and "folder" in parse_response(reply.body)
    except WireError:
        has_root = False
    if not has_root:
        pytest.skip(f"the run may not write and the principal {principal} has no inventory "
                    f"(give one that has with --principal)")
    return principal
