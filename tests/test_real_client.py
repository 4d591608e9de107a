"""A real client against the reference server: hippolyzer, unpatched.

hippolyzer (PyPI, "analysis tools for SL-compatible virtual worlds") is a client written
by others. Its client library logs in over XML-RPC (``HippoClient.login``), reads the
login skeleton into its inventory model (``InventoryManager._load_skeleton``), asks the
seed capability for the capability URLs, and reads what FetchInventoryDescendents2,
FetchInventory2 and AIS3 answer with its own parsers (``InventoryCategory.from_llsd``,
``InventoryItem.from_llsd`` with the "ais" flavour, as its proxy reads FetchInventory2,
and ``InventoryManager.process_aisv3_response``). Each step below is what the client
does, through its own ``CapsClient``; where the reference answered something the client
cannot read, the step fails with the client's own exception.

The client never opens the UDP circuit (``login(connect=False)``): the reference runs no
simulator, and nothing here needs one; the seed capability is asked directly, as
``HippoClientRegion.connect`` does it (see docs/interop/real-clients.md).

hippolyzer 0.15 runs on Python 3.11 (later releases need 3.12); it is in the ``dev``
extra there, and this module is skipped where it is not installed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.app import create_app
from conformance.reference.login import LIBRARY_ROOT, LoginSettings
from conformance.reference.server import ServerThread

pytest.importorskip("hippolyzer", reason="hippolyzer is not installed (the dev extra on "
                    "Python 3.11 installs it)")

from hippolyzer.lib.base.datatypes import UUID
from hippolyzer.lib.base.inventory import InventoryCategory, InventoryItem
from hippolyzer.lib.base.templates import AssetType, FolderType
from hippolyzer.lib.client.hippo_client import HippoClient, HippoClientRegion

SETTINGS = LoginSettings()
#: The capabilities the steps use (the seed must grant each).
CAPABILITIES = ("FetchInventoryDescendents2", "FetchInventory2", "FetchLibDescendents2",
                "FetchLib2", "InventoryAPIv3")


@pytest.fixture(scope="module")
def login_uri(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The reference server (a fresh database), its login at the base URL."""
    database = Path(tmp_path_factory.mktemp("real-client")) / "reference.sqlite"
    with ServerThread(create_app(database)) as server:
        yield server.url + "/"


@asynccontextmanager
async def logged_in(login_uri: str) -> AsyncIterator[HippoClient]:
    """A HippoClient logged in (no UDP circuit), with the region's capabilities from the
    seed; logged out and closed at the end."""
    client = HippoClient()
    try:
        await client.login(SETTINGS.avatar, SETTINGS.password, login_uri=login_uri,
                           connect=False)
        region = main_region(client)
        async with region.caps_client.post("Seed", llsd=sorted(client.SUPPORTED_CAPS)) as reply:
            reply.raise_for_status()
            region.update_caps(await reply.read_llsd())
        yield client
        client.logout()  # no circuit: nothing to send; the session ends
        assert client.session is None
    finally:
        await client.aclose()


def main_region(client: HippoClient) -> HippoClientRegion:
    assert client.session is not None, "not logged in"
    region = client.session.regions[-1]
    assert isinstance(region, HippoClientRegion)
    return region


def run(login_uri: str, steps: Callable[[HippoClient], Awaitable[None]]) -> None:
    """Log in, run ``steps`` with the client, log out."""

    async def scenario() -> None:
        async with logged_in(login_uri) as client:
            await steps(client)

    asyncio.run(scenario())


async def post_llsd(region: HippoClientRegion, cap: str, body: Any) -> Any:
    async with region.caps_client.post(cap, llsd=body) as reply:
        reply.raise_for_status()
        return await reply.read_llsd()


async def ais(region: HippoClientRegion, method: str, path: str, body: Any = None) -> Any:
    """An AIS3 request as the viewer sends it (LLSD XML), its LLSD answer."""
    llsd: dict[str, Any] = {} if body is None else {"llsd": body}
    async with region.caps_client.request(method, "InventoryAPIv3", path=path,
                                          **llsd) as reply:
        reply.raise_for_status()
        return await reply.read_llsd()


async def fetch_folders(client: HippoClient, cap: str, folder_ids: list[UUID],
                        owner: UUID) -> list[dict[str, Any]]:
    """FetchInventoryDescendents2 (or FetchLibDescendents2) of the folders, in the
    viewer's request form; each answered category and item goes into the client's model
    through its own parsers."""
    region = main_region(client)
    body = {"folders": [{"folder_id": folder, "owner_id": owner, "fetch_folders": True,
                         "fetch_items": True, "sort_order": 1} for folder in folder_ids]}
    answer = await post_llsd(region, cap, body)
    model = client.session.inventory_manager.model
    for folder in answer["folders"]:
        for category in folder["categories"]:
            model.upsert(InventoryCategory.from_llsd(category, flavor="ais"))
        for item in folder["items"]:
            model.upsert(InventoryItem.from_llsd(item, flavor="ais"))
    return list(answer["folders"])


async def fetch_tree(client: HippoClient, cap: str, root: UUID, owner: UUID) -> set[UUID]:
    """Every folder under ``root``, fetched level by level; the folders seen."""
    seen: set[UUID] = set()
    level = [root]
    while level:
        seen.update(level)
        answered = await fetch_folders(client, cap, level, owner)
        assert {UUID(str(f["folder_id"])) for f in answered} == set(level), \
            f"{cap} answered other folders than those asked for"
        level = [UUID(str(c["category_id"])) for f in answered for c in f["categories"]
                 if UUID(str(c["category_id"])) not in seen]
    return seen


def test_login_reads_the_skeleton_and_the_region(login_uri: str) -> None:
    """The login reply carries what the client reads first (the region's address and
    corner, the circuit code) and a skeleton whose every folder type the client knows,
    the root's 8 (FolderType.ROOT_INVENTORY) among them; the seed grants the inventory
    capabilities."""

    async def steps(client: HippoClient) -> None:
        session = client.session
        assert session is not None
        region = main_region(client)
        x, y = (c * SETTINGS.region_size for c in SETTINGS.region_location)
        assert region.handle == (x << 32) | y
        assert session.agent_id == UUID(SETTINGS.agent_id)
        root_id = UUID(session.login_data["inventory-root"][0]["folder_id"])
        model = session.inventory_manager.model
        skeleton = session.login_data["inventory-skeleton"]
        assert len(model.nodes) == len(skeleton)
        root = model[root_id]
        assert isinstance(root, InventoryCategory)
        assert root.pref_type == FolderType.ROOT_INVENTORY
        assert model[root_id].parent_id == UUID.ZERO
        missing = [cap for cap in CAPABILITIES if cap not in region.cap_urls]
        assert not missing, f"the seed did not grant {missing}"

    run(login_uri, steps)


def test_fetches_every_folder_and_item(login_uri: str) -> None:
    """FetchInventoryDescendents2 of the root and of every folder below it, then
    FetchInventory2 of every item found; the client's model ends up holding the whole
    skeleton, each folder's contents, and each item as FetchInventory2 gives it."""

    async def steps(client: HippoClient) -> None:
        session = client.session
        assert session is not None
        region = main_region(client)
        root_id = UUID(session.login_data["inventory-root"][0]["folder_id"])
        skeleton = {UUID(f["folder_id"]) for f in session.login_data["inventory-skeleton"]}
        seen = await fetch_tree(client, "FetchInventoryDescendents2", root_id,
                                session.agent_id)
        assert seen == skeleton, "the folders fetched are not the skeleton's"
        # An item to fetch: AIS3 creates one (a fresh inventory holds none).
        created = await ais(region, "POST", f"/category/{root_id}", {"items": [
            {"name": "opensim-conformance real client", "desc": "", "type": 7,
             "inv_type": 7, "asset_id": UUID.random(), "flags": 0,
             "permissions": {"base_mask": 0x7FFFFFFF, "owner_mask": 0x7FFFFFFF,
                             "group_mask": 0, "everyone_mask": 0,
                             "next_owner_mask": 0x7FFFFFFF},
             "sale_info": {"sale_price": 0, "sale_type": 0}}]})
        item_id = UUID(str(created["_created_items"][0]))
        await fetch_folders(client, "FetchInventoryDescendents2", [root_id], session.agent_id)
        answer = await post_llsd(region, "FetchInventory2", {
            "agent_id": session.agent_id,
            "items": [{"owner_id": session.agent_id, "item_id": item_id}]})
        item = InventoryItem.from_llsd(answer["items"][0], flavor="ais")
        assert item.item_id == item_id
        assert item.name == "opensim-conformance real client"
        assert session.inventory_manager.model[item_id].parent_id == root_id

    run(login_uri, steps)


def test_fetches_the_library(login_uri: str) -> None:
    """The library from the login's skeleton, fetched through FetchLibDescendents2 and its
    items through FetchLib2."""

    async def steps(client: HippoClient) -> None:
        session = client.session
        assert session is not None
        region = main_region(client)
        library_root = UUID(session.login_data["inventory-lib-root"][0]["folder_id"])
        owner = UUID(session.login_data["inventory-lib-owner"][0]["agent_id"])
        assert library_root == UUID(LIBRARY_ROOT)
        library = {UUID(f["folder_id"]) for f in session.login_data["inventory-skel-lib"]}
        for folder in session.login_data["inventory-skel-lib"]:
            FolderType(folder["type_default"])  # a type the client knows
        seen = await fetch_tree(client, "FetchLibDescendents2", library_root, owner)
        assert seen == library
        model = session.inventory_manager.model
        items = [node for node in model.all_items if node.parent_id in library]
        assert items, "the library holds no items"
        answer = await post_llsd(region, "FetchLib2", {
            "agent_id": session.agent_id,
            "items": [{"owner_id": owner, "item_id": item.item_id} for item in items]})
        fetched = {InventoryItem.from_llsd(i, flavor="ais").item_id for i in answer["items"]}
        assert fetched == {item.item_id for item in items}

    run(login_uri, steps)


def test_creates_renames_links_and_deletes_through_ais3(login_uri: str) -> None:
    """AIS3 as the client uses it: create a category (with an item in it), read it back,
    rename it, link the item from the root, delete the link and the category; every
    answer goes through the client's process_aisv3_response, and its model follows."""

    async def steps(client: HippoClient) -> None:
        session = client.session
        assert session is not None
        region = main_region(client)
        inventory = session.inventory_manager
        model = inventory.model
        root_id = UUID(session.login_data["inventory-root"][0]["folder_id"])
        name = f"opensim-conformance real client {uuid.uuid4().hex[:8]}"
        created = await ais(region, "POST", f"/category/{root_id}?tid={UUID.random()}",
                            {"categories": [{"name": name,
                                             "type_default": int(FolderType.NONE)}]})
        inventory.process_aisv3_response(created)
        folder_id = UUID(str(created["_created_categories"][0]))
        assert model[folder_id].name == name

        read_back = await ais(region, "GET", f"/category/{folder_id}?depth=1")
        inventory.process_aisv3_response(read_back)
        folder = model[folder_id]
        assert isinstance(folder, InventoryCategory)
        assert folder.parent_id == root_id and folder.pref_type == FolderType.NONE

        renamed = await ais(region, "PATCH", f"/category/{folder_id}",
                            {"name": name + " renamed"})
        inventory.process_aisv3_response(renamed)
        assert model[folder_id].name == name + " renamed"

        item_answer = await ais(region, "POST", f"/category/{folder_id}", {"items": [
            {"name": "linked", "desc": "", "type": 7, "inv_type": 7,
             "asset_id": UUID.random(), "flags": 0,
             "permissions": {"base_mask": 0x7FFFFFFF, "owner_mask": 0x7FFFFFFF,
                             "group_mask": 0, "everyone_mask": 0,
                             "next_owner_mask": 0x7FFFFFFF},
             "sale_info": {"sale_price": 0, "sale_type": 0}}]})
        inventory.process_aisv3_response(item_answer)
        item_id = UUID(str(item_answer["_created_items"][0]))
        linked = await ais(region, "POST", f"/category/{root_id}", {"links": [
            {"linked_id": item_id, "type": int(AssetType.LINK), "inv_type": 7,
             "name": "linked", "desc": ""}]})
        inventory.process_aisv3_response(linked)
        link_id = UUID(str(linked["_created_items"][0]))
        link = model[link_id]
        assert isinstance(link, InventoryItem)
        assert link.type == AssetType.LINK and link.true_asset_id == item_id

        unlinked = await ais(region, "DELETE", f"/item/{link_id}")
        inventory.process_aisv3_response(unlinked)
        assert link_id not in model
        deleted = await ais(region, "DELETE", f"/category/{folder_id}")
        inventory.process_aisv3_response(deleted)
        assert folder_id not in model and item_id not in model
        gone = await fetch_folders(client, "FetchInventoryDescendents2", [root_id],
                                   session.agent_id)
        assert folder_id not in {UUID(str(c["category_id"])) for c in gone[0]["categories"]}

    run(login_uri, steps)
