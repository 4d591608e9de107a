"""Codec for the XInventory RPC, POST /xinventory (no I/O).

Requests are form bodies, ``KEY=value&…``, as OpenSimulator's own client writes them:
values percent-encoded with ``+`` for a space, and a list as the same key repeated with
``[]`` (``FOLDERS[]=a&FOLDERS[]=b``). Replies are ``<ServerResponse>`` documents: an
element with ``type="List"`` is a nested dictionary, any other element is text
(docs/interop/xinventory.md). Folder and item records are read into typed dataclasses with
the fields of the XInventory records.

Reading is tolerant where real servers vary: any element order, indentation, extra
elements, ``True``/``true``/``TRUE``, an XML declaration with or without an encoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from lxml import etree

from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xml import WireError, element_text, local_name, parse_document

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: The declaration OpenSimulator writes: no encoding attribute, no BOM.
XML_DECLARATION = b'<?xml version="1.0"?>'
#: The value GETMULTIPLEITEMS gives a slot whose item does not exist.
NULL_SLOT = "NULL"

#: The folder record's elements, in the order OpenSimulator writes them.
FOLDER_FIELDS = ("ParentID", "Type", "Version", "Name", "Owner", "ID")
#: The item record's elements, in the order OpenSimulator writes them.
ITEM_FIELDS = (
    "AssetID", "AssetType", "BasePermissions", "CreationDate", "CreatorId", "CreatorData",
    "CurrentPermissions", "Description", "EveryOnePermissions", "Flags", "Folder", "GroupID",
    "GroupOwned", "GroupPermissions", "ID", "InvType", "Name", "NextPermissions", "Owner",
    "SalePrice", "SaleType",
)

#: A reply as a plain structure: element name -> text, or a nested dictionary.
ServerData = dict[str, Any]
FormValue = str | int | bool | list[str] | tuple[str, ...]

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_NUMBERED = re.compile(r".*?(\d+)$")
#: Characters XML 1.0 cannot carry (a server cannot send them, so neither does the encoder).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------------- requests


def form_text(value: str | int | bool) -> str:
    """A scalar as OpenSimulator writes it: booleans as C# does (``True``/``False``)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def encode_form(params: Mapping[str, FormValue]) -> bytes:
    """A form body: ``KEY=value`` pairs, a list as ``KEY[]=v`` once per value."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, list | tuple):
            pairs += [(f"{key}[]", form_text(each)) for each in value]
        else:
            pairs.append((key, form_text(value)))
    return encode_pairs(pairs)


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> bytes:
    """A form body from pairs in the order given (repeated keys allowed). Keys and values
    are percent-encoded, a space as ``+``; a trailing ``[]`` on a key is kept literal."""
    encoded = []
    for key, value in pairs:
        name, brackets = (key[:-2], "[]") if key.endswith("[]") else (key, "")
        encoded.append(f"{quote_plus(name, safe='')}{brackets}={quote_plus(value, safe='')}")
    return "&".join(encoded).encode("ascii")


def parse_form(body: bytes | str) -> dict[str, str | list[str]]:
    """Read a form body as OpenSimulator's ServerUtils.ParseQueryString does.

    The body is trimmed and split at ``&``; each term is split at ``=`` (so a value is
    cut at a literal ``=``) and URL-decoded (``+`` is a space). A key ending in ``[]``
    collects its values into a list; for a repeated plain key the first value wins.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    result: dict[str, str | list[str]] = {}
    for term in text.strip().split("&"):
        parts = term.split("=")
        name = unquote_plus(parts[0])
        value = unquote_plus(parts[1]) if len(parts) > 1 else ""
        if name.endswith("[]"):
            existing = result.setdefault(name[:-2], [])
            if isinstance(existing, list):
                existing.append(value)
        elif name not in result:
            result[name] = value
    return result


# ---------------------------------------------------------------------- replies


def parse_response(body: bytes) -> ServerData:
    """A ``<ServerResponse>`` document as a plain structure.

    A ``type="List"`` element (or any element holding elements) becomes a dictionary,
    any other element its text. For a repeated element the first one wins. The empty
    ``<ServerResponse />`` is ``{}``.
    """
    root = parse_document(body)
    if local_name(root) != "ServerResponse":
        raise WireError(f"root element is <{local_name(root)}>, expected <ServerResponse>")
    return _dictionary(root)


def _dictionary(element: etree._Element) -> ServerData:
    data: ServerData = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = local_name(child)
        if name in data:
            continue
        data[name] = _dictionary(child) if _is_list(child) else element_text(child)
    return data


def _is_list(element: etree._Element) -> bool:
    if (element.get("type") or "").strip().lower() == "list":
        return True
    return any(isinstance(child.tag, str) for child in element)


def untyped_lists(body: bytes) -> list[str]:
    """Elements of a reply that hold elements but lack ``type="List"``; OpenSimulator's
    own client reads such an element as text, losing its fields."""
    root = parse_document(body)
    found = []
    for element in root.iter():
        if element is root or not isinstance(element.tag, str):
            continue
        if any(isinstance(child.tag, str) for child in element) and element.get("type") != "List":
            found.append(local_name(element))
    return found


def parse_boolean(text: Any, what: str) -> bool:
    """``True``/``False`` as C# writes them, read in any case."""
    if not isinstance(text, str):
        raise WireError(f"{what} holds elements, expected True or False")
    value = text.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    raise WireError(f"{what} is {text!r}, expected True or False")


def result_of(data: ServerData) -> bool:
    """The ``<RESULT>`` of a reply, which must have one."""
    if "RESULT" not in data:
        shown = ", ".join(f"<{name}>" for name in data) or "nothing"
        raise WireError(f"the reply has no <RESULT> element (it holds {shown})")
    return parse_boolean(data["RESULT"], "RESULT")


def parse_result(body: bytes) -> bool:
    """A result-only reply: ``<ServerResponse><RESULT>True|False</RESULT></ServerResponse>``."""
    return result_of(parse_response(body))


def parse_result_or_empty(body: bytes) -> bool | None:
    """A reply that is either a RESULT or the empty ``<ServerResponse />`` (None)."""
    data = parse_response(body)
    return None if not data else result_of(data)


def is_null_slot(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() == NULL_SLOT


def ordered_values(data: Any, what: str) -> list[Any]:
    """The entries of a list element (``folder_0``, ``item_1``, ``F_…``) in their
    numbered order when every key ends in a number, else in document order."""
    if isinstance(data, str):
        if data.strip():
            raise WireError(f"{what} is text ({data[:40]!r}), expected a list of records")
        return []
    numbered = [(_NUMBERED.match(key), value) for key, value in data.items()]
    if all(match for match, _ in numbered):
        numbered.sort(key=lambda pair: int(pair[0].group(1)) if pair[0] else 0)
    return [value for _, value in numbered]


# ---------------------------------------------------------------------- records


@dataclass(frozen=True)
class Folder:
    """An inventory folder, as XInventory records it."""

    id: str
    parent_id: str
    owner: str
    name: str
    type: int = -1
    version: int = 1
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def fields(self) -> dict[str, str]:
        """The record as the wire carries it (element or parameter name -> text)."""
        return {
            "ParentID": self.parent_id, "Type": str(self.type), "Version": str(self.version),
            "Name": self.name, "Owner": self.owner, "ID": self.id,
        }


@dataclass(frozen=True)
class Item:
    """An inventory item, as XInventory records it."""

    id: str
    folder: str
    owner: str
    name: str
    asset_id: str = ZERO_UUID
    asset_type: int = 7
    inv_type: int = 7
    description: str = ""
    creator_id: str = ""
    creator_data: str = ""
    base_permissions: int = 0x7FFFFFFF
    current_permissions: int = 0x7FFFFFFF
    next_permissions: int = 0x7FFFFFFF
    everyone_permissions: int = 0
    group_permissions: int = 0
    group_id: str = ZERO_UUID
    group_owned: bool = False
    sale_price: int = 0
    sale_type: int = 0
    flags: int = 0
    creation_date: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def fields(self) -> dict[str, str]:
        """The record as the wire carries it (element or parameter name -> text)."""
        return {
            "AssetID": self.asset_id, "AssetType": str(self.asset_type),
            "BasePermissions": str(self.base_permissions),
            "CreationDate": str(self.creation_date), "CreatorId": self.creator_id,
            "CreatorData": self.creator_data,
            "CurrentPermissions": str(self.current_permissions),
            "Description": self.description,
            "EveryOnePermissions": str(self.everyone_permissions), "Flags": str(self.flags),
            "Folder": self.folder, "GroupID": self.group_id,
            "GroupOwned": form_text(self.group_owned),
            "GroupPermissions": str(self.group_permissions), "ID": self.id,
            "InvType": str(self.inv_type), "Name": self.name,
            "NextPermissions": str(self.next_permissions), "Owner": self.owner,
            "SalePrice": str(self.sale_price), "SaleType": str(self.sale_type),
        }


def decode_folder(data: Any) -> Folder:
    """A folder record (a ``<folder type="List">`` read by ``parse_response``)."""
    record = _record(data, "folder", FOLDER_FIELDS)
    return Folder(
        id=_uuid(record, "ID", "folder"),
        parent_id=_uuid(record, "ParentID", "folder"),
        owner=_uuid(record, "Owner", "folder"),
        name=record["Name"],
        type=_integer(record, "Type", "folder"),
        version=_integer(record, "Version", "folder"),
        extra={k: v for k, v in data.items() if k not in FOLDER_FIELDS},
    )


def decode_item(data: Any) -> Item:
    """An item record (an ``<item type="List">`` read by ``parse_response``)."""
    record = _record(data, "item", ITEM_FIELDS)
    return Item(
        id=_uuid(record, "ID", "item"),
        folder=_uuid(record, "Folder", "item"),
        owner=_uuid(record, "Owner", "item"),
        name=record["Name"],
        asset_id=_uuid(record, "AssetID", "item"),
        asset_type=_integer(record, "AssetType", "item"),
        inv_type=_integer(record, "InvType", "item"),
        description=record["Description"],
        creator_id=canonical_uuid(record["CreatorId"]) or record["CreatorId"].strip(),
        creator_data=record["CreatorData"],
        base_permissions=_integer(record, "BasePermissions", "item"),
        current_permissions=_integer(record, "CurrentPermissions", "item"),
        next_permissions=_integer(record, "NextPermissions", "item"),
        everyone_permissions=_integer(record, "EveryOnePermissions", "item"),
        group_permissions=_integer(record, "GroupPermissions", "item"),
        group_id=_uuid(record, "GroupID", "item"),
        group_owned=parse_boolean(record["GroupOwned"], "the item's GroupOwned"),
        sale_price=_integer(record, "SalePrice", "item"),
        sale_type=_integer(record, "SaleType", "item"),
        flags=_integer(record, "Flags", "item"),
        creation_date=_integer(record, "CreationDate", "item"),
        extra={k: v for k, v in data.items() if k not in ITEM_FIELDS},
    )


def _record(data: Any, what: str, names: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(data, Mapping):
        raise WireError(f"the {what} record is text ({str(data)[:40]!r}), expected elements")
    missing = [name for name in names if name not in data]
    if missing:
        raise WireError(f"the {what} record has no {', '.join(f'<{n}>' for n in missing)}")
    nested = [name for name in names if not isinstance(data[name], str)]
    if nested:
        raise WireError(f"the {what} record's <{nested[0]}> holds elements, expected text")
    return {name: data[name] for name in names}


def _uuid(record: Mapping[str, str], name: str, what: str) -> str:
    value = canonical_uuid(record[name])
    if value is None:
        raise WireError(f"the {what}'s {name} is {record[name]!r}, not a UUID")
    return value


def parse_integer(text: Any, what: str) -> int:
    """A decimal integer as text (surrounding whitespace allowed)."""
    if not isinstance(text, str) or not _INTEGER.fullmatch(text):
        raise WireError(f"{what} is {text!r}, not a decimal integer")
    return int(text)


def _integer(record: Mapping[str, str], name: str, what: str) -> int:
    return parse_integer(record[name], f"the {what}'s {name}")


# ---------------------------------------------------------------------- writing replies


def encode_response(data: Mapping[str, Any], *, pretty: bool = False,
                    declaration: bytes = XML_DECLARATION) -> bytes:
    """A ``<ServerResponse>`` document: a mapping becomes a ``type="List"`` element,
    anything else text (None is left out). One line unless ``pretty``."""
    root = etree.Element("ServerResponse")
    _build(root, data)
    if pretty:
        etree.indent(root, space="  ")
    separator = b"\n" if pretty else b""
    return declaration + separator + etree.tostring(root, encoding="utf-8")


def encode_result(value: bool, *, text: str | None = None, pretty: bool = True,
                  declaration: bytes = XML_DECLARATION) -> bytes:
    """A result-only reply, indented as OpenSimulator writes it."""
    return encode_response({"RESULT": text if text is not None else form_text(value)},
                           pretty=pretty, declaration=declaration)


def _build(parent: etree._Element, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if value is None:
            continue
        child = etree.SubElement(parent, key)
        if isinstance(value, Mapping):
            child.set("type", "List")
            _build(child, value)
        else:
            child.text = _NOT_XML.sub("", form_text(value))
