"""The reference Inventory API v3 (AIS3): the InventoryAPIv3 and LibraryAPIv3
capabilities, over the inventory tables XInventory uses (so a change made here shows in
XInventory and FetchInventoryDescendents2 at once).

Written as seeds/sl-inventory-api-v3-ais.txt reads: six resources (Category, its
children, links, items and categories, and Item), each method with its status, its
response keys and its errors; entity tags with If-Match / If-None-Match; ``depth``;
``tid`` (a replayed transaction is refused with 409 and changes nothing); ``simulate``
(the answer describes the change, nothing is written). Each method is one small handler
and each rule one small method, so a self-test can break exactly one of them.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.xinventory import InventoryStore, viewer_folder_type
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS ais_transactions (
    agent TEXT NOT NULL,
    tid TEXT NOT NULL,
    PRIMARY KEY (agent, tid)
);
CREATE TABLE IF NOT EXISTS ais_removed (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL
);
"""

INVENTORY_CAP = "InventoryAPIv3"
LIBRARY_CAP = "LibraryAPIv3"
#: OpenSimulator's library: its owner and root folder.
LIBRARY_OWNER = "11111111-1111-0000-0000-000100bba000"
LIBRARY_ROOT = "00000112-000f-0000-0000-000100bba000"

PERM_COPY = 0x8000
PERM_ALL = 0x7FFFFFFF
UINT16_MAX = 0xFFFF
#: The sale types the viewer writes as words (LLSaleInfo).
SALE_TYPES = {"not": 0, "orig": 1, "copy": 2, "cntn": 3}
#: Names PUT gives the special folders it creates.
SPECIAL_NAMES = {20: "Animations", 13: "Body Parts", 5: "Clothing", 46: "Current Outfit",
                 23: "Favorites", 21: "Gestures", 50: "Received Items", 3: "Landmarks",
                 10: "Scripts", 16: "Lost And Found", 48: "My Outfits", 7: "Notecards",
                 6: "Objects", 51: "Merchant Outbox", 15: "Photo Album", 1: "Sounds",
                 0: "Textures", 14: "Trash"}
#: The resources below /category/{category}: the part of the tree each covers.
CATEGORY_PARTS = ("children", "links", "items", "categories")


def storable(value: Any) -> Any:
    """``value`` when the store can hold all of it: integers within SQLite's 64 bits and
    text that is Unicode (no lone surrogates); else a ValueError naming what is not."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"the integer {value} is out of range (64-bit)")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone surrogate (not Unicode text)") from None
    if isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    if isinstance(value, list):
        for item in value:
            storable(item)
    return value


class AisError(Exception):
    """An error answer: status, error_description and the context keys."""

    def __init__(self, status: int, description: str, **context: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.context = context


@dataclass
class AisSettings:
    """Where the library lives (OpenSimulator's ids by default)."""

    library_owner: str = LIBRARY_OWNER


@dataclass
class Call:
    """One AIS3 request as the handlers see it."""

    owner: str
    agent: str
    cap: str
    base: str
    method: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    content_type: str
    library: bool = False
    path_part: str = "category"
    depth: int | None = None
    simulate: bool = False
    tid: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@dataclass
class Answer:
    status: int
    document: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call, str], Answer]


class AisService:
    """The routes and rules of AIS3."""

    schema: ClassVar[str] = SCHEMA
    #: Methods the wiki marks COMPLETE or PARTIAL, and the NONE ones this server has.
    category_methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PUT", "PATCH", "COPY",
                                                   "MOVE", "DELETE")
    item_methods: ClassVar[tuple[str, ...]] = ("GET", "PATCH", "COPY", "MOVE", "DELETE")
    base_uri: ClassVar[str] = "slcap://"

    def __init__(self, db: sqlite3.Connection, settings: AisSettings | None = None) -> None:
        self.db = db
        self.store = InventoryStore(db)
        self.settings = settings or AisSettings()

    # ------------------------------------------------------------------ routes

    def routes(self) -> list[Route]:
        methods = ["GET", "POST", "PUT", "PATCH", "COPY", "MOVE", "DELETE"]
        routes = []
        for cap in (INVENTORY_CAP, LIBRARY_CAP):
            prefix = f"/caps/{{agent_id}}/{cap}"
            routes += [
                Route(prefix + "/category/{category}", self.endpoint, methods=methods),
                Route(prefix + "/category/{category}/{part}", self.endpoint, methods=methods),
                Route(prefix + "/item/{item}", self.endpoint, methods=methods),
                Route(prefix + "/{rest:path}", self.endpoint, methods=methods),
            ]
        return routes

    @staticmethod
    def capabilities() -> dict[str, str]:
        """The capability names this service answers, each a path template."""
        return {INVENTORY_CAP: f"/caps/{{agent_id}}/{INVENTORY_CAP}",
                LIBRARY_CAP: f"/caps/{{agent_id}}/{LIBRARY_CAP}"}

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        try:
            call = self.call_of(request, body)
            answer = self.dispatch(call, request.path_params)
        except AisError as error:
            answer = self.error_answer(error)
        if self.prefers_json(request.headers.get("accept", "")):
            return self.render_json(answer)
        return self.render(answer)

    def prefers_json(self, accept: str) -> bool:
        """Accept names application/json before application/llsd+xml (the page: the
        preferred response type, "Generally application/llsd+xml or application/json")."""
        types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        return wire.JSON_TYPE in types and (
            wire.CONTENT_TYPE not in types
            or types.index(wire.JSON_TYPE) < types.index(wire.CONTENT_TYPE))

    def render_json(self, answer: Answer) -> Response:
        headers = {**self.global_headers(), **answer.headers}
        if answer.status == 304:
            return Response(b"", status_code=304, headers=headers)
        return Response(wire.encode_json(answer.document), status_code=answer.status,
                        headers=headers, media_type=wire.JSON_TYPE)

    def call_of(self, request: Request, body: bytes) -> Call:
        agent = canonical_uuid(request.path_params["agent_id"]) or ZERO_UUID
        cap = LIBRARY_CAP if f"/{LIBRARY_CAP}" in request.url.path else INVENTORY_CAP
        library = cap == LIBRARY_CAP
        path = request.url.path
        base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}" \
               f"{path[:path.index(cap) + len(cap)]}"
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        call = Call(owner=self.settings.library_owner if library else agent, agent=agent,
                    cap=cap,
                    base=base, method=request.method.upper(),
                    query=self.parse_query(request.url.query),
                    headers={k.lower(): v for k, v in request.headers.items()}, body=body,
                    content_type=content_type, library=library)
        self.read_parameters(call)
        return call

    def parse_query(self, query: str) -> dict[str, str]:
        """``a=1&b=2``; a comma before ``name=`` also separates parameters (the viewer's
        library COPY writes ``?tid=…,depth=0``), while ``children=a,b`` stays one list."""
        result: dict[str, str] = {}
        for term in re.split(r"&|,(?=[A-Za-z_]+=)", query):
            if not term:
                continue
            key, _, value = term.partition("=")
            result.setdefault(unquote(key), unquote(value))
        return result

    def read_parameters(self, call: Call) -> None:
        """depth, simulate and tid, each checked against the wiki's validation pattern."""
        depth = call.query.get("depth")
        if depth is not None:
            if not self.valid_depth(depth):
                raise AisError(400, f"depth {depth!r} does not match ^(\\*|[0-9]+)?$")
            call.depth = None if depth in ("*", "") else int(depth)
            if depth == "":
                call.depth = self.default_depth()
        else:
            call.depth = self.default_depth()
        simulate = call.query.get("simulate")
        if simulate is not None:
            if not wire.SIMULATE_PATTERN.match(simulate):
                raise AisError(400, f"simulate {simulate!r} does not match "
                                    "^(0|1|true|false)?$")
            call.simulate = self.simulates(simulate)
        call.tid = call.query.get("tid") or None

    def valid_depth(self, depth: str) -> bool:
        return bool(wire.DEPTH_PATTERN.match(depth))

    def default_depth(self) -> int:
        return 0

    def simulates(self, value: str) -> bool:
        return value in ("1", "true")

    # ------------------------------------------------------------------ dispatch

    def dispatch(self, call: Call, params: dict[str, str]) -> Answer:
        if self.store.folder(self.root_id(call.owner) or ZERO_UUID) is None:
            raise AisError(404, "no inventory for this agent")
        call.path_part = params.get("part", "")
        if "item" in params:
            resource, target = "item", params["item"]
            allowed = self.item_methods
        elif "category" in params:
            resource = params.get("part", "category")
            target = params["category"]
            if resource not in ("category", *CATEGORY_PARTS):
                raise AisError(404, f"no resource /category/{{category}}/{resource}")
            allowed = self.category_methods if resource == "category" else \
                self.part_methods(resource)
        elif params.get("rest") == "orphans" and not call.library:
            if call.method != "GET":
                raise AisError(405, f"{call.method} is not implemented on /orphans")
            return self.conditional_get(call, "orphans", "", self.get_orphans)
        else:
            raise AisError(404, f"no AIS3 resource at /{params.get('rest', '')}")
        if call.method not in allowed:
            raise AisError(405, f"{call.method} is not implemented on this resource")
        if call.library and call.method not in ("GET", "COPY"):
            raise AisError(403, "the library is read-only")
        self.check_media_type(call)
        handler = self.handler(resource, call.method)
        if call.method in ("GET",):
            return self.conditional_get(call, resource, target, handler)
        return self.write(call, resource, target, handler)

    def part_methods(self, part: str) -> tuple[str, ...]:
        """Every method on every part: those the wiki marks NONE too (PUT, COPY and MOVE
        of the children, items and categories; COPY and MOVE of the links)."""
        return ("GET", "PUT", "COPY", "MOVE", "DELETE")

    def handler(self, resource: str, method: str) -> Handler:
        handlers: dict[tuple[str, str], Handler] = {
            ("category", "GET"): self.get_category,
            ("category", "POST"): self.post_category,
            ("category", "PUT"): self.put_category,
            ("category", "PATCH"): self.patch_category,
            ("category", "COPY"): self.copy_category,
            ("category", "MOVE"): self.move_category,
            ("category", "DELETE"): self.delete_category,
            ("children", "GET"): self.get_children,
            ("children", "DELETE"): self.delete_children,
            ("links", "GET"): self.get_links,
            ("links", "PUT"): self.put_links,
            ("links", "DELETE"): self.delete_links,
            ("items", "GET"): self.get_items,
            ("items", "DELETE"): self.delete_items,
            ("categories", "GET"): self.get_categories,
            ("categories", "DELETE"): self.delete_categories,
            **{(part, "COPY"): self.copy_part for part in CATEGORY_PARTS},
            **{(part, "MOVE"): self.move_part for part in CATEGORY_PARTS},
            ("children", "PUT"): self.put_part,
            ("items", "PUT"): self.put_part,
            ("categories", "PUT"): self.put_part,
            ("item", "GET"): self.get_item,
            ("item", "PATCH"): self.patch_item,
            ("item", "COPY"): self.copy_item,
            ("item", "MOVE"): self.move_item,
            ("item", "DELETE"): self.delete_item,
        }
        return handlers[(resource, method)]

    def check_media_type(self, call: Call) -> None:
        if call.body.strip() and call.content_type not in self.media_types():
            raise AisError(415, f"unsupported media type {call.content_type or '(none)'}")

    def media_types(self) -> tuple[str, ...]:
        return (wire.CONTENT_TYPE, "application/xml", "text/xml", "application/json")

    # ------------------------------------------------------------------ preconditions

    def conditional_get(self, call: Call, resource: str, target: str,
                        handler: Handler) -> Answer:
        answer = handler(call, target)
        tag = self.etag(answer.document)
        answer.headers["ETag"] = tag
        self.check_if_match(call, tag)
        if self.none_match(call, tag):
            return Answer(304, None, {"ETag": tag})
        return answer

    def current_tag(self, call: Call, resource: str, target: str) -> str | None:
        """The entity tag a GET of the resource would carry now (None when it has none)."""
        try:
            getter = self.handler(resource, "GET")
            return self.etag(getter(replace(call, method="GET"), target).document)
        except AisError:
            return None

    def etag(self, document: Any) -> str:
        """The entity tag of a representation: it changes exactly when the
        representation does."""
        text = json.dumps(wire.plain(document), sort_keys=True, default=str)
        return '"' + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + '"'

    def check_if_match(self, call: Call, tag: str | None) -> None:
        tags = wire.etag_list(call.headers.get("if-match"))
        if tags and "*" not in tags and (tag is None or tag not in tags):
            raise AisError(412, "If-Match: no supplied entity tag matches the resource",
                           etags=tags, etag=tag or "", condition="If-Match")

    def none_match(self, call: Call, tag: str | None) -> bool:
        tags = wire.etag_list(call.headers.get("if-none-match"))
        return bool(tags) and tag is not None and ("*" in tags or tag in tags)

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        if not call.headers.get("if-match") and not call.headers.get("if-none-match"):
            return
        tag = self.current_tag(call, resource, target)
        self.check_if_match(call, tag)
        if self.none_match(call, tag):
            raise AisError(412, "If-None-Match: a supplied entity tag matches the resource",
                           etags=wire.etag_list(call.headers.get("if-none-match")),
                           etag=tag or "", condition="If-None-Match")

    # ------------------------------------------------------------------ writes

    def write(self, call: Call, resource: str, target: str, handler: Handler) -> Answer:
        """A method that writes: preconditions, the transaction id, and simulate (the
        change is made and rolled back, so the answer describes it)."""
        self.check_preconditions(call, resource, target)
        if call.tid is not None and self.seen_transaction(call.owner, call.tid):
            raise AisError(409, "duplicate transaction", transaction_id=call.tid)
        self.db.execute("SAVEPOINT ais_write")
        try:
            answer = handler(call, target)
        except BaseException:
            self.db.execute("ROLLBACK TO ais_write")
            self.db.execute("RELEASE ais_write")
            raise
        self.tag_written(call, resource, target, answer)
        if call.simulate:
            self.discard(call)
        else:
            if call.tid is not None:
                self.remember_transaction(call.owner, call.tid)
            self.db.execute("RELEASE ais_write")
        return answer

    def tag_written(self, call: Call, resource: str, target: str, answer: Answer) -> None:
        """The wiki lists an ETag among the response headers of the success of PATCH,
        COPY, MOVE and PUT on a category and its parts: the tag of the resource now."""
        if resource == "item" or call.method not in ("PATCH", "COPY", "MOVE", "PUT") or \
                answer.status not in (200, 201) or "ETag" in answer.headers:
            return
        tag = self.current_tag(call, resource, target)
        if tag is not None:
            answer.headers["ETag"] = tag

    def discard(self, call: Call) -> None:
        """simulate: nothing the handler wrote stays."""
        self.db.execute("ROLLBACK TO ais_write")
        self.db.execute("RELEASE ais_write")

    def seen_transaction(self, owner: str, tid: str) -> bool:
        row = self.db.execute("SELECT 1 FROM ais_transactions WHERE agent = ? AND tid = ?",
                              (owner, tid)).fetchone()
        return row is not None

    def remember_transaction(self, owner: str, tid: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO ais_transactions VALUES (?, ?)", (owner, tid))

    # ------------------------------------------------------------------ lookups

    def root_id(self, owner: str) -> str | None:
        roots = self.store.folders_where("owner = ? AND parent_id = ?", owner, ZERO_UUID)
        named = [f for f in roots if f.name == "My Inventory"]
        found = next(iter(named or roots), None)
        return found.id if found else None

    def resolve(self, call: Call, name: str) -> str | None:
        """A category UUID or special name -> the folder id (None: no such folder)."""
        uid = canonical_uuid(name)
        if uid is not None:
            return uid
        folder_type = wire.SPECIAL_CATEGORIES.get(name)
        if folder_type is None:
            return None
        root = self.root_id(call.owner)
        if root is None:
            return None
        if folder_type == wire.ROOT_TYPE:
            return root
        found = self.store.folders_where("parent_id = ? AND owner = ? AND type = ?", root,
                                         call.owner, folder_type)
        return found[0].id if found else None

    def category(self, call: Call, name: str, *, status: int = 404) -> Folder:
        """The caller's category, or 404 (410 when AIS3 deleted it)."""
        folder_id = self.resolve(call, name)
        folder = self.store.folder(folder_id) if folder_id else None
        if folder is None or folder.owner != call.owner:
            if folder_id and self.was_removed(folder_id):
                raise AisError(410, "category gone", category_id=folder_id)
            raise AisError(status, "category not found",
                           **({"category_id": folder_id} if folder_id else {}))
        return folder

    def item(self, call: Call, item_id: str) -> Item:
        uid = canonical_uuid(item_id)
        item = self.store.item(uid) if uid else None
        if item is None or item.owner != call.owner:
            if uid and self.was_removed(uid):
                raise AisError(410, "item gone", item_id=uid)
            raise AisError(404, "item not found", **({"item_id": uid} if uid else {}))
        return item

    def was_removed(self, object_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM ais_removed WHERE id = ?",
                               (object_id,)).fetchone() is not None

    def destination(self, call: Call) -> Folder:
        """The Destination header of COPY and MOVE: a category of the agent's own."""
        name = call.headers.get("destination", "").strip().rstrip("/").rsplit("/", 1)[-1]
        inventory = replace(call, owner=call.agent, library=False)
        if not name:
            raise AisError(400, "Destination header missing")
        return self.category(inventory, name)

    # ------------------------------------------------------------------ representations

    def link_href(self, path: str) -> dict[str, str]:
        return {"href": path}

    def category_links(self, folder: Folder) -> dict[str, Any]:
        base = f"/category/{folder.id}"
        return {"self": self.link_href(base), "parent": self.link_href(
                    f"/category/{folder.parent_id}"),
                "links": self.link_href(f"{base}/links"),
                "items": self.link_href(f"{base}/items"),
                "children": self.link_href(f"{base}/children"),
                "categories": self.link_href(f"{base}/categories")}

    def category_document(self, call: Call, folder: Folder, levels: int | None = 0,
                          parts: tuple[str, ...] = ("categories", "items", "links")
                          ) -> dict[str, Any]:
        """A category; with ``levels`` > 0 (None: unlimited) its children embedded that
        many levels deep, each level a map keyed by UUID."""
        document: dict[str, Any] = {
            "_links": self.category_links(folder),
            "_base_uri": self.base_uri + call.cap,
            "name": folder.name,
            "type_default": viewer_folder_type(folder.type),
            "parent_id": uuid.UUID(folder.parent_id),
            "version": folder.version,
            "agent_id": uuid.UUID(folder.owner),
            "category_id": uuid.UUID(folder.id),
        }
        if levels is None or levels > 0:
            document["_embedded"] = self.embedded(call, folder, None if levels is None
                                                  else levels - 1, parts)
        return document

    def embedded(self, call: Call, folder: Folder, levels: int | None,
                 parts: tuple[str, ...]) -> dict[str, Any]:
        section: dict[str, Any] = {}
        if "categories" in parts:
            section["categories"] = self.keyed(
                (child.id, self.category_document(call, child, levels, parts))
                for child in self.store.folders_where("parent_id = ?", folder.id))
        contents = self.store.items_where("folder = ?", folder.id)
        if "items" in parts:
            section["items"] = self.keyed((item.id, self.item_document(call, item))
                                          for item in contents if not is_link(item))
        if "links" in parts:
            section["links"] = self.keyed((item.id, self.link_document(call, item))
                                          for item in contents if is_link(item))
        return section

    def keyed(self, pairs: Any) -> Any:
        """An ``_embedded`` collection: a map from UUID to object."""
        return dict(pairs)

    def item_document(self, call: Call, item: Item) -> dict[str, Any]:
        return {
            "_links": {"self": self.link_href(f"/item/{item.id}"),
                       "parent": self.link_href(f"/category/{item.folder}")},
            "_base_uri": self.base_uri + call.cap,
            "item_id": uuid.UUID(item.id),
            "parent_id": uuid.UUID(item.folder),
            "agent_id": uuid.UUID(item.owner),
            "asset_id": uuid.UUID(item.asset_id),
            "name": item.name,
            "desc": item.description,
            "type": item.asset_type,
            "inv_type": item.inv_type,
            "flags": item.flags,
            "created_at": item.creation_date,
            "sale_info": {"sale_price": item.sale_price, "sale_type": item.sale_type},
            "permissions": {
                "base_mask": item.base_permissions, "owner_mask": item.current_permissions,
                "group_mask": item.group_permissions,
                "everyone_mask": item.everyone_permissions,
                "next_owner_mask": item.next_permissions,
                "creator_id": uuid.UUID(canonical_uuid(item.creator_id) or ZERO_UUID),
                "owner_id": uuid.UUID(item.owner),
                "last_owner_id": uuid.UUID(item.owner),
                "group_id": uuid.UUID(item.group_id),
            },
        }

    def link_document(self, call: Call, link: Item) -> dict[str, Any]:
        target_key = "category" if link.asset_type == wire.LINK_FOLDER_TYPE else "item"
        document: dict[str, Any] = {
            "_links": {"self": self.link_href(f"/item/{link.id}"),
                       "parent": self.link_href(f"/category/{link.folder}"),
                       target_key: self.link_href(f"/{target_key}/{link.asset_id}")},
            "_base_uri": self.base_uri + call.cap,
            "item_id": uuid.UUID(link.id),
            "linked_id": uuid.UUID(link.asset_id),
            "parent_id": uuid.UUID(link.folder),
            "agent_id": uuid.UUID(link.owner),
            "name": link.name,
            "desc": link.description,
            "type": link.asset_type,
            "inv_type": link.inv_type,
            "created_at": link.creation_date,
        }
        target = self.link_target(link)
        if isinstance(target, Folder):
            document["_embedded"] = {"category": self.category_document(call, target)}
        elif isinstance(target, Item):
            document["_embedded"] = {"item": self.item_document(call, target)}
        document["_broken"] = target is None
        return document

    def link_target(self, link: Item) -> Folder | Item | None:
        if link.asset_type == wire.LINK_FOLDER_TYPE:
            return self.store.folder(link.asset_id)
        return self.store.item(link.asset_id)

    def object_document(self, call: Call, item: Item) -> dict[str, Any]:
        return self.link_document(call, item) if is_link(item) else \
            self.item_document(call, item)

    # ------------------------------------------------------------------ versions

    def bump(self, folder_id: str, touched: dict[str, int]) -> None:
        """A folder's contents changed: its version goes up by one (as XInventory's),
        and it is listed in ``_updated_category_versions``."""
        folder = self.store.folder(folder_id)
        if folder is None:
            return
        version = (folder.version + 1) % (UINT16_MAX + 1)
        self.store.set_folder_version(folder_id, version)
        touched[folder_id] = version

    def versions(self, touched: dict[str, int]) -> dict[str, int]:
        """``_updated_category_versions``: a map from each touched folder that still
        exists to its version now."""
        result = {}
        for folder_id in touched:
            folder = self.store.folder(folder_id)
            if folder is not None:
                result[folder_id] = folder.version
        return result

    # ------------------------------------------------------------------ Category

    def get_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, call.depth))

    def children_levels(self, call: Call) -> int | None:
        """/children, /categories: the direct children always, ``depth`` levels more."""
        return None if call.depth is None else call.depth + 1

    def get_children(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        document = self.category_document(call, folder, self.children_levels(call))
        if "children" in call.query:
            self.keep_children(document, call.query["children"])
        return Answer(200, document)

    def keep_children(self, document: dict[str, Any], wanted: str) -> None:
        """``children=id1,id2`` (the viewer's FetchCategorySubset): only those children."""
        ids = {uid for text in wanted.split(",") if (uid := canonical_uuid(text))}
        for part, members in document.get("_embedded", {}).items():
            document["_embedded"][part] = {k: v for k, v in members.items() if k in ids}

    def get_links(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("links",)))

    def get_items(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("items", "links")))

    def get_categories(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, self.children_levels(call),
                                                  ("categories",)))

    def read_body(self, call: Call) -> Any:
        if not call.body.strip():
            return None
        try:
            if call.content_type == "application/json":
                return storable(json.loads(call.body))
            return storable(wire.decode(call.body))  # no DTD: refused as a WireError
        except Exception as exc:
            raise AisError(400, f"the body cannot be read: {exc}") from exc

    def post_category(self, call: Call, name: str) -> Answer:
        """Create the categories, items and links of the body in the category."""
        parent = self.category(call, name)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map of categories, items and links")
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items: list[str] = []
        for entry in self.entries(body, "categories"):
            created_categories.append(self.create_category(call, parent.id, entry, touched))
        for entry in self.entries(body, "items"):
            created_items.append(self.create_item(call, parent.id, entry, touched))
        self.check_link_targets(call, self.entries(body, "links"))
        for entry in self.entries(body, "links"):
            created_items.append(self.create_link(call, parent.id, entry, touched))
        document = self.category_document(call, self.category(call, parent.id))
        document["_embedded"] = self.created_embedded(call, created_categories, created_items)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        location = call.url(f"/category/{parent.id}/children")
        return Answer(201, document, {"Location": location})

    def created_embedded(self, call: Call, categories: list[str],
                         items: list[str]) -> dict[str, Any]:
        section: dict[str, Any] = {"categories": {}, "items": {}, "links": {}}
        for folder_id in categories:
            folder = self.store.folder(folder_id)
            if folder is not None:
                section["categories"][folder_id] = self.category_document(call, folder, 1)
        for item_id in items:
            item = self.store.item(item_id)
            if item is not None:
                key = "links" if is_link(item) else "items"
                section[key][item_id] = self.object_document(call, item)
        return section

    def entries(self, body: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise AisError(400, f"{key} must be an array of maps")
        return value

    def create_category(self, call: Call, parent_id: str, entry: dict[str, Any],
                        touched: dict[str, int]) -> str:
        name = entry.get("name")
        folder_type = entry.get("type_default", -1)
        if not isinstance(name, str) or not isinstance(folder_type, int):
            raise AisError(400, "a category needs a name (string) and type_default (integer)")
        folder = Folder(id=str(uuid.uuid4()), parent_id=parent_id, owner=call.owner,
                        name=name, type=folder_type, version=1)
        self.store.store_folder(folder)
        self.bump(parent_id, touched)
        for child in self.entries(entry.get("_embedded", {}) if isinstance(
                entry.get("_embedded"), dict) else {}, "categories"):
            self.create_category(call, folder.id, child, touched)
        return folder.id

    def create_item(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        name = entry.get("name")
        if not isinstance(name, str):
            raise AisError(400, "an item needs a name")
        permissions: dict[str, Any] = entry.get("permissions") or {}
        sale: dict[str, Any] = entry.get("sale_info") or {}
        if not isinstance(permissions, dict) or not isinstance(sale, dict):
            raise AisError(400, "permissions and sale_info must be maps")
        item = Item(
            id=str(uuid.uuid4()), folder=parent_id, owner=call.owner, name=name,
            asset_id=canonical_uuid(str(entry.get("asset_id") or "")) or ZERO_UUID,
            asset_type=integer(entry.get("type"), 7), inv_type=integer(entry.get("inv_type"), 7),
            description=str(entry.get("desc") or ""), creator_id=call.owner,
            base_permissions=integer(permissions.get("base_mask"), PERM_ALL),
            current_permissions=integer(permissions.get("owner_mask"), PERM_ALL),
            next_permissions=integer(permissions.get("next_owner_mask"), PERM_ALL),
            everyone_permissions=integer(permissions.get("everyone_mask"), 0),
            group_permissions=integer(permissions.get("group_mask"), 0),
            sale_price=integer(sale.get("sale_price"), 0),
            sale_type=integer(sale.get("sale_type"), 0),
            flags=integer(entry.get("flags"), 0), creation_date=int(time.time()),
        )
        self.store.store_item(item)
        self.bump(parent_id, touched)
        return item.id

    def check_link_targets(self, call: Call, entries: list[dict[str, Any]]) -> None:
        """Every link must name an object of the agent's (or the library's): 400
        with ``invalid_linked_ids`` otherwise."""
        invalid = []
        for entry in entries:
            linked = canonical_uuid(str(entry.get("linked_id") or ""))
            link_type = entry.get("type", wire.LINK_TYPE)
            target = None
            if linked is not None:
                target = self.store.folder(linked) if link_type == wire.LINK_FOLDER_TYPE \
                    else self.store.item(linked)
            if target is None or link_type not in (wire.LINK_TYPE, wire.LINK_FOLDER_TYPE):
                invalid.append(uuid.UUID(linked) if linked else str(entry.get("linked_id")))
        if invalid:
            raise AisError(400, "invalid links shape", invalid_linked_ids=invalid)

    def create_link(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        linked = canonical_uuid(str(entry.get("linked_id"))) or ZERO_UUID
        link_type = integer(entry.get("type"), wire.LINK_TYPE)
        target = self.store.item(linked) if link_type == wire.LINK_TYPE else None
        link = Item(id=str(uuid.uuid4()), folder=parent_id, owner=call.owner,
                    name=str(entry.get("name") or (target.name if target else "")),
                    asset_id=linked, asset_type=link_type,
                    inv_type=integer(entry.get("inv_type"),
                                     target.inv_type if target else 8),
                    description=str(entry.get("desc") or ""), creator_id=call.owner,
                    creation_date=int(time.time()))
        self.store.store_item(link)
        self.bump(parent_id, touched)
        return link.id

    def put_category(self, call: Call, name: str) -> Answer:
        """Create a missing 'special' category (201); an existing one is 409."""
        folder_id = self.resolve(call, name)
        if folder_id is not None:
            existing = self.store.folder(folder_id)
            if existing is not None and existing.owner == call.owner:
                raise ExistingCategory(self.category_document(call, existing))
            raise AisError(404, "category not found", category_id=folder_id)
        folder_type = wire.SPECIAL_CATEGORIES.get(name)
        root = self.root_id(call.owner)
        if folder_type is None or root is None:
            raise AisError(404, f"{name!r} is not a special category name")
        touched: dict[str, int] = {}
        folder = Folder(id=str(uuid.uuid4()), parent_id=root, owner=call.owner,
                        name=SPECIAL_NAMES.get(folder_type, name), type=folder_type,
                        version=1)
        self.store.store_folder(folder)
        self.bump(root, touched)
        document = self.category_document(call, folder)
        document["_created_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}")})

    def patch_category(self, call: Call, name: str) -> Answer:
        """Rename (``name``); the viewer's full form (``item_id``, ``type``, …) is read
        for its name; a new ``parent_id`` moves the category."""
        folder = self.category(call, name)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map", category_id=folder.id)
        new_name = body.get("name", folder.name)
        if not isinstance(new_name, str):
            raise AisError(400, "name must be a string", category_id=folder.id)
        touched: dict[str, int] = {}
        parent_id = canonical_uuid(str(body.get("parent_id") or "")) or folder.parent_id
        updated = replace(folder, name=new_name)
        if parent_id != folder.parent_id:
            self.category(call, parent_id)
            updated = replace(updated, parent_id=parent_id)
            self.bump(parent_id, touched)
        if updated != folder:
            self.store.store_folder(updated)
            self.bump(folder.parent_id, touched)
        document = self.category_document(call, self.category(call, folder.id))
        document["_updated_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document)

    def copy_category(self, call: Call, name: str) -> Answer:
        """Copy the category (with its subfolders unless depth=0) into Destination."""
        source = self.category(call, name)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items: list[str] = []
        self.check_copyable(source)
        top = self.copy_tree(inventory, source, destination.id, self.copies_subfolders(call),
                             touched,
                             created_categories, created_items)
        document = self.category_document(inventory, self.store.folder(top) or source, None)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        document["_top_category_id"] = uuid.UUID(top)
        document["_removed_items"] = []
        document["_moved_items"] = []
        return Answer(201, document, {"Location": inventory.url(f"/category/{top}")})

    def copies_subfolders(self, call: Call) -> bool:
        """COPY takes the subfolders along unless depth=0 asks for the folder alone."""
        return call.query.get("depth") != "0"

    def inventory_call(self, call: Call) -> Call:
        """The agent's side of a call (a library COPY writes into the agent's inventory)."""
        if not call.library:
            return call
        return replace(call, owner=call.agent, library=False,
                       cap=INVENTORY_CAP, base=call.base.replace(LIBRARY_CAP, INVENTORY_CAP))

    def check_copyable(self, folder: Folder) -> None:
        """403 when an item of the tree may not be copied (no copy permission)."""
        for item in self.tree_items(folder.id):
            if not is_link(item) and not item.current_permissions & PERM_COPY:
                raise AisError(403, "permissions check failed: an item is not copyable")

    def tree_items(self, folder_id: str) -> list[Item]:
        items = self.store.items_where("folder = ?", folder_id)
        for child in self.store.folders_where("parent_id = ?", folder_id):
            items += self.tree_items(child.id)
        return items

    def copy_tree(self, call: Call, source: Folder, parent_id: str, subfolders: bool,
                  touched: dict[str, int], categories: list[str], items: list[str]) -> str:
        copy = Folder(id=str(uuid.uuid4()), parent_id=parent_id, owner=call.owner,
                      name=source.name, type=-1 if source.type != 47 else 47, version=1)
        self.store.store_folder(copy)
        self.bump(parent_id, touched)
        categories.append(copy.id)
        for item in self.store.items_where("folder = ?", source.id):
            items.append(self.copy_one(call, item, copy.id, {}))
        if subfolders:
            for child in self.store.folders_where("parent_id = ?", source.id):
                self.copy_tree(call, child, copy.id, True, {}, categories, items)
        return copy.id

    def copy_one(self, call: Call, item: Item, folder_id: str, touched: dict[str, int]) -> str:
        copy = replace(item, id=str(uuid.uuid4()), folder=folder_id, owner=call.owner)
        self.store.store_item(copy)
        self.bump(folder_id, touched)
        return copy.id

    def move_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        destination = self.destination(call)
        if destination.id in self.lineage(destination.id) and \
                folder.id in self.lineage(destination.id):
            raise AisError(400, "a category cannot move into itself", category_id=folder.id)
        touched: dict[str, int] = {}
        self.store.store_folder(replace(folder, parent_id=destination.id))
        self.bump(folder.parent_id, touched)
        self.bump(destination.id, touched)
        document = self.category_document(call, self.category(call, folder.id))
        document["_updated_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/category/{folder.id}")})

    def lineage(self, folder_id: str) -> list[str]:
        return self.store.lineage(folder_id)

    # ------------------------------------------------------------------ removal

    def removal(self) -> dict[str, Any]:
        return {"_categories_removed": [], "_category_items_removed": [],
                "_removed_items": [], "_broken_links_removed": [],
                "_attachments_removed": [], "_active_gestures_removed": [],
                "_wearables_removed": [], "_total_items_removed": 0}

    def remove_item(self, item: Item, removed: dict[str, Any], touched: dict[str, int],
                    key: str = "_category_items_removed") -> None:
        """Remove one item; links to it elsewhere go too (``_broken_links_removed``)."""
        self.store.delete_item(item.id)
        self.mark_removed(item.id, "item", item.owner)
        removed[key].append(uuid.UUID(item.id))
        removed["_total_items_removed"] += 1
        self.bump(item.folder, touched)
        if not is_link(item):
            for link in self.store.items_where("asset_id = ? AND owner = ? AND asset_type = ?",
                                               item.id, item.owner, wire.LINK_TYPE):
                self.remove_item(link, removed, touched, "_broken_links_removed")

    def remove_tree(self, folder: Folder, removed: dict[str, Any],
                    touched: dict[str, int]) -> None:
        for child in self.store.folders_where("parent_id = ?", folder.id):
            self.remove_tree(child, removed, touched)
        for item in self.store.items_where("folder = ?", folder.id):
            self.remove_item(item, removed, touched)
        self.store.delete_folder(folder.id)
        self.mark_removed(folder.id, "category", folder.owner)
        removed["_categories_removed"].append(uuid.UUID(folder.id))
        self.bump(folder.parent_id, touched)

    def mark_removed(self, object_id: str, kind: str, owner: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO ais_removed VALUES (?, ?, ?)",
                        (object_id, kind, owner))

    def removal_answer(self, removed: dict[str, Any], touched: dict[str, int]) -> Answer:
        removed["_updated_category_versions"] = self.versions(touched)
        return Answer(200, removed)

    def gone_category(self, call: Call, name: str) -> Folder:
        """DELETE: an unknown or removed category is 410 (Category gone)."""
        try:
            return self.category(call, name)
        except AisError as error:
            if error.status == 404:
                raise AisError(410, "category gone", **error.context) from error
            raise

    def delete_category(self, call: Call, name: str) -> Answer:
        folder = self.gone_category(call, name)
        if folder.parent_id == ZERO_UUID:
            raise AisError(403, "the root category cannot be deleted", category_id=folder.id)
        removed, touched = self.removal(), dict[str, int]()
        self.remove_tree(folder, removed, touched)
        return self.removal_answer(removed, touched)

    def delete_children(self, call: Call, name: str) -> Answer:
        folder = self.gone_category(call, name)
        removed, touched = self.removal(), dict[str, int]()
        for child in self.store.folders_where("parent_id = ?", folder.id):
            self.remove_tree(child, removed, touched)
        for item in self.store.items_where("folder = ?", folder.id):
            self.remove_item(item, removed, touched)
        return self.removal_answer(removed, touched)

    def delete_links(self, call: Call, name: str) -> Answer:
        folder = self.gone_category(call, name)
        removed, touched = self.removal(), dict[str, int]()
        for item in self.store.items_where("folder = ?", folder.id):
            if is_link(item):
                self.remove_item(item, removed, touched)
        return self.removal_answer(removed, touched)

    def delete_items(self, call: Call, name: str) -> Answer:
        folder = self.gone_category(call, name)
        removed, touched = self.removal(), dict[str, int]()
        for item in self.store.items_where("folder = ?", folder.id):
            if self.store.item(item.id) is not None:
                self.remove_item(item, removed, touched)
        return self.removal_answer(removed, touched)

    def delete_categories(self, call: Call, name: str) -> Answer:
        folder = self.gone_category(call, name)
        removed, touched = self.removal(), dict[str, int]()
        for child in self.store.folders_where("parent_id = ?", folder.id):
            self.remove_tree(child, removed, touched)
        return self.removal_answer(removed, touched)

    # ------------------------------------------------------------------ links

    def put_links(self, call: Call, name: str) -> Answer:
        """Replace the category's links with those of the body (a bare array, as the
        viewer sends it; a map with ``links`` is read too)."""
        folder = self.category(call, name)
        body = self.read_body(call)
        entries = body.get("links") if isinstance(body, dict) else body
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise AisError(400, "the body must be an array of links")
        self.check_link_targets(call, entries)
        touched: dict[str, int] = {}
        removed = self.removal()
        for item in self.store.items_where("folder = ?", folder.id):
            if is_link(item):
                self.remove_item(item, removed, touched)
        created = [self.create_link(call, folder.id, entry, touched) for entry in entries]
        document = self.category_document(call, self.category(call, folder.id), 1, ("links",))
        document["_created_items"] = [uuid.UUID(i) for i in created]
        document["_category_items_removed"] = removed["_category_items_removed"]
        document["_linked_ids"] = [uuid.UUID(canonical_uuid(str(e.get("linked_id")))
                                             or ZERO_UUID) for e in entries]
        document["_updated_items"] = []
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}/links")})

    # ------------------------------------------------------------------ the NONE methods on parts

    def part_of(self, call: Call) -> str:
        """Which part of the category the request names (its path's last segment)."""
        return call.path_part

    def members(self, folder: Folder, part: str) -> tuple[list[Folder], list[Item]]:
        """The subcategories and items (links included) a part of ``folder`` covers."""
        categories = self.store.folders_where("parent_id = ?", folder.id) \
            if part in ("children", "categories") else []
        items = [i for i in self.store.items_where("folder = ?", folder.id)
                 if part in ("children", "items") or (part == "links" and is_link(i))]
        return categories, items

    def copy_part(self, call: Call, name: str) -> Answer:
        """COPY of a category's part (NONE on the wiki): its members, copied into the
        Destination."""
        source = self.category(call, name)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        categories, items = self.members(source, self.part_of(call))
        self.check_part_copyable(categories, items)
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items = [self.copy_one(inventory, item, destination.id, touched)
                         for item in items]
        for child in categories:
            self.copy_tree(inventory, child, destination.id, True, touched,
                           created_categories, created_items)
        document = self.category_document(inventory, destination, 1)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        document["_top_category_id"] = uuid.UUID(destination.id)
        document["_removed_items"] = []
        document["_moved_items"] = []
        return Answer(201, document, {"Location": inventory.url(f"/category/{destination.id}")})

    def check_part_copyable(self, categories: list[Folder], items: list[Item]) -> None:
        """403 when an item the COPY of a part would copy may not be copied."""
        for child in categories:
            self.check_copyable(child)
        for item in items:
            if not is_link(item) and not item.current_permissions & PERM_COPY:
                raise AisError(403, "permissions check failed: an item is not copyable")

    def move_part(self, call: Call, name: str) -> Answer:
        """MOVE of a category's part (NONE on the wiki): its members, moved into the
        Destination."""
        source = self.category(call, name)
        destination = self.destination(call)
        if source.id in self.lineage(destination.id):
            raise AisError(400, "a category cannot move into itself", category_id=source.id)
        categories, items = self.members(source, self.part_of(call))
        touched: dict[str, int] = {}
        for child in categories:
            self.store.store_folder(replace(child, parent_id=destination.id))
        for item in items:
            self.store.store_item(replace(item, folder=destination.id))
        if categories or items:
            self.bump(source.id, touched)
            self.bump(destination.id, touched)
        document = self.category_document(call, self.category(call, source.id), 1)
        document["_updated_items"] = [uuid.UUID(i.id) for i in items]
        document["_updated_categories"] = [uuid.UUID(c.id) for c in categories]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/category/{destination.id}")})

    def put_part(self, call: Call, name: str) -> Answer:
        """PUT of a category's children, items or categories (NONE on the wiki): the
        members are replaced by those of the body (newEmbeddedChildren; an array of
        categories for /categories)."""
        folder = self.category(call, name)
        part = self.part_of(call)
        body = self.read_body(call)
        if part == "categories" and isinstance(body, list):
            body = {"categories": body}
        if not isinstance(body, dict):
            raise AisError(400, "the body must be newEmbeddedChildren")
        removed, touched = self.removal(), dict[str, int]()
        categories, items = self.members(folder, part)
        for child in categories:
            self.remove_tree(child, removed, touched)
        for item in items:
            if self.store.item(item.id) is not None:
                self.remove_item(item, removed, touched)
        created_categories = [self.create_category(call, folder.id, entry, touched)
                              for entry in self.entries(body, "categories")]
        created_items = [self.create_item(call, folder.id, entry, touched)
                         for entry in self.entries(body, "items")]
        self.check_link_targets(call, self.entries(body, "links"))
        created_items += [self.create_link(call, folder.id, entry, touched)
                          for entry in self.entries(body, "links")]
        document = {**self.category_document(call, self.category(call, folder.id), 1),
                    **{k: v for k, v in removed.items() if k != "_removed_items"}}
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_linked_ids"] = [uuid.UUID(canonical_uuid(str(e.get("linked_id")))
                                             or ZERO_UUID) for e in self.entries(body, "links")]
        document["_updated_items"] = []
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}/{part}")})

    # ------------------------------------------------------------------ orphans

    def get_orphans(self, call: Call, _: str) -> Answer:
        """GET /orphans (the viewer's FetchOrphans, not on the wiki): the agent's
        categories and items whose parent category does not exist."""
        folders = {f.id: f for f in self.store.folders_where("owner = ?", call.owner)}
        categories = {f.id: self.category_document(call, f) for f in folders.values()
                      if f.parent_id != ZERO_UUID and f.parent_id not in folders}
        items: dict[str, Any] = {}
        links: dict[str, Any] = {}
        for item in self.store.items_where("owner = ?", call.owner):
            if item.folder not in folders:
                (links if is_link(item) else items)[item.id] = self.object_document(call, item)
        return Answer(200, {"_embedded": {"categories": categories, "items": items,
                                          "links": links}})

    # ------------------------------------------------------------------ Item

    def get_item(self, call: Call, item_id: str) -> Answer:
        return Answer(200, self.object_document(call, self.item(call, item_id)))

    def patch_item(self, call: Call, item_id: str) -> Answer:
        """Change what modifyItem / modifyLink name; the viewer's full item (types as
        words, flags as binary) is read too; a new ``parent_id`` moves the item."""
        item = self.item(call, item_id)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map", item_id=item.id)
        updated = self.apply_item_patch(call, item, body)
        touched: dict[str, int] = {}
        if updated != item:
            self.store.store_item(updated)
            self.bump(item.folder, touched)
            if updated.folder != item.folder:
                self.bump(updated.folder, touched)
        document = self.object_document(call, updated)
        document["_updated_items"] = [uuid.UUID(item.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document)

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        def text(key: str, current: str) -> str:
            value = body.get(key, current)
            if not isinstance(value, str):
                raise AisError(400, f"{key} must be a string", item_id=item.id)
            return value

        updated = replace(item, name=text("name", item.name),
                          description=text("desc", item.description))
        if "flags" in body:
            updated = replace(updated, flags=flags_value(body["flags"], item))
        sale = body.get("sale_info")
        if isinstance(sale, dict):
            updated = replace(updated, sale_price=integer(sale.get("sale_price"),
                                                          item.sale_price),
                              sale_type=sale_type(sale.get("sale_type"), item.sale_type))
        permissions = body.get("permissions")
        if isinstance(permissions, dict):
            updated = replace(
                updated,
                current_permissions=integer(permissions.get("owner_mask"),
                                            item.current_permissions) & item.base_permissions,
                everyone_permissions=integer(permissions.get("everyone_mask"),
                                             item.everyone_permissions),
                next_permissions=integer(permissions.get("next_owner_mask"),
                                         item.next_permissions),
                group_permissions=integer(permissions.get("group_mask"),
                                          item.group_permissions))
        asset = canonical_uuid(str(body.get("linked_id" if is_link(item) else "asset_id")
                                   or ""))
        if asset is not None:
            updated = replace(updated, asset_id=asset)
        parent = canonical_uuid(str(body.get("parent_id") or ""))
        if parent is not None and parent != item.folder:
            updated = replace(updated, folder=self.category(call, parent).id)
        return updated

    def copy_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        if not is_link(item) and not item.current_permissions & PERM_COPY:
            raise AisError(403, "permissions check failed: the item is not copyable")
        touched: dict[str, int] = {}
        copy_id = self.copy_one(inventory, item, destination.id, touched)
        copy = self.store.item(copy_id) or item
        document = self.object_document(inventory, copy)
        document["_created_items"] = [uuid.UUID(copy_id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": inventory.url(f"/item/{copy_id}")})

    def move_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        destination = self.destination(call)
        touched: dict[str, int] = {}
        moved = replace(item, folder=destination.id)
        self.store.store_item(moved)
        self.bump(item.folder, touched)
        self.bump(destination.id, touched)
        document = self.object_document(call, moved)
        document["_updated_items"] = [uuid.UUID(item.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/item/{item.id}")})

    def delete_item(self, call: Call, item_id: str) -> Answer:
        try:
            item = self.item(call, item_id)
        except AisError as error:
            if error.status == 404:
                raise AisError(410, "item gone", **error.context) from error
            raise
        removed, touched = self.removal(), dict[str, int]()
        self.remove_item(item, removed, touched)
        return self.removal_answer(removed, touched)

    # ------------------------------------------------------------------ answers

    def error_answer(self, error: AisError) -> Answer:
        if isinstance(error, ExistingCategory):
            return Answer(409, error.document)
        document = {"error_code": error.status, "error_description": error.description,
                    **error.context}
        headers = {}
        if error.status == 412 and error.context.get("etag"):
            headers["ETag"] = str(error.context["etag"])  # the current tag, as the wiki lists
        return Answer(error.status, document, headers)

    def render(self, answer: Answer) -> Response:
        headers = {**self.global_headers(), **answer.headers}
        if answer.status == 304:
            return Response(b"", status_code=304, headers=headers)
        body = wire.encode(wire.request_value(answer.document))
        return Response(body, status_code=answer.status, headers=headers,
                        media_type=wire.CONTENT_TYPE)

    def global_headers(self) -> dict[str, str]:
        """The wiki's global response headers that are not optional: Vary."""
        return {"Vary": "Accept, Accept-Encoding"}


class ExistingCategory(AisError):
    """PUT of a special category that exists: 409 with the category."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(409, "category already exists")
        self.document = document


def is_link(item: Item) -> bool:
    return item.asset_type in (wire.LINK_TYPE, wire.LINK_FOLDER_TYPE)


def integer(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def flags_value(value: Any, item: Item) -> int:
    """Flags as an integer, or as the viewer writes them: 4 bytes, big-endian."""
    if isinstance(value, bytes):
        return int.from_bytes(value[:4].rjust(4, b"\0"), "big")
    return integer(value, item.flags)


def sale_type(value: Any, default: int) -> int:
    if isinstance(value, str) and value in SALE_TYPES:
        return SALE_TYPES[value]
    return integer(value, default)
