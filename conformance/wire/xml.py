"""XML reading shared by the codecs: safe parsing, local names, text."""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_blank_text=False
)


class WireError(ValueError):
    """A document that cannot be read as the protocol describes; the message says why."""


def parse_document(body: bytes) -> etree._Element:
    """Parse an XML document (a UTF-8 BOM and an XML declaration are allowed)."""
    if not body.strip():
        raise WireError("the body is empty, expected an XML document")
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WireError(f"the body is not well-formed XML: {exc}") from exc


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def element_text(element: etree._Element) -> str:
    return element.text or ""
