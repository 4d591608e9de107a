"""The reference asset service: GET/POST/DELETE /assets, POST /get_assets_exist,
GET /assets/{id}/data and /metadata, over SQLite.

Written as the wiki reads (seeds/opensim-asset-service*.txt) and, where the wiki is
silent, as OpenSimulator master behaves (docs/interop/asset.md). Where the wiki and
OpenSimulator disagree it accepts both: several Flags separated by commas (the wiki) or
by whitespace (OpenSimulator), written back in the form they were posted in. Each rule
is a small method, so a self-test can break exactly one of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sqlite3
import time
from dataclasses import dataclass, field
from typing import ClassVar

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.wire.asset import add_element
from conformance.wire.ids import canonical_uuid
from conformance.wire.xml import HUGE_PARSER, WireError, element_text, parse_document

SCHEMA = """
CREATE TABLE IF NOT EXISTS assets (
    id TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    type INTEGER NOT NULL,
    local INTEGER NOT NULL,
    temporary INTEGER NOT NULL,
    creator_id TEXT NOT NULL,
    flags INTEGER NOT NULL,
    created INTEGER NOT NULL,
    flags_separator TEXT NOT NULL DEFAULT ' '
);
"""

#: The asset flags and their values (OpenSimulator's AssetFlags enum).
FLAGS = {"Normal": 0, "Maptile": 1, "Rewritable": 2, "Collectable": 4}
TEXT_LIMIT = 64
XML_TYPE = "application/xml"

#: MIME types by asset type, for the metadata document's ContentType.
CONTENT_TYPES = {
    0: "image/x-j2c", 1: "audio/ogg", 2: "application/vnd.ll.callingcard",
    3: "application/vnd.ll.landmark", 5: "application/vnd.ll.clothing",
    6: "application/vnd.ll.primitive", 7: "application/vnd.ll.notecard",
    10: "application/vnd.ll.lsltext", 11: "application/vnd.ll.lslbyte",
    13: "application/vnd.ll.bodypart", 20: "application/vnd.ll.animation",
    21: "application/vnd.ll.gesture",
}


class BadRequest(Exception):
    """The request cannot be served as sent: 400 with an empty body."""


@dataclass
class StoredAsset:
    id: str
    data: bytes = b""
    name: str = ""
    description: str = ""
    type: int = 0
    local: bool = False
    temporary: bool = False
    creator_id: str = ""
    flags: int = 0
    created: int = field(default_factory=lambda: int(time.time()))
    #: How several flags were separated when posted ("," or " "), to write them back so.
    flags_separator: str = " "


@dataclass
class AssetSettings:
    """Robust.ini's AllowRemoteDelete and AllowRemoteDeleteAllTypes."""

    allow_remote_delete: bool = True
    allow_remote_delete_all_types: bool = True


class AssetStore:
    """The assets table."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        columns = {row["name"] for row in db.execute("PRAGMA table_info(assets)")}
        if "flags_separator" not in columns:  # a database written by an older version
            db.execute("ALTER TABLE assets ADD COLUMN flags_separator TEXT NOT NULL "
                       "DEFAULT ' '")

    def get(self, asset_id: str) -> StoredAsset | None:
        row = self.db.execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
        if row is None:
            return None
        return StoredAsset(
            id=row["id"], data=row["data"], name=row["name"], description=row["description"],
            type=row["type"], local=bool(row["local"]), temporary=bool(row["temporary"]),
            creator_id=row["creator_id"], flags=row["flags"], created=row["created"],
            flags_separator=row["flags_separator"],
        )

    def insert(self, asset: StoredAsset) -> None:
        """Store a new asset; an asset that exists already is left as it is."""
        self.db.execute(
            "INSERT OR IGNORE INTO assets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (asset.id, asset.data, asset.name, asset.description, asset.type, asset.local,
             asset.temporary, asset.creator_id, asset.flags, asset.created,
             asset.flags_separator),
        )

    def delete(self, asset_id: str) -> bool:
        return self.db.execute("DELETE FROM assets WHERE id = ?", (asset_id,)).rowcount > 0

    def exists(self, asset_id: str) -> bool:
        found = self.db.execute("SELECT 1 FROM assets WHERE id = ?", (asset_id,)).fetchone()
        return found is not None


class AssetService:
    """The routes and rules of the asset service."""

    schema: ClassVar[str] = SCHEMA

    def __init__(self, db: sqlite3.Connection, settings: AssetSettings | None = None) -> None:
        self.store = AssetStore(db)
        self.settings = settings or AssetSettings()

    def routes(self) -> list[Route]:
        return [
            Route("/assets", self.post_asset, methods=["POST"]),
            Route("/assets/", self.post_asset, methods=["POST"]),
            Route("/assets/{asset_id}", self.get_asset, methods=["GET"]),
            Route("/assets/{asset_id}", self.post_asset_update, methods=["POST"]),
            Route("/assets/{asset_id}", self.delete_asset, methods=["DELETE"]),
            Route("/assets/{asset_id}/{part}", self.get_asset_part, methods=["GET"]),
            Route("/get_assets_exist", self.assets_exist, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ GET

    async def get_asset(self, request: Request) -> Response:
        asset = self.find(request.path_params["asset_id"])
        if asset is None:
            return self.not_found()
        return Response(self.render_asset(asset), media_type="text/xml")

    async def get_asset_part(self, request: Request) -> Response:
        part = request.path_params["part"]
        if part not in ("data", "metadata"):
            return Response(b"", status_code=400, media_type="text/plain")
        asset = self.find(request.path_params["asset_id"])
        if asset is None:
            return self.not_found()
        if part == "data":
            return Response(asset.data, media_type="application/octet-stream")
        return Response(self.render_metadata(asset), media_type=self.content_type(asset))

    def find(self, asset_id: str) -> StoredAsset | None:
        canonical = canonical_uuid(asset_id)
        return self.store.get(canonical) if canonical else None

    def not_found(self) -> Response:
        return Response(b"", status_code=404, media_type="text/plain")

    def render_asset(self, asset: StoredAsset) -> bytes:
        root = etree.Element("AssetBase")
        self.add_elements(root, [
            ("Data", base64.b64encode(asset.data).decode("ascii")),
            ("FullID", asset.id),
            ("ID", asset.id),
            ("Name", asset.name),
            ("Description", asset.description),
            ("Type", str(asset.type)),
            ("Local", self.boolean_text(asset.local)),
            ("Temporary", self.boolean_text(asset.temporary)),
            ("CreatorID", asset.creator_id),
            ("Flags", self.flags_text(asset.flags, asset.flags_separator)),
        ])
        return document(root)

    def render_metadata(self, asset: StoredAsset) -> bytes:
        root = etree.Element("AssetMetadata")
        self.add_elements(root, [
            ("FullID", asset.id),
            ("ID", asset.id),
            ("Name", asset.name),
            ("Description", asset.description),
            ("CreationDate", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(asset.created))),
            ("Type", str(asset.type)),
            ("ContentType", self.content_type(asset)),
            ("SHA1", hashlib.sha1(asset.data).hexdigest()),
            ("Local", self.boolean_text(asset.local)),
            ("Temporary", self.boolean_text(asset.temporary)),
            ("CreatorID", asset.creator_id),
            ("Flags", self.flags_text(asset.flags, asset.flags_separator)),
        ])
        return document(root)

    def add_elements(self, root: etree._Element, elements: list[tuple[str, str]]) -> None:
        for name, text in elements:
            add_element(root, name, text)

    def content_type(self, asset: StoredAsset) -> str:
        return CONTENT_TYPES.get(asset.type, "application/octet-stream")

    def boolean_text(self, value: bool) -> str:
        return "true" if value else "false"

    def flags_text(self, flags: int, separator: str = " ") -> str:
        """Flag names, several separated as they were posted: by commas for a client that
        follows the wiki, by spaces (what OpenSimulator's readers accept) otherwise."""
        names = [name for name, bit in FLAGS.items() if bit and flags & bit]
        return separator.join(names) or "Normal"

    # ------------------------------------------------------------------ POST

    async def post_asset(self, request: Request) -> Response:
        try:
            asset = self.parse_asset(await request.body())
        except BadRequest:
            return Response(b"", status_code=400, media_type="text/plain")
        self.save(asset)
        root = etree.Element("string")
        root.text = asset.id
        return Response(document(root), media_type=XML_TYPE)

    def save(self, asset: StoredAsset) -> None:
        """"Normal non-maptile immustable asset": the first POST of an ID wins."""
        self.store.insert(asset)

    async def post_asset_update(self, request: Request) -> Response:
        """POST /assets/{id}: assets are immutable, so an update is refused."""
        try:
            self.parse_asset(await request.body())
        except BadRequest:
            return Response(b"", status_code=400, media_type="text/plain")
        return Response(boolean_document(False), media_type=XML_TYPE)

    def parse_asset(self, body: bytes) -> StoredAsset:
        root = parse_root(body, "AssetBase")
        fields = {child.tag: child for child in root if isinstance(child.tag, str)}
        return StoredAsset(
            id=self.parse_id(fields),
            data=self.parse_data(text_of(fields, "Data")),
            name=self.limit_text(text_of(fields, "Name")),
            description=self.limit_text(text_of(fields, "Description")),
            type=self.parse_type(text_of(fields, "Type", "0")),
            local=self.parse_boolean(text_of(fields, "Local", "false")),
            temporary=self.parse_boolean(text_of(fields, "Temporary", "false")),
            creator_id=text_of(fields, "CreatorID").strip(),
            flags=self.parse_flags(text_of(fields, "Flags")),
            flags_separator=self.flags_separator(text_of(fields, "Flags")),
        )

    def parse_id(self, fields: dict[str, etree._Element]) -> str:
        text = text_of(fields, "ID")
        if not text and "FullID" in fields:
            guid = fields["FullID"].find("Guid")
            text = element_text(guid) if guid is not None else ""
        canonical = canonical_uuid(text)
        if canonical is None:
            raise BadRequest(f"the asset ID {text!r} is not a UUID")
        return canonical

    def parse_data(self, text: str) -> bytes:
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("Data is not base64") from exc

    def limit_text(self, text: str) -> str:
        """Name and Description: "Maximum size is 64 characters." Longer text is cut."""
        return text[:TEXT_LIMIT]

    def parse_type(self, text: str) -> int:
        if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
            raise BadRequest(f"Type {text!r} is not an integer")
        value = int(text)
        if not -128 <= value <= 127:
            raise BadRequest(f"Type {value} is outside -128..127")
        return value

    def parse_boolean(self, text: str) -> bool:
        value = text.strip()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise BadRequest(f"{text!r} is not a boolean")

    def parse_flags(self, text: str) -> int:
        """Flag names separated by commas (the wiki) or whitespace (OpenSimulator),
        each with optional surrounding whitespace; empty means Normal."""
        flags = 0
        for name in re.split(r"[\s,]+", text.strip()):
            if not name:
                continue
            if name not in FLAGS:
                raise BadRequest(f"unknown flag {name!r}")
            flags |= FLAGS[name]
        return flags

    def flags_separator(self, text: str) -> str:
        """The separator the client used between several flags, to answer in its form."""
        return "," if "," in text else " "

    # ------------------------------------------------------------------ DELETE

    async def delete_asset(self, request: Request) -> Response:
        return Response(boolean_document(self.remove(request.path_params["asset_id"])),
                        media_type=XML_TYPE)

    def remove(self, asset_id: str) -> bool:
        if not self.settings.allow_remote_delete:
            return False
        asset = self.find(asset_id)
        if asset is None:
            return False
        if not self.settings.allow_remote_delete_all_types and not asset.flags & FLAGS["Maptile"]:
            return False
        return self.store.delete(asset.id)

    # ------------------------------------------------------------------ get_assets_exist

    async def assets_exist(self, request: Request) -> Response:
        try:
            asset_ids = self.parse_id_list(await request.body())
        except BadRequest:
            return Response(b"", status_code=400, media_type="text/plain")
        answers = [self.exists(asset_id) for asset_id in asset_ids]
        return Response(self.render_booleans(answers), media_type=XML_TYPE)

    def parse_id_list(self, body: bytes) -> list[str]:
        """An <ArrayOfString> document: the ids, in order, duplicates kept."""
        root = parse_root(body, "ArrayOfString")
        return [element_text(child) for child in root if child.tag == "string"]

    def render_booleans(self, answers: list[bool]) -> bytes:
        result = etree.Element("ArrayOfBoolean")
        for answer in answers:
            etree.SubElement(result, "boolean").text = self.boolean_text(answer)
        return document(result)

    def exists(self, asset_id: str) -> bool:
        canonical = canonical_uuid(asset_id)
        return canonical is not None and self.store.exists(canonical)


def parse_root(body: bytes, name: str) -> etree._Element:
    """The root of a well-formed document, which must be <name> in no namespace."""
    try:
        root = parse_document(body, HUGE_PARSER)  # an asset's Data may pass 10 MB
    except WireError as exc:
        raise BadRequest(str(exc)) from exc
    if root.tag != name:
        raise BadRequest(f"the root element is not <{name}>")
    return root


def text_of(fields: dict[str, etree._Element], name: str, default: str = "") -> str:
    element = fields.get(name)
    return default if element is None else element_text(element)


def document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def boolean_document(value: bool) -> bytes:
    root = etree.Element("boolean")
    root.text = "true" if value else "false"
    return document(root)
