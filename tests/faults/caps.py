"""Faults of the reference server's viewer inventory capabilities: each breaks one rule,
and the suite must fail the requirement(s) named."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.caps import (
    FOLDER_LINK,
    ITEM_LINK,
    BadRequest,
    CapsService,
    wire_uuid,
)
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xinventory import Folder, Item
from tests.faults import fault

# ---------------------------------------------------------------------- seed


@fault("caps", "CAPS-SEED-FOUR")
class SeedWithoutFetchLib2(CapsService):
    """The seed capability never grants FetchLib2."""

    def capabilities(self) -> dict[str, str]:
        granted = super().capabilities()
        granted.pop("FetchLib2")
        return granted


# ---------------------------------------------------------------------- the answer


@fault("caps", "CAPS-FID-RESPONSE")
class NoItemsKeyWhenEmpty(CapsService):
    """A folder entry without items leaves the items key out."""

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        entry = super().folder_entry(agent_id, folder, asked)
        if not entry["items"]:
            del entry["items"]
        return entry


@fault("caps", "CAPS-FID-DESCENDENTS", "CAPS-FID-DESCENDENTS-CHILDREN")
class DescendentsOffByOne(CapsService):
    """descendents is one more than the folder's children."""

    def descendents_count(self, categories: list[Folder], items: list[Item]) -> int:
        return super().descendents_count(categories, items) + 1


@fault("caps", "CAPS-FID-DESCENDENTS-CHILDREN")
class DescendentsCountsItemsOnly(CapsService):
    """descendents counts the items and forgets the categories."""

    def descendents_count(self, categories: list[Folder], items: list[Item]) -> int:
        return len(items)


@fault("caps", "CAPS-FID-DESCENDENTS-CHILDREN")
class DescendentsCountsLinkTargets(CapsService):
    """descendents counts the link targets delivered beside the links."""

    def descendents_count(self, categories: list[Folder], items: list[Item]) -> int:
        return len(categories) + len(self.with_link_targets(items))


# ---------------------------------------------------------------------- requests


@fault("caps", "CAPS-FID-MULTIPLE")
class AnswersOnlyTheFirstFolder(CapsService):
    """A request for several folders is answered for the first one only."""

    def unique_folders(self, asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return super().unique_folders(asked)[:1]


@fault("caps", "CAPS-FID-BATCH")
class AnswersAtMostNineFolders(CapsService):
    """A request is answered for its first nine folders only."""

    def unique_folders(self, asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return super().unique_folders(asked)[:9]


@fault("caps", "CAPS-FID-LARGE-FOLDER")
class ListsAtMost500Items(CapsService):
    """A folder is answered with its first 500 items (and counts those)."""

    def folder_items(self, folder: Folder) -> list[Item]:
        return super().folder_items(folder)[:500]


@fault("caps", "CAPS-FID-WIKI-REQUEST")
class WikiRequestCountsButListsNothing(CapsService):
    """A folder asked with folder_id only is answered with its children's count but no
    categories and no items."""

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        entry = super().folder_entry(agent_id, folder, asked)
        if "fetch_items" not in asked:
            entry["categories"], entry["items"] = [], []
        return entry


@fault("caps", "CAPS-FID-VIEWER-REQUEST")
class FetchFlagsReadInverted(CapsService):
    """fetch_folders and fetch_items are read inverted (1 as false)."""

    def wants(self, asked: dict[str, Any], key: str) -> bool:
        return key not in asked or not super().wants(asked, key)


# ---------------------------------------------------------------------- versions


@fault("caps", "CAPS-FID-VERSION")
class EntryVersionOffByOne(CapsService):
    """A folder's entry gives its version plus one."""

    def folder_version(self, folder: Folder) -> int:
        return folder.version + 1


@fault("caps", "CAPS-FID-VERSION-CHANGES")
class StaleVersion(CapsService):
    """A folder's entry always gives version 1."""

    def folder_version(self, folder: Folder) -> int:
        return 1


# ---------------------------------------------------------------------- odd folders


@fault("caps", "CAPS-FID-UNKNOWN")
class UnknownFolderListedWithAnItem(CapsService):
    """An unknown folder is listed with a made-up item in it."""

    def answer_unknown(self, folder_id: str, folders: list[dict[str, Any]],
                       bad: list[dict[str, Any]]) -> None:
        fake = Item(id=str(uuid.uuid4()), folder=folder_id, owner=self.agent_id, name="ghost")
        folders.append({"folder_id": wire_uuid(folder_id), "owner_id": wire_uuid(self.agent_id),
                        "agent_id": wire_uuid(self.agent_id), "version": 1, "descendents": 1,
                        "categories": [], "items": [self.item(fake)]})


@fault("caps", "CAPS-FID-ZERO")
class ZeroFolderIsAServerError(CapsService):
    """A request holding the zero folder is answered 500."""

    async def descendents(self, request: Request, *, library: bool) -> Response:
        asked = await self.read_request(request, "folders")
        if any(str(entry.get("folder_id")) == ZERO_UUID for entry in asked):
            return Response(b"Internal Server Error", status_code=500)
        return await super().descendents(request, library=library)


#: Whether the request being answered holds the zero folder (ZeroFolderEmptiesTheOthers).
_BESIDE_ZERO: ContextVar[bool] = ContextVar("beside_zero", default=False)


@fault("caps", "CAPS-FID-ZERO")
class ZeroFolderEmptiesTheOthers(CapsService):
    """Beside the zero folder, the other folders of the request are answered without
    their categories."""

    async def descendents(self, request: Request, *, library: bool) -> Response:
        asked = await self.read_request(request, "folders")
        token = _BESIDE_ZERO.set(any(str(entry.get("folder_id")) == ZERO_UUID
                                     for entry in asked))
        try:
            return await super().descendents(request, library=library)
        finally:
            _BESIDE_ZERO.reset(token)

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        entry = super().folder_entry(agent_id, folder, asked)
        if _BESIDE_ZERO.get():
            entry["categories"] = []
        return entry


# ---------------------------------------------------------------------- LLSD and HTTP


@fault("caps", "CAPS-LLSD-MALFORMED")
class MalformedBodyIsAServerError(CapsService):
    """A body that is not LLSD is answered 500."""

    def bad_request(self, reason: str) -> Response:
        return Response(reason.encode("utf-8"), status_code=500, media_type="text/plain")


@fault("caps", "CAPS-METHOD-GET")
class GetIsAServerError(CapsService):
    """A GET of a capability is answered 500."""

    def routes(self) -> list[Route]:
        routes = [Route(path, self.server_error, methods=["GET"])
                  for path in self.capability_paths.values()]
        return routes + super().routes()

    async def server_error(self, request: Request) -> Response:
        return Response(b"Internal Server Error", status_code=500)


@fault("caps", "CAPS-LLSD-BOOLEAN-TEXT")
class BooleansMustBeDigits(CapsService):
    """A request whose booleans are written true/false is refused (400)."""

    async def read_request(self, request: Request, key: str) -> list[dict[str, Any]]:
        body = await request.body()
        if b"<boolean>true</boolean>" in body or b"<boolean>false</boolean>" in body:
            raise BadRequest("booleans must be 1 or 0")
        return await super().read_request(request, key)


# ---------------------------------------------------------------------- structures


@fault("caps", "CAPS-CATEGORY-KEYS")
class CategoryWithoutAgentId(CapsService):
    """Categories carry no agent_id."""

    def category(self, folder: Folder) -> dict[str, Any]:
        category = super().category(folder)
        del category["agent_id"]
        return category


@fault("caps", "CAPS-CATEGORY-VALUES")
class CategoryParentIsZero(CapsService):
    """Categories give the zero UUID as parent_id."""

    def category(self, folder: Folder) -> dict[str, Any]:
        category = super().category(folder)
        category["parent_id"] = wire_uuid(ZERO_UUID)
        return category


@fault("caps", "CAPS-ITEM-KEYS")
class PermissionsWithoutLastOwner(CapsService):
    """The permissions map carries no last_owner_id."""

    def permissions(self, item: Item) -> dict[str, Any]:
        permissions = super().permissions(item)
        del permissions["last_owner_id"]
        return permissions


@fault("caps", "CAPS-ITEM-VALUES")
class NextOwnerMaskIsTheBaseMask(CapsService):
    """next_owner_mask gives the base permissions."""

    def permissions(self, item: Item) -> dict[str, Any]:
        permissions = super().permissions(item)
        permissions["next_owner_mask"] = item.base_permissions
        return permissions


# ---------------------------------------------------------------------- links


def _target_inv_type(service: CapsService, item: Item, default: int) -> int:
    target = service.store.item(item.asset_id)
    return target.inv_type if target is not None else default


@fault("caps", "CAPS-LINK-ITEM-WIKI")
class ItemLinkGivesTheTargetsInventoryType(CapsService):
    """An item link is listed with its target's inventory type, whatever is stored."""

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        if item.asset_type == ITEM_LINK:
            record["inv_type"] = _target_inv_type(self, item, item.inv_type)
        return record


@fault("caps", "CAPS-LINK-FOLDER-WIKI")
class FolderLinkGivesCategoryInventoryType(CapsService):
    """A folder link is listed with inventory type 8, whatever is stored."""

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        if item.asset_type == FOLDER_LINK:
            record["inv_type"] = 8
        return record


@fault("caps", "CAPS-LINK-ITEM")
class ItemLinkGivesInventoryType24(CapsService):
    """An item link is listed with inventory type 24, whatever is stored."""

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        if item.asset_type == ITEM_LINK:
            record["inv_type"] = ITEM_LINK
        return record


@fault("caps", "CAPS-LINK-FOLDER")
class FolderLinkLosesItsTarget(CapsService):
    """A folder link is listed with the zero UUID as asset_id."""

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        if item.asset_type == FOLDER_LINK:
            record["asset_id"] = wire_uuid(ZERO_UUID)
        return record


@fault("caps", "CAPS-LINK-TARGETS")
class NoLinkTargets(CapsService):
    """Link targets are not delivered with the listing."""

    def with_link_targets(self, items: list[Item]) -> list[Item]:
        return items


@fault("caps", "CAPS-LINK-BROKEN")
class BrokenLinksLeftOut(CapsService):
    """A link whose target does not exist is left out of the listing."""

    def folder_items(self, folder: Folder) -> list[Item]:
        return [item for item in super().folder_items(folder)
                if item.asset_type != ITEM_LINK or self.store.item(item.asset_id) is not None]


# ---------------------------------------------------------------------- FetchInventory2


@fault("caps", "CAPS-FI2-ITEMS")
class AnswersOnlyTheFirstItem(CapsService):
    """FetchInventory2 answers the first item asked for only."""

    def found_items(self, agent_id: str, asked: Iterable[dict[str, Any]], *,
                    library: bool) -> list[Item]:
        return super().found_items(agent_id, asked, library=library)[:1]


@fault("caps", "CAPS-FI2-AGENT")
class AnswerNamesTheZeroAgent(CapsService):
    """FetchInventory2 answers agent_id zero."""

    def reply(self, request: Request, value: Any) -> Response:
        if isinstance(value, dict) and "agent_id" in value and "items" in value:
            value = {**value, "agent_id": wire_uuid(ZERO_UUID)}
        return super().reply(request, value)


@fault("caps", "CAPS-FI2-UNKNOWN")
class UnknownItemAnsweredAsAStub(CapsService):
    """An unknown item id is answered with an empty item structure."""

    def found_items(self, agent_id: str, asked: Iterable[dict[str, Any]], *,
                    library: bool) -> list[Item]:
        asked = list(asked)
        found = super().found_items(agent_id, asked, library=library)
        known = {item.id for item in found}
        for entry in asked:
            item_id = str(entry.get("item_id", ""))
            if item_id not in known and self.store.item(item_id) is None:
                found.append(Item(id=item_id, folder=ZERO_UUID, owner=agent_id, name=""))
        return found


@fault("caps", "CAPS-FI2-OTHER-AGENT")
class OtherAgentsItemIsAServerError(CapsService):
    """A FetchInventory2 request holding another agent's item is answered 500."""

    async def items_by_id(self, request: Request, *, library: bool) -> Response:
        asked = await self.read_request(request, "items")
        for entry in asked:
            item = self.store.item(str(entry.get("item_id", "")))
            if not library and item is not None and item.owner != self.agent_id:
                return Response(b"Internal Server Error", status_code=500)
        return await super().items_by_id(request, library=library)


# ---------------------------------------------------------------------- library


@fault("caps", "CAPS-LIB-DESCENDENTS")
class LibraryRootAnsweredEmpty(CapsService):
    """FetchLibDescendents2 answers library folders without their contents."""

    async def fetch_lib_descendents(self, request: Request) -> Response:
        self.library_call = True
        try:
            return await super().fetch_lib_descendents(request)
        finally:
            self.library_call = False

    def child_folders(self, folder: Folder) -> list[Folder]:
        if getattr(self, "library_call", False):
            return []
        return super().child_folders(folder)

    def folder_items(self, folder: Folder) -> list[Item]:
        if getattr(self, "library_call", False):
            return []
        return super().folder_items(folder)


@fault("caps", "CAPS-LIB-ITEMS")
class FetchLib2FindsNothing(CapsService):
    """FetchLib2 answers no items."""

    def found_items(self, agent_id: str, asked: Iterable[dict[str, Any]], *,
                    library: bool) -> list[Item]:
        return [] if library else super().found_items(agent_id, asked, library=library)


@fault("caps", "CAPS-LLSD-FORMATS")
class OtherFormatsMisreadAsNoFetch(CapsService):
    """A request in LLSD binary or notation has its fetch_items and fetch_folders read as
    false: the folder is answered without its contents."""

    async def read_request(self, request: Request, key: str) -> list[dict[str, Any]]:
        asked = await super().read_request(request, key)
        if "xml" not in (request.headers.get("content-type") or "xml"):
            return [{**entry, "fetch_items": False, "fetch_folders": False} for entry in asked]
        return asked


@fault("caps", "CAPS-FID-VERSION-CHANGES")
class ItemRecordsCachedAtFirstRead(CapsService):
    """An item's record is served from a cache filled when the item was first read, by
    either capability."""

    def item(self, item: Item) -> dict[str, Any]:
        cache: dict[str, dict[str, Any]] = self.__dict__.setdefault("item_cache", {})
        if item.id not in cache:
            cache[item.id] = super().item(item)
        return cache[item.id]


# ---------------------------------------------------------------------- the page as written


@fault("caps", "CAPS-FID-WIKI-REQUEST")
class WikiRequestAnsweredEmpty(CapsService):
    """A folder asked with folder_id only is read as fetch_folders and fetch_items false:
    no categories, no items and descendents 0 (a count that matches the empty listing)."""

    def wants(self, asked: dict[str, Any], key: str) -> bool:
        return key in asked and super().wants(asked, key)


@fault("caps", "CAPS-FID-DESCENDENTS-LINKS")
class LinkTargetsListedTwice(CapsService):
    """Link targets go in front of the items even when they are in the folder already
    (listed twice), and descendents counts the folder's own children."""

    def with_link_targets(self, items: list[Item]) -> list[Item]:
        targets = [target for item in items if item.asset_type == ITEM_LINK
                   if (target := self.link_target(item)) is not None]
        return targets + items


@fault("caps", "CAPS-FID-DESCENDENTS-LINKS")
class DescendentsLeavesLinksOut(CapsService):
    """descendents does not count the links of the folder."""

    def descendents_count(self, categories: list[Folder], items: list[Item]) -> int:
        return len(categories) + len([i for i in items
                                      if i.asset_type not in (ITEM_LINK, FOLDER_LINK)])


@fault("caps", "CAPS-ROOT-CATEGORY")
class RootSkeletonEntryUnderItself(CapsService):
    """The login skeleton gives the inventory root itself as its parent."""

    def skeleton_entry(self, folder: Folder) -> dict[str, Any]:
        entry = super().skeleton_entry(folder)
        if folder.parent_id == ZERO_UUID:
            entry["parent_id"] = folder.id
        return entry


@fault("caps", "CAPS-ROOT-CATEGORY")
class RootSkeletonEntryOfNullType(CapsService):
    """The login skeleton gives the inventory root type_default -1, the null type."""

    def skeleton_entry(self, folder: Folder) -> dict[str, Any]:
        entry = super().skeleton_entry(folder)
        if folder.parent_id == ZERO_UUID:
            entry["type_default"] = -1
        return entry


@fault("caps", "CAPS-CATEGORY-USER-TYPE")
class UserFoldersTypedAsFolders(CapsService):
    """A folder the user made (type -1) is listed with type_default 8."""

    def category(self, folder: Folder) -> dict[str, Any]:
        entry = super().category(folder)
        if entry["type_default"] == -1:
            entry["type_default"] = 8
        return entry


@fault("caps", "CAPS-FI2-WIKI-REQUEST")
class FetchInventory2NeedsOwnerId(CapsService):
    """FetchInventory2 leaves out every item asked without an owner_id."""

    def found_items(self, agent_id: str, asked: Iterable[dict[str, Any]], *,
                    library: bool) -> list[Item]:
        return super().found_items(agent_id, [entry for entry in asked if "owner_id" in entry],
                                   library=library)


@fault("caps", "CAPS-PERMISSIONS-OWNER")
class PermissionsOwnerIsZero(CapsService):
    """An item's permissions owner_id is the zero UUID."""

    def permissions(self, item: Item) -> dict[str, Any]:
        return {**super().permissions(item), "owner_id": wire_uuid(ZERO_UUID)}


@fault("caps", "CAPS-PERMISSIONS-GROUP")
class GroupOwnedItemsLoseTheirGroup(CapsService):
    """A group-owned item is listed with the zero UUID as its group_id."""

    def permissions(self, item: Item) -> dict[str, Any]:
        permissions = super().permissions(item)
        if item.group_owned:
            permissions["group_id"] = wire_uuid(ZERO_UUID)
        return permissions


@fault("caps", "CAPS-NAMES-NOT-UNIQUE")
class ChildrenOfOneNameListedOnce(CapsService):
    """A folder lists only the first of its subfolders, and of its items, of one name."""

    def child_folders(self, folder: Folder) -> list[Folder]:
        return list({f.name: f for f in reversed(super().child_folders(folder))}.values())

    def folder_items(self, folder: Folder) -> list[Item]:
        return list({i.name: i for i in reversed(super().folder_items(folder))}.values())


@fault("caps", "CAPS-FID-RESPONSE")
class OwnerIdAsAnInteger(CapsService):
    """A folder entry's owner_id is written as an integer, neither undef nor a uuid."""

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        return {**super().folder_entry(agent_id, folder, asked), "owner_id": 0}
