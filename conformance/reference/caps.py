"""The reference server's viewer inventory capabilities: FetchInventoryDescendents2,
FetchInventory2 and their library twins FetchLibDescendents2 and FetchLib2, LLSD over
HTTP POST, as seeds/sl-inventory-api-caps.txt documents them (and docs/interop/caps.md
where viewers depend on more).

They read the XInventory store, so writes through XInventory show at once. Each rule is
one small method, so a self-test can break exactly one of them.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.login import LIBRARY_OWNER, LoginService, LoginSettings
from conformance.reference.xinventory import viewer_folder_type
from conformance.wire import llsd as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item

ITEM_LINK = 24
FOLDER_LINK = 25
#: Capability name -> path template (``{agent_id}``: the logged-in agent).
CAPABILITIES = {
    "FetchInventoryDescendents2": "/caps/{agent_id}/FetchInventoryDescendents2",
    "FetchInventory2": "/caps/{agent_id}/FetchInventory2",
    "FetchLibDescendents2": "/caps/{agent_id}/FetchLibDescendents2",
    "FetchLib2": "/caps/{agent_id}/FetchLib2",
}


@dataclass
class CapsSettings(LoginSettings):
    """The login's avatar and password, and whether the library ships."""


class BadRequest(Exception):
    """The body is not the LLSD the capability reads."""


class CapsService(LoginService):
    """Login, seed capability and the four inventory capabilities."""

    capability_paths: ClassVar[dict[str, str]] = CAPABILITIES

    def __init__(self, db: sqlite3.Connection, settings: LoginSettings | None = None) -> None:
        super().__init__(db, settings or CapsSettings())

    def capabilities(self) -> dict[str, str]:
        return dict(self.capability_paths)

    def routes(self) -> list[Route]:
        paths = self.capability_paths
        return [
            *super().routes(),
            Route(paths["FetchInventoryDescendents2"], self.fetch_descendents,
                  methods=["POST"]),
            Route(paths["FetchInventory2"], self.fetch_inventory, methods=["POST"]),
            Route(paths["FetchLibDescendents2"], self.fetch_lib_descendents, methods=["POST"]),
            Route(paths["FetchLib2"], self.fetch_lib, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ transport

    async def read_request(self, request: Request, key: str) -> list[dict[str, Any]]:
        """The array of maps under ``key`` of the request's LLSD map."""
        try:
            body = wire.parse(await request.body(), request.headers.get("content-type"))
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        value = body.value
        if not isinstance(value, dict) or not isinstance(value.get(key), list):
            raise BadRequest(f"expected a map with an array {key}")
        return [entry for entry in value[key] if isinstance(entry, dict)]

    def reply(self, request: Request, value: Any) -> Response:
        """LLSD XML (binary when the caller accepts only binary)."""
        accept = request.headers.get("accept", "")
        if wire.BINARY_TYPE in accept and wire.XML_TYPE not in accept:
            return Response(wire.format_binary(value), media_type=wire.BINARY_TYPE)
        return Response(wire.format_xml(value), media_type=wire.XML_TYPE)

    def bad_request(self, reason: str) -> Response:
        return Response(reason.encode("utf-8"), status_code=400, media_type="text/plain")

    async def agent_and_request(self, request: Request,
                                key: str) -> tuple[str, list[dict[str, Any]]] | Response:
        """The logged-in agent and the maps the request asks for under ``key``; or the
        refusal: 404 for another agent's capability, 400 for a body that cannot be read."""
        agent_id = self.known_agent(request)
        if agent_id is None:
            return Response(b"", status_code=404)
        try:
            return agent_id, await self.read_request(request, key)
        except BadRequest as exc:
            return self.bad_request(str(exc))

    def known_agent(self, request: Request) -> str | None:
        agent_id = request.path_params["agent_id"]
        return agent_id if agent_id == self.agent_id else None

    # ------------------------------------------------------------------ endpoints

    async def fetch_descendents(self, request: Request) -> Response:
        return await self.descendents(request, library=False)

    async def fetch_lib_descendents(self, request: Request) -> Response:
        return await self.descendents(request, library=True)

    async def fetch_inventory(self, request: Request) -> Response:
        return await self.items_by_id(request, library=False)

    async def fetch_lib(self, request: Request) -> Response:
        return await self.items_by_id(request, library=True)

    # ------------------------------------------------------------------ descendents

    async def descendents(self, request: Request, *, library: bool) -> Response:
        read = await self.agent_and_request(request, "folders")
        if isinstance(read, Response):
            return read
        agent_id, asked = read
        folders: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        for entry in self.unique_folders(asked):
            folder_id = canonical_uuid(str(entry.get("folder_id", ""))) or ZERO_UUID
            folder = self.store.folder(folder_id)
            if folder is None or not self.may_read(agent_id, folder, library=library):
                self.answer_unknown(folder_id, folders, bad)
                continue
            folders.append(self.folder_entry(agent_id, folder, entry))
        answer: dict[str, Any] = {"folders": folders}
        if bad:
            answer["bad_folders"] = bad
        return self.reply(request, answer)

    def unique_folders(self, asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each folder asked for once, in request order."""
        seen: set[str] = set()
        unique = []
        for entry in asked:
            key = str(entry.get("folder_id", "")).lower()
            if key not in seen:
                seen.add(key)
                unique.append(entry)
        return unique

    def may_read(self, agent_id: str, folder: Folder, *, library: bool) -> bool:
        """The agent's own folders, and the library's (FetchLibDescendents2: only those)."""
        if library:
            return folder.owner == LIBRARY_OWNER
        return folder.owner in (agent_id, LIBRARY_OWNER)

    def answer_unknown(self, folder_id: str, folders: list[dict[str, Any]],
                       bad: list[dict[str, Any]]) -> None:
        """A folder that is unknown (or not the agent's) goes into bad_folders."""
        bad.append(self.bad_folder(folder_id))

    def bad_folder(self, folder_id: str) -> dict[str, Any]:
        return {"folder_id": wire_uuid(folder_id), "error": "Unknown"}

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        categories = self.child_folders(folder) if self.wants(asked, "fetch_folders") else []
        items = self.folder_items(folder) if self.wants(asked, "fetch_items") else []
        return {
            "agent_id": wire_uuid(folder.owner),
            "owner_id": wire_uuid(folder.owner),
            "folder_id": wire_uuid(folder.id),
            "version": self.folder_version(folder),
            "descendents": self.descendents_count(categories, items),
            "categories": [self.category(c) for c in categories],
            "items": [self.item(i) for i in self.with_link_targets(items)],
        }

    def wants(self, asked: dict[str, Any], key: str) -> bool:
        """fetch_folders / fetch_items: true when absent (the wiki's request carries only
        folder_id and expects the contents)."""
        value = asked.get(key, True)
        return bool(value) if not isinstance(value, str) else value.lower() in ("1", "true")

    def child_folders(self, folder: Folder) -> list[Folder]:
        return self.store.folders_where("parent_id = ?", folder.id)

    def folder_items(self, folder: Folder) -> list[Item]:
        return self.store.items_where("folder = ?", folder.id)

    def folder_version(self, folder: Folder) -> int:
        return folder.version

    def descendents_count(self, categories: list[Folder], items: list[Item]) -> int:
        """The folder's children: its categories and its own items (link targets from
        elsewhere are delivered beside them, not counted)."""
        return len(categories) + len(items)

    def with_link_targets(self, items: list[Item]) -> list[Item]:
        """The items, preceded by the targets of item links that are not already there."""
        present = {item.id for item in items}
        targets = []
        for item in items:
            if item.asset_type != ITEM_LINK:
                continue
            target = self.link_target(item)
            if target is not None and target.id not in present:
                present.add(target.id)
                targets.append(target)
        return targets + items

    def link_target(self, link: Item) -> Item | None:
        """The item an item link points to (None for a broken link or a link to a link)."""
        target = self.store.item(link.asset_id)
        if target is None or target.asset_type in (ITEM_LINK, FOLDER_LINK):
            return None
        return target

    # ------------------------------------------------------------------ records

    def category(self, folder: Folder) -> dict[str, Any]:
        return {
            "agent_id": wire_uuid(folder.owner),
            "category_id": wire_uuid(folder.id),
            "parent_id": wire_uuid(folder.parent_id),
            "name": folder.name,
            "type_default": viewer_folder_type(folder.type),
            "version": folder.version,
        }

    def item(self, item: Item) -> dict[str, Any]:
        return {
            "agent_id": wire_uuid(item.owner),
            "item_id": wire_uuid(item.id),
            "parent_id": wire_uuid(item.folder),
            "asset_id": wire_uuid(item.asset_id),
            "name": item.name,
            "desc": item.description,
            "created_at": item.creation_date,
            "type": item.asset_type,
            "inv_type": item.inv_type,
            "flags": item.flags,
            "permissions": self.permissions(item),
            "sale_info": self.sale_info(item),
        }

    def permissions(self, item: Item) -> dict[str, Any]:
        return {
            "creator_id": wire_uuid(canonical_uuid(item.creator_id) or ZERO_UUID),
            "owner_id": wire_uuid(item.owner),
            "group_id": wire_uuid(item.group_id),
            "last_owner_id": wire_uuid(item.owner),
            "is_owner_group": item.group_owned,
            "base_mask": item.base_permissions,
            "owner_mask": item.current_permissions,
            "group_mask": item.group_permissions,
            "everyone_mask": item.everyone_permissions,
            "next_owner_mask": item.next_permissions,
        }

    def sale_info(self, item: Item) -> dict[str, Any]:
        return {"sale_price": item.sale_price, "sale_type": item.sale_type}

    # ------------------------------------------------------------------ items

    async def items_by_id(self, request: Request, *, library: bool) -> Response:
        read = await self.agent_and_request(request, "items")
        if isinstance(read, Response):
            return read
        agent_id, asked = read
        found = self.found_items(agent_id, asked, library=library)
        return self.reply(request, {"agent_id": wire_uuid(agent_id),
                                    "items": [self.item(item) for item in found]})

    def found_items(self, agent_id: str, asked: Iterable[dict[str, Any]], *,
                    library: bool) -> list[Item]:
        """The items asked for that the agent may read; unknown ones are left out."""
        owner = LIBRARY_OWNER if library else agent_id
        found = []
        for entry in asked:
            item_id = canonical_uuid(str(entry.get("item_id", "")))
            item = self.store.item(item_id) if item_id else None
            if item is not None and item.owner == owner:
                found.append(item)
        return found


def wire_uuid(text: str) -> Any:
    """A UUID as the llsd library writes it (``<uuid>``)."""
    return uuid.UUID(text)
