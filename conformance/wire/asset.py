"""Codec for the OpenSimulator asset service documents (no I/O).

Reading is as tolerant as the wiki asks ("One should not rely on this element order.
One should also be prepared to ignore or otherwise deal with extra elements."): any
element order, extra elements, a UTF-8 BOM, namespace declarations, pretty-printing.
Writing produces the documents the wiki shows, with knobs for the variations the
suite sends on purpose.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.wire.xml import (
    HUGE_PARSER,
    WireError,
    element_text,
    local_name,
    parse_document,
)

#: The flag names the wiki lists, in the order OpenSimulator's enum declares them.
FLAG_NAMES = ("Maptile", "Rewritable", "Collectable")
#: "Normal" is the empty set of flags (value 0).
NORMAL = "Normal"
_FLAG_SEPARATORS = re.compile(r"[\s,]+")

#: The elements of AssetBase as the wiki's table lists them.
DOCUMENTED_ELEMENTS = (
    "Data", "FullID", "ID", "Name", "Description", "Type",
    "Local", "Temporary", "CreatorID", "Flags",
)

def parse_flags(text: str | None) -> frozenset[str]:
    """Flag names in ``text`` as a set, whatever the separator (comma or whitespace).

    ``Normal`` (and an empty element) is the empty set. Unknown names are kept, so a
    caller can say which name was unexpected.
    """
    names = {part for part in _FLAG_SEPARATORS.split(text or "") if part}
    names.discard(NORMAL)
    return frozenset(names)

def flags_by_comma(text: str | None) -> frozenset[str]:
    """Flag names read as the wiki writes them: separated by commas, each with optional
    leading or trailing whitespace ("Maptile, Collectable"). ``Normal`` is the empty set.
    Whitespace inside a part is kept, so ``Maptile Collectable`` reads as one name that
    is no flag."""
    names = {part.strip() for part in (text or "").split(",")}
    names.discard("")
    names.discard(NORMAL)
    return frozenset(names)


def flags_by_whitespace(text: str | None) -> frozenset[str]:
    """Flag names read as OpenSimulator reads them: separated by whitespace. A comma
    stays part of a name, so ``Maptile,Collectable`` reads as one name that is no flag."""
    names = set((text or "").split())
    names.discard(NORMAL)
    return frozenset(names)


def format_flags(flags: Iterable[str], separator: str = ",") -> str:
    names = [name for name in FLAG_NAMES if name in set(flags)]
    return separator.join(names) if names else NORMAL

def parse_boolean(text: str | None, field: str) -> bool:
    """A boolean as the asset documents write it: true/false (1/0 also read)."""
    value = (text or "").strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise WireError(f"{field} is {text!r}, not a boolean (true or false)")

@dataclass(frozen=True)
class AssetDocument:
    """An <AssetBase> document as read from the wire, typed."""

    fields: dict[str, Any]
    data: bytes
    id: str
    full_id: str | None
    name: str
    description: str
    type: int
    local: bool
    temporary: bool
    creator_id: str
    flags: frozenset[str]

def asset_fields(body: bytes) -> dict[str, Any]:
    """The <AssetBase> document as a plain structure (element name -> text or dict).

    This is what the JSON Schema validates, so a violation names the element.
    """
    root = parse_document(body, HUGE_PARSER)
    if local_name(root) != "AssetBase":
        raise WireError(f"root element is <{local_name(root)}>, expected <AssetBase>")
    return _plain(root)

def _plain(element: etree._Element) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = local_name(child)
        if name in fields:
            continue  # the first occurrence wins for reading
        if len([c for c in child if isinstance(c.tag, str)]):
            fields[name] = _plain(child)
        else:
            fields[name] = element_text(child)
    return fields

def parse_asset(body: bytes) -> AssetDocument:
    """Read a GET /assets/{id} body. Raises WireError naming what is wrong."""
    fields = asset_fields(body)
    raw_data = fields.get("Data", "")
    if not isinstance(raw_data, str):
        raise WireError("Data holds elements, expected base64 text")
    try:
        data = base64.b64decode("".join(raw_data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WireError(f"Data is not valid base64: {exc}") from exc
    full_id = fields.get("FullID")
    guid = full_id.get("Guid") if isinstance(full_id, dict) else None
    type_text = str(fields.get("Type", "")).strip()
    try:
        asset_type = int(type_text)
    except ValueError as exc:
        raise WireError(f"Type is {type_text!r}, not an integer") from exc
    return AssetDocument(
        fields=fields,
        data=data,
        id=str(fields.get("ID", "")).strip(),
        full_id=guid.strip() if isinstance(guid, str) else None,
        name=str(fields.get("Name", "")),
        description=str(fields.get("Description", "")),
        type=asset_type,
        local=parse_boolean(fields.get("Local", "false"), "Local"),
        temporary=parse_boolean(fields.get("Temporary", "false"), "Temporary"),
        creator_id=str(fields.get("CreatorID", "")).strip(),
        flags=parse_flags(fields.get("Flags")),
    )

def add_element(root: etree._Element, name: str, text: str) -> None:
    """One element of an <AssetBase> or <AssetMetadata>: FullID holds its UUID in a
    <Guid>, as OpenSimulator's XmlSerializer writes it."""
    child = etree.SubElement(root, name)
    if name == "FullID":
        etree.SubElement(child, "Guid").text = text
    else:
        child.text = text


def build_asset(
    asset_id: str,
    data: bytes = b"",
    *,
    name: str = "",
    description: str = "",
    asset_type: int = 0,
    local: bool | None = None,
    temporary: bool | None = None,
    creator_id: str | None = None,
    flags: str | None = None,
    full_id: bool = True,
    raw: Mapping[str, str] | None = None,
    order: Iterable[str] | None = None,
) -> bytes:
    """An <AssetBase> document for POST /assets, as the wiki's sample shows it.

    ``None`` leaves an optional element out. ``raw`` sets an element's text verbatim
    (for the malformed cases); ``order`` lists the elements in the order to write them.
    """
    texts: dict[str, str | None] = {
        "Data": base64.b64encode(data).decode("ascii"),
        "FullID": asset_id if full_id else None,
        "ID": asset_id,
        "Name": name,
        "Description": description,
        "Type": str(asset_type),
        "Local": _bool_text(local),
        "Temporary": _bool_text(temporary),
        "CreatorID": creator_id,
        "Flags": flags,
    }
    texts.update(raw or {})
    root = etree.Element("AssetBase")
    for element_name in order or DOCUMENTED_ELEMENTS:
        text = texts.get(element_name)
        if text is not None:
            add_element(root, element_name, text)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

#: The namespaces OpenSimulator's XmlSerializer declares on the root element.
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"


def build_region_asset(asset_id: str, data: bytes, *, name: str, description: str,
                       asset_type: int, creator_id: str, flags: str = NORMAL) -> bytes:
    """An <AssetBase> document as OpenSimulator's region-side connector posts it
    (``XmlSerializer`` of ``AssetBase``): a UTF-8 BOM, the declaration, the W3C
    namespace declarations, every element in the class's order with the extra
    ``UploadAttempts``, Local and Temporary false, not indented."""
    root = etree.Element("AssetBase", nsmap={"xsi": XSI, "xsd": XSD})
    texts = [
        ("Data", base64.b64encode(data).decode("ascii")), ("FullID", asset_id),
        ("ID", asset_id), ("Name", name), ("Description", description),
        ("Type", str(asset_type)), ("UploadAttempts", "0"), ("Local", "false"),
        ("Temporary", "false"), ("CreatorID", creator_id), ("Flags", flags),
    ]
    for element_name, text in texts:
        add_element(root, element_name, text)
    return codecs.BOM_UTF8 + etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _bool_text(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()

def parse_string_reply(body: bytes) -> str:
    """The <string> document POST /assets answers with."""
    root = parse_document(body)
    if local_name(root) != "string":
        raise WireError(f"root element is <{local_name(root)}>, expected <string>")
    return element_text(root).strip()

def parse_boolean_reply(body: bytes) -> bool:
    """The <boolean> document DELETE /assets/{id} answers with."""
    root = parse_document(body)
    if local_name(root) != "boolean":
        raise WireError(f"root element is <{local_name(root)}>, expected <boolean>")
    return parse_boolean(element_text(root), "boolean")

def build_array_of_string(values: Iterable[str]) -> bytes:
    """The <ArrayOfString> request body of POST /get_assets_exist."""
    root = etree.Element("ArrayOfString")
    for value in values:
        etree.SubElement(root, "string").text = value
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

def parse_array_of_string(body: bytes) -> list[str]:
    root = parse_document(body)
    if local_name(root) != "ArrayOfString":
        raise WireError(f"root element is <{local_name(root)}>, expected <ArrayOfString>")
    return [element_text(child).strip() for child in root if _is_named(child, "string")]

def build_array_of_boolean(values: Iterable[bool]) -> bytes:
    root = etree.Element("ArrayOfBoolean")
    for value in values:
        etree.SubElement(root, "boolean").text = "true" if value else "false"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

def parse_array_of_boolean(body: bytes) -> list[bool]:
    """The <ArrayOfBoolean> answer of POST /get_assets_exist, in document order."""
    root = parse_document(body)
    if local_name(root) != "ArrayOfBoolean":
        raise WireError(f"root element is <{local_name(root)}>, expected <ArrayOfBoolean>")
    return [
        parse_boolean(element_text(child), f"boolean #{index}")
        for index, child in enumerate(c for c in root if _is_named(c, "boolean"))
    ]

def _is_named(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and local_name(element) == name
