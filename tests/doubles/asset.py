"""The asset service of each release double (see tests/doubles/__init__.py), and the
pieces of OpenSimulator's style they share with the benign variations
(tests/test_benign_asset.py).

For assets OpenSimulator master and 0.9.2.2 behave the same (docs/interop/asset.md):
XmlSerializer output (BOM, W3C namespaces, indentation, the extra UploadAttempts),
Flags read and written whitespace-separated with commas refused, booleans only as
true/false/1/0, a re-POST that keeps the first write, and remote delete off by default.
"""

from __future__ import annotations

import codecs
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.asset import (
    FLAGS,
    TEXT_LIMIT,
    AssetService,
    AssetSettings,
    BadRequest,
    StoredAsset,
    parse_root,
)
from conformance.wire.asset import XSD, XSI

# ---------------------------------------------------------------- OpenSimulator's style


def opensim_document(root: etree._Element) -> bytes:
    """As OpenSimulator's XmlSerializer writes: BOM, declaration, W3C namespace
    declarations on the root, indented."""
    root = copy_with_namespaces(root)
    etree.indent(root, space="  ")
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return codecs.BOM_UTF8 + body


def copy_with_namespaces(root: etree._Element) -> etree._Element:
    copy = etree.Element(root.tag, nsmap={"xsi": XSI, "xsd": XSD})
    copy.text = root.text
    copy.extend(list(root))
    return copy


class OpenSimulatorStyle(AssetService):
    """BOM, namespaces, indentation, the extra UploadAttempts element in OpenSimulator's
    order, CreatorID left out when blank, Content-Type text/xml."""

    def render_asset(self, asset: StoredAsset) -> bytes:
        root = etree.fromstring(super().render_asset(asset))
        upload_attempts = etree.Element("UploadAttempts")
        upload_attempts.text = "0"
        type_element = root.find("Type")
        root.insert(list(root).index(type_element) + 1 if type_element is not None else 0,
                    upload_attempts)
        creator = root.find("CreatorID")
        if not asset.creator_id and creator is not None:
            root.remove(creator)
        return opensim_document(root)

    def render_metadata(self, asset: StoredAsset) -> bytes:
        return opensim_document(etree.fromstring(super().render_metadata(asset)))

    def render_booleans(self, answers: list[bool]) -> bytes:
        return opensim_document(etree.fromstring(super().render_booleans(answers)))


# ---------------------------------------------------------------- OpenSimulator releases


class OpenSimulatorAssets(OpenSimulatorStyle):
    """OpenSimulator's AssetService behind its handlers: Flags are a [Flags] enum read
    and written whitespace-separated (a comma is part of a name, so 400), and the
    <string> and <boolean> answers start with a BOM."""

    def parse_flags(self, text: str) -> int:
        if "," in text:
            raise BadRequest(f"{text!r} is no AssetFlags value (names are space-separated)")
        return super().parse_flags(text)

    def flags_separator(self, text: str) -> str:
        return " "

    async def post_asset(self, request: Request) -> Response:
        return with_bom(await super().post_asset(request))

    async def delete_asset(self, request: Request) -> Response:
        return with_bom(await super().delete_asset(request))


def with_bom(response: Response) -> Response:
    if response.status_code != 200:
        return response
    return Response(codecs.BOM_UTF8 + bytes(response.body), media_type="application/xml")


#: OpenSimulator's default configuration: AllowRemoteDelete = false.
REMOTE_DELETE_OFF = AssetSettings(allow_remote_delete=False)

# ---------------------------------------------------------------- the wiki read literally


class WikiLiteral(AssetService):
    """Exactly what the asset pages say where they say it: POST served at /assets only;
    several flags comma-separated (in and out), each name trimmed; Local always false; a
    POST missing an element the wiki does not mark optional (Data, FullID, ID, Name,
    Description, Type) refused; booleans only true or false; Name and Description over
    64 characters refused."""

    REQUIRED = ("Data", "FullID", "ID", "Name", "Description", "Type")

    async def post_asset(self, request: Request) -> Response:
        """"Uri format is /assets": nothing else is served, not /assets/ either."""
        if request.url.path != "/assets":
            return self.not_found()
        return await super().post_asset(request)

    def parse_asset(self, body: bytes) -> StoredAsset:
        root = parse_root(body, "AssetBase")
        missing = [name for name in self.REQUIRED if root.find(name) is None]
        if missing:
            raise BadRequest(f"missing {', '.join(missing)}")
        asset = super().parse_asset(body)
        asset.local = False  # "In the context of the asset service this should always be false."
        return asset

    def parse_boolean(self, text: str) -> bool:
        if text.strip() not in ("true", "false"):
            raise BadRequest(f"{text!r} is not true or false")
        return text.strip() == "true"

    def limit_text(self, text: str) -> str:
        if len(text) > TEXT_LIMIT:
            raise BadRequest("Maximum size is 64 characters.")
        return text

    def parse_flags(self, text: str) -> int:
        """"Multiple flags must be comma separated"; "Each flag can have leading or
        trailing whitespace"."""
        flags = 0
        for part in text.split(","):
            name = part.strip()
            if not name and text.strip():
                raise BadRequest(f"an empty flag name in {text!r}")
            if name and name not in FLAGS:
                raise BadRequest(f"unknown flag {name!r}")
            flags |= FLAGS.get(name, 0)
        return flags

    def flags_separator(self, text: str) -> str:
        return ","


#: ReferenceConfig keyword arguments of each double's asset service.
MASTER: dict[str, Any] = {"asset_service": OpenSimulatorAssets,
                          "asset_settings": REMOTE_DELETE_OFF}
RELEASE_0_9_2: dict[str, Any] = {"asset_service": OpenSimulatorAssets,
                                 "asset_settings": REMOTE_DELETE_OFF}
WIKI_LITERAL: dict[str, Any] = {"asset_service": WikiLiteral}
