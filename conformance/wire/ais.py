"""Codec for Inventory API v3 (AIS3) bodies (no I/O).

Bodies are LLSD XML (``application/llsd+xml``), written as the Second Life viewer writes
them: UUIDs as ``<uuid>``, booleans as ``1``/``0`` (the viewer's LLSD formatter; Python's
``llsd`` library writes ``true``/``false``, which some servers refuse). Replies are read
into plain data (UUIDs and URIs as strings), so the HAL structure (``_links``,
``_embedded``, ``_base_uri``) can be checked against the JSON Schemas in ``schemas/``.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

import llsd

from conformance.wire.ids import canonical_uuid
from conformance.wire.xml import WireError, refuse_dtd

CONTENT_TYPE = "application/llsd+xml"
#: The headers the viewer sends on every AIS3 request, GET and DELETE included.
HEADERS = {"Accept": CONTENT_TYPE, "Content-Type": CONTENT_TYPE}

#: The wiki's 'special' category names and the folder type each names.
SPECIAL_CATEGORIES: dict[str, int] = {
    "animatn": 20, "bodypart": 13, "clothing": 5, "current": 46, "favorite": 23,
    "gesture": 21, "inbox": 50, "landmark": 3, "lsltext": 10, "lstndfnd": 16,
    "my_otfts": 48, "notecard": 7, "object": 6, "outbox": 51, "root": 8, "snapshot": 15,
    "sound": 1, "texture": 0, "trash": 14,
}
ROOT_TYPE = 8
ZERO = "00000000-0000-0000-0000-000000000000"

#: The wiki's validation patterns.
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEPTH_PATTERN = re.compile(r"^(\*|[0-9]+)?$")
SIMULATE_PATTERN = re.compile(r"^(0|1|true|false)?$")

#: The asset type of a link to an item and of a link to a folder.
LINK_TYPE = 24
LINK_FOLDER_TYPE = 25

#: Keys a mutation reply lists removed objects under.
REMOVAL_KEYS = ("_categories_removed", "_category_items_removed", "_removed_items",
                "_broken_links_removed")

_BOOLEAN = re.compile(rb"<boolean>(true|false)</boolean>")


def encode(value: Any) -> bytes:
    """An LLSD XML document as the viewer writes it: UUID strings given as
    ``uuid.UUID`` become ``<uuid>``, booleans are written ``1``/``0``."""
    body: bytes = llsd.format_xml(value)
    return _BOOLEAN.sub(lambda m: b"<boolean>1</boolean>" if m.group(1) == b"true"
                        else b"<boolean>0</boolean>", body)


def as_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def decode(body: bytes) -> Any:
    """An LLSD XML body as plain data: maps, lists, str, int, float, bool, None, bytes;
    UUIDs, URIs and dates as strings."""
    if not body.strip():
        raise WireError("the body is empty, expected an LLSD document")
    refuse_dtd(body)
    try:
        value = llsd.parse_xml(body)
    except Exception as exc:  # llsd raises LLSDParseError and, on some input, others
        raise WireError(f"not LLSD XML: {exc}") from exc
    return plain(value)


JSON_TYPE = "application/json"


def decode_json(body: bytes) -> Any:
    """A JSON body (the page: bodies are "Generally application/llsd+xml or
    application/json") as plain data."""
    try:
        return json.loads(body)
    except ValueError as exc:
        raise WireError(f"not JSON: {exc}") from exc


def encode_json(value: Any) -> bytes:
    """Plain data as a JSON body (UUIDs and dates as strings)."""
    return json.dumps(plain(value), default=str).encode("utf-8")


def decoder(content_type: str | None) -> Any:
    """The codec for a body labelled ``content_type``: JSON for application/json, LLSD
    XML otherwise."""
    media = (content_type or "").split(";")[0].strip().lower()
    return decode_json if media == JSON_TYPE else decode


def plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, llsd.uri):
        return str(value)
    return value


def request_value(value: Any) -> Any:
    """Plain data for a request body: strings that are UUIDs become ``uuid.UUID`` (so
    they are written ``<uuid>`` as the viewer writes them)."""
    if isinstance(value, Mapping):
        return {key: request_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [request_value(item) for item in value]
    if isinstance(value, str) and UUID_PATTERN.match(value):
        return uuid.UUID(value)
    return value


def same_id(left: Any, right: Any) -> bool:
    return (isinstance(left, str) and isinstance(right, str)
            and canonical_uuid(left) == canonical_uuid(right) is not None)


def ids_of(value: Any) -> set[str]:
    """The UUIDs listed in a bookkeeping value: an array of ids, or a map keyed by id
    (LibreMetaverse reads both), in canonical form."""
    keys = value.keys() if isinstance(value, Mapping) else value if isinstance(value, list) else []
    return {uid for key in keys if isinstance(key, str) and (uid := canonical_uuid(key))}


def embedded(document: Any, key: str) -> dict[str, Any]:
    """``_embedded[key]`` of a category document as a map id -> object: a map as the
    viewer reads it, or (read leniently) an array of objects keyed by their own id."""
    if not isinstance(document, Mapping):
        return {}
    section = document.get("_embedded")
    value = section.get(key) if isinstance(section, Mapping) else None
    if isinstance(value, Mapping):
        return {canonical_uuid(k) or k: v for k, v in value.items()}
    if isinstance(value, list):
        result = {}
        for entry in value:
            if isinstance(entry, Mapping):
                uid = entry.get("category_id") or entry.get("item_id")
                if isinstance(uid, str):
                    result[canonical_uuid(uid) or uid] = entry
        return result
    return {}


def etag_list(header: str | None) -> list[str]:
    """The entity tags of an If-Match / If-None-Match header value."""
    if not header:
        return []
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def category_body(name: str, parent_id: str, type_default: int = -1) -> dict[str, Any]:
    """One entry of ``categories`` in a create request, as the viewer writes it
    (LLInventoryCategory::asAISCreateCatLLSD: category_id the null UUID, the parent, the
    type, the name)."""
    return {"category_id": as_uuid(ZERO), "parent_id": as_uuid(parent_id),
            "type_default": type_default, "name": name}


def link_body(linked_id: str, name: str, *, link_type: int = LINK_TYPE,
              inv_type: int = 7, desc: str = "") -> dict[str, Any]:
    """One entry of ``links`` as the viewer writes it (link_inventory_array)."""
    return {"linked_id": as_uuid(linked_id), "type": link_type, "inv_type": inv_type,
            "name": name, "desc": desc}


def item_body(name: str, *, asset_type: int = 7, inv_type: int = 7, desc: str = "",
              asset_id: str | None = None) -> dict[str, Any]:
    """One entry of ``items`` in a create request (a notecard by default)."""
    return {"name": name, "desc": desc, "type": asset_type, "inv_type": inv_type,
            "asset_id": as_uuid(asset_id or str(uuid.uuid4())),
            "flags": 0,
            "sale_info": {"sale_type": 0, "sale_price": 0},
            "permissions": {"base_mask": 0x7FFFFFFF, "owner_mask": 0x7FFFFFFF,
                            "group_mask": 0, "everyone_mask": 0,
                            "next_owner_mask": 0x7FFFFFFF}}
