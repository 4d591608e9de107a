"""LLSD as the viewer's inventory capabilities carry it, through the ``llsd`` library.

Reading is tolerant of what real servers send (no XML declaration, ``text/html`` as the
Content-Type, self-closed empty elements standing for zero or empty values) and reads
*every* top-level value of an ``<llsd>`` document: OpenSimulator writes ``bad_folders`` as
a second ``<map>`` beside the first, which ``llsd.parse_xml`` silently drops. What breaks
the LLSD specification is noted in ``LlsdDocument.quirks`` for the report.

Writing follows the Second Life viewer: XML, booleans as ``<boolean>1</boolean>``.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

import llsd
from lxml import etree

from conformance.wire.xml import WireError, parse_document, safe_parser

XML_TYPE = "application/llsd+xml"
BINARY_TYPE = "application/llsd+binary"
NOTATION_TYPE = "application/llsd+notation"
#: What the viewer's HTTP layer sends as Accept for the inventory capabilities.
VIEWER_ACCEPT = XML_TYPE

_PARSER = safe_parser()


@dataclass
class LlsdDocument:
    """A parsed LLSD body: its top-level values (one, unless the server wrote more) and
    what about it departs from the LLSD specification."""

    values: list[Any]
    format: str = "xml"
    quirks: list[str] = field(default_factory=list)

    @property
    def value(self) -> Any:
        return self.values[0] if self.values else None

    def merged_map(self) -> dict[str, Any]:
        """The top-level map, with the keys of any further top-level maps added (how a
        client that reads ``bad_folders`` from a second map sees the answer)."""
        merged: dict[str, Any] = {}
        for value in self.values:
            if not isinstance(value, dict):
                raise WireError(f"a top-level value is {llsd_type(value)}, expected a map")
            for key, item in value.items():
                merged.setdefault(key, item)
        return merged


def parse(body: bytes, content_type: str | None = None) -> LlsdDocument:
    """Read an LLSD body in the format its Content-Type (or its header) names, XML by
    default."""
    media = (content_type or "").split(";")[0].strip().lower()
    stripped = body.lstrip()
    if media == BINARY_TYPE or stripped[:16].lower().startswith(b"<?llsd/binary?>"):
        return _parse_other(body, "binary", llsd.parse_binary)
    if media == NOTATION_TYPE or stripped[:18].lower().startswith(b"<?llsd/notation?>"):
        return _parse_other(body, "notation", llsd.parse_notation)
    return parse_xml(body)


def _parse_other(body: bytes, name: str, parser: Any) -> LlsdDocument:
    try:
        return LlsdDocument([parser(body)], name)
    except Exception as exc:  # the llsd library raises several kinds
        raise WireError(f"the body is not LLSD {name}: {exc}") from exc


def parse_xml(body: bytes) -> LlsdDocument:
    """Every top-level value of an ``<llsd>`` XML document."""
    if not body.strip():
        raise WireError("the body is empty, expected an LLSD document")
    root = parse_document(body.lstrip(b"\xef\xbb\xbf \t\r\n"), _PARSER)
    if not isinstance(root.tag, str) or etree.QName(root).localname != "llsd":
        raise WireError(f"the document element is <{root.tag}>, expected <llsd>")
    children = [child for child in root if isinstance(child.tag, str)]
    quirks = []
    if len(children) > 1:
        quirks.append(f"<llsd> holds {len(children)} top-level values (LLSD allows one); "
                      "a standard parser keeps only the first")
    values = []
    for child in children:
        wrapper = etree.Element("llsd")
        wrapper.append(_copy(child))
        try:
            values.append(llsd.parse_xml(etree.tostring(wrapper)))
        except Exception as exc:  # the llsd library raises several kinds
            raise WireError(f"the body is not LLSD XML: {exc}") from exc
    return LlsdDocument(values, "xml", quirks)


def _copy(element: etree._Element) -> etree._Element:
    return parse_document(etree.tostring(element, with_tail=False), _PARSER)


def format_xml(value: Any) -> bytes:
    """LLSD XML as the viewer writes it: booleans as 1 and 0."""
    text = llsd.format_xml(value)
    return (text.replace(b"<boolean>true</boolean>", b"<boolean>1</boolean>")
                .replace(b"<boolean>false</boolean>", b"<boolean>0</boolean>"))


def format_xml_text_booleans(value: Any) -> bytes:
    """LLSD XML with booleans as ``true``/``false`` (valid LLSD; Python's writer)."""
    return bytes(llsd.format_xml(value))


def format_binary(value: Any) -> bytes:
    return bytes(llsd.format_binary(value))


def format_notation(value: Any) -> bytes:
    return bytes(llsd.format_notation(value))


def llsd_type(value: Any) -> str:
    """The LLSD type name of a parsed value."""
    if value is None:
        return "undef"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, llsd.uri):
        return "uri"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "binary"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "date"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def to_json(value: Any) -> Any:
    """LLSD as JSON-compatible data (for the JSON Schemas): a UUID and a URI become their
    text, binary its base64, a date its ISO form; a UUID written as an LLSD string stays a
    string (the LLSD conversions allow it)."""
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def as_uuid(value: Any) -> str | None:
    """A UUID value (an LLSD uuid, or a string holding one) in canonical text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            return None
    return None


def as_int(value: Any) -> int | None:
    """An integer value (an LLSD integer; a string holding digits, as the viewer reads
    ``type`` and ``inv_type``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return None
