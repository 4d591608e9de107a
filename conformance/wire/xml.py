"""XML reading shared by the codecs: safe parsing, local names, text."""

from __future__ import annotations

from lxml import etree


def safe_parser(huge_tree: bool = False) -> etree.XMLParser:
    """A parser that processes no DTD at all: no entity is expanded, nothing is loaded
    from the network or a file; by default no text node grows past libxml2's limits
    (10 MB, depth 256). ``huge_tree`` lifts those for an asset's base64 Data, which may
    be larger: the body size limit (--max-body-size) still bounds it."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=huge_tree, remove_blank_text=False)


_PARSER = safe_parser()
#: For an asset's AssetBase, whose Data may hold more than 10 MB of base64.
HUGE_PARSER = safe_parser(huge_tree=True)
#: What a target's document that carries a DTD fails with.
DTD_REFUSED = ("the body carries a DOCTYPE (a DTD), which the protocol's documents never "
               "do: refused unread")


class WireError(ValueError):
    """A document that cannot be read as the protocol describes; the message says why."""


def parse_document(body: bytes, parser: etree.XMLParser | None = None) -> etree._Element:
    """Parse an XML document (a UTF-8 BOM and an XML declaration are allowed). A document
    with a DOCTYPE, or one the parser refuses for any reason, is a WireError: the
    target's failure, never the suite's."""
    if not body.strip():
        raise WireError("the body is empty, expected an XML document")
    try:
        root = etree.fromstring(body, parser if parser is not None else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WireError(f"the body is not well-formed XML: {_one_line(exc)}") from exc
    except (etree.LxmlError, ValueError) as exc:  # e.g. a str with an encoding declaration
        raise WireError(f"the body cannot be read as XML: {_one_line(exc)}") from exc
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise WireError(DTD_REFUSED)
    return root


def refuse_dtd(body: bytes) -> None:
    """Check, before another library parses ``body``, that it is well-formed XML without
    a DTD (the llsd library and xmlrpc.client expand a DTD's entities)."""
    parse_document(body)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def element_text(element: etree._Element) -> str:
    return element.text or ""
