"""Faults of the asset service: each breaks one rule, the way a real server might."""

from __future__ import annotations

import base64
import codecs
import re
import uuid

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.asset import (
    FLAGS,
    AssetService,
    BadRequest,
    StoredAsset,
    boolean_document,
    canonical_uuid,
    document,
)
from tests.faults import fault

# ---------------------------------------------------------------- GET


@fault("asset", "ASSET-GET-200")
class AnswersWithAnAssetRoot(AssetService):
    """GET answers <Asset> instead of <AssetBase>."""

    def render_asset(self, asset: StoredAsset) -> bytes:
        return super().render_asset(asset).replace(b"AssetBase", b"Asset")


@fault("asset", "ASSET-GET-200", "ASSET-GET-DATA", "ASSET-GET-ELEMENTS")
class AnswersStoredAssetsWithStatus201(AssetService):
    """GET of a stored asset answers 201."""

    async def get_asset(self, request: Request) -> Response:
        response = await super().get_asset(request)
        if response.status_code == 200:
            response.status_code = 201
        return response


@fault("asset", "ASSET-GET-DATA")
class WritesDataAsHex(AssetService):
    """Data is written as hex digits, not base64."""

    def add_elements(self, root: etree._Element, elements: list[tuple[str, str]]) -> None:
        super().add_elements(root, elements)
        data = root.find("Data")
        if data is not None and data.text:
            data.text = base64.b64decode(data.text).hex()


@fault("asset", "ASSET-GET-ELEMENTS")
class LeavesOutDescription(AssetService):
    """The Description element is missing from GET."""

    def add_elements(self, root: etree._Element, elements: list[tuple[str, str]]) -> None:
        super().add_elements(root, [(n, t) for n, t in elements if n != "Description"])


@fault("asset", "ASSET-GET-ELEMENTS")
class WritesTypeAsAName(AssetService):
    """Type is written as a name ("Notecard"), not the documented integer."""

    def add_elements(self, root: etree._Element, elements: list[tuple[str, str]]) -> None:
        super().add_elements(root, [(n, "Notecard" if n == "Type" else t) for n, t in elements])


@fault("asset", "ASSET-GET-ELEMENTS")
class ReadsBackAnotherName(AssetService):
    """GET returns the Name upper-cased."""

    def render_asset(self, asset: StoredAsset) -> bytes:
        asset.name = asset.name.upper()
        return super().render_asset(asset)


@fault("asset", "ASSET-GET-FULLID")
class FullIdIsZero(AssetService):
    """FullID/Guid holds the zero UUID instead of the asset's ID."""

    def add_elements(self, root: etree._Element, elements: list[tuple[str, str]]) -> None:
        zero = str(uuid.UUID(int=0))
        super().add_elements(root, [(n, zero if n == "FullID" else t) for n, t in elements])


@fault("asset", "ASSET-GET-404")
class MissingAssetIs200(AssetService):
    """GET of a missing asset answers 200 with an empty body."""

    def not_found(self) -> Response:
        return Response(b"", status_code=200)


@fault("asset", "ASSET-GET-404")
class MissingAssetHasABody(AssetService):
    """GET of a missing asset answers 404 with a text body."""

    def not_found(self) -> Response:
        return Response(b"Asset not found", status_code=404, media_type="text/plain")


@fault("asset", "ASSET-GET-404")
class UpperCaseIdIsNotFound(AssetService):
    """An upper-case UUID is looked up as it is, and errors."""

    async def get_asset(self, request: Request) -> Response:
        if request.path_params["asset_id"] != request.path_params["asset_id"].lower():
            return Response(b"", status_code=500)
        return await super().get_asset(request)


@fault("asset", "ASSET-GET-NON-UUID")
class NonUuidIdCrashes(AssetService):
    """A non-UUID id makes GET fail with 500."""

    async def get_asset(self, request: Request) -> Response:
        if canonical_uuid(request.path_params["asset_id"]) is None:
            return Response(b"System.FormatException", status_code=500)
        return await super().get_asset(request)


# ---------------------------------------------------------------- POST


@fault("asset", "ASSET-POST-RETURNS-ID")
class AnswersAFreshId(AssetService):
    """POST answers a newly generated UUID instead of the posted one."""

    def save(self, asset: StoredAsset) -> None:
        super().save(asset)
        asset.id = str(uuid.uuid4())


@fault("asset", "ASSET-POST-RETURNS-ID")
class AnswersWithABoolean(AssetService):
    """POST answers <boolean>true</boolean> instead of <string>."""

    async def post_asset(self, request: Request) -> Response:
        response = await super().post_asset(request)
        if response.status_code == 200:
            return Response(boolean_document(True), media_type="application/xml")
        return response


@fault("asset", "ASSET-POST-REGION-CONNECTOR")
class RefusesUnknownElements(AssetService):
    """POST refuses an element the wiki's table does not list (the UploadAttempts that
    OpenSimulator's regions send) with 400."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        if b"<UploadAttempts" in body:
            raise BadRequest("unknown element UploadAttempts")
        return super().parse_asset(body)


@fault("asset", "ASSET-POST-REGION-CONNECTOR")
class RefusesAByteOrderMark(AssetService):
    """A POST body that starts with a UTF-8 byte order mark answers 400."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        if body.startswith(codecs.BOM_UTF8):
            raise BadRequest("byte order mark")
        return super().parse_asset(body)


@fault("asset", "ASSET-POST-RETURNS-ID", "ASSET-POST-CREATOR")
class RequiresCreatorId(AssetService):
    """POST without CreatorID (which the wiki marks optional) answers 400."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        if b"<CreatorID" not in body:
            raise BadRequest("CreatorID is missing")
        return super().parse_asset(body)


@fault("asset", "ASSET-POST-REGION-CONNECTOR")
class RefusesTheTrailingSlash(AssetService):
    """POST /assets/ (the path OpenSimulator's regions post to) answers 404."""

    async def post_asset(self, request: Request) -> Response:
        if request.url.path.endswith("/"):
            return Response(b"", status_code=404)
        return await super().post_asset(request)


@fault("asset", "ASSET-GET-LOCAL-FALSE")
class AnswersLocalTrue(AssetService):
    """GET writes Local true for every asset."""

    def render_asset(self, asset: StoredAsset) -> bytes:
        asset.local = True
        return super().render_asset(asset)


@fault("asset", "ASSET-GET-LOCAL-FALSE")
class OmittedLocalMeansTrue(AssetService):
    """An asset posted without Local is stored as local."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        if b"<Local" not in body:
            asset.local = True
        return asset


@fault("asset", "ASSET-POST-DEFAULTS")
class OmittedTemporaryMeansTrue(AssetService):
    """An asset posted without Temporary is stored as temporary."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        if b"<Temporary" not in body:
            asset.temporary = True
        return asset


@fault("asset", "ASSET-POST-CREATOR")
class OmittedCreatorIsZeroUuid(AssetService):
    """An asset posted without CreatorID reads back with the zero UUID."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        if b"<CreatorID" not in body:
            asset.creator_id = str(uuid.UUID(int=0))
        return asset


@fault("asset", "ASSET-POST-DATA-ROUNDTRIP")
class CapsDataAtOneMebibyte(AssetService):
    """Data over 1 MiB is cut to 1 MiB."""

    def parse_data(self, text: str) -> bytes:
        return super().parse_data(text)[: 1 << 20]


@fault("asset", "ASSET-POST-DATA-ROUNDTRIP")
class ReadsDataAsText(AssetService):
    """Data is decoded as UTF-8 text and re-encoded, mangling non-text bytes."""

    def parse_data(self, text: str) -> bytes:
        return super().parse_data(text).decode("utf-8", errors="replace").encode("utf-8")


@fault("asset", "ASSET-POST-TEXT-64")
class CutsTextAt63(AssetService):
    """Name and Description are cut at 63 characters."""

    def limit_text(self, text: str) -> str:
        return text[:63]


@fault("asset", "ASSET-POST-TEXT-64")
class EscapesTextTwice(AssetService):
    """Name and Description are stored XML-escaped, so '&' reads back as '&amp;'."""

    def limit_text(self, text: str) -> str:
        return super().limit_text(text.replace("&", "&amp;").replace("<", "&lt;"))


@fault("asset", "ASSET-POST-TEXT-OVER-64")
class KeepsLongText(AssetService):
    """Name and Description longer than 64 characters are stored whole."""

    def limit_text(self, text: str) -> str:
        return text


@fault("asset", "ASSET-POST-TYPE-RANGE")
class StoresTypeUnsigned(AssetService):
    """Type is stored as an unsigned byte: -1 reads back as 255."""

    def parse_type(self, text: str) -> int:
        return super().parse_type(text) & 0xFF


@fault("asset", "ASSET-POST-TEMPORARY-LOCAL")
class TemporaryIsDropped(AssetService):
    """Temporary is not stored: it always reads back false."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        asset.temporary = False
        return asset


@fault("asset", "ASSET-POST-CREATOR")
class CreatorMustBeUuid(AssetService):
    """A CreatorID that is not a UUID is stored blank."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        if canonical_uuid(asset.creator_id) is None:
            asset.creator_id = ""
        return asset


@fault("asset", "ASSET-POST-ELEMENT-ORDER")
class ReadsElementsByPosition(AssetService):
    """POST insists on Data as the first element."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        if not re.search(rb"<AssetBase>\s*<Data", body):
            raise BadRequest("Data must come first")
        return super().parse_asset(body)


@fault("asset", "ASSET-POST-IMMUTABLE")
class OverwritesOnRepost(AssetService):
    """A second POST with an existing ID replaces the asset."""

    def save(self, asset: StoredAsset) -> None:
        self.store.delete(asset.id)
        super().save(asset)


@fault("asset", "ASSET-POST-RETURNS-ID")
class RefusesRepostWith409(AssetService):
    """A second POST with an existing ID answers 409."""

    async def post_asset(self, request: Request) -> Response:
        body = await request.body()
        try:
            if self.store.exists(self.parse_asset(body).id):
                return Response(b"", status_code=409)
        except BadRequest:
            pass
        return await super().post_asset(request)


@fault("asset", "ASSET-POST-400-MALFORMED")
class MalformedXmlIs500(AssetService):
    """A body that is not well-formed XML makes the server fail with 500."""

    async def post_asset(self, request: Request) -> Response:
        body = await request.body()
        try:
            etree.fromstring(body)
        except etree.XMLSyntaxError:
            return Response(b"XmlException", status_code=500)
        return await super().post_asset(request)


@fault("asset", "ASSET-POST-400-MALFORMED")
class RecoversFromBrokenXml(AssetService):
    """Truncated XML is parsed leniently and whatever could be read is stored."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        try:
            return super().parse_asset(body)
        except BadRequest:
            parser = etree.XMLParser(recover=True)
            root = etree.fromstring(body, parser) if body.strip() else None
            asset_id = root.findtext("ID") if root is not None else None
            if not asset_id:
                raise
            return StoredAsset(id=asset_id.strip())


@fault("asset", "ASSET-POST-400-INVALID")
class AcceptsAnyRootElement(AssetService):
    """A document whose root is not <AssetBase> is stored anyway."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        return super().parse_asset(re.sub(rb"<(/?)Asset>", rb"<\1AssetBase>", body))


@fault("asset", "ASSET-POST-400-INVALID")
class StoresBadBase64AsEmpty(AssetService):
    """Data that is not base64 is stored as no data."""

    def parse_data(self, text: str) -> bytes:
        try:
            return super().parse_data(text)
        except BadRequest:
            return b""


@fault("asset", "ASSET-POST-400-INVALID")
class ClampsTypeToRange(AssetService):
    """A Type outside -128..127 is clamped instead of refused."""

    def parse_type(self, text: str) -> int:
        try:
            return max(-128, min(127, int(float(text))))
        except ValueError:
            return super().parse_type(text)


@fault("asset", "ASSET-POST-400-INVALID")
class ReadsAnyBooleanAsFalse(AssetService):
    """A boolean that is not true/false/1/0 is read as false."""

    def parse_boolean(self, text: str) -> bool:
        return text.strip() in ("true", "1")


# ---------------------------------------------------------------- Flags


@fault("asset", "ASSET-FLAGS-SINGLE")
class WritesFlagsAsNumbers(AssetService):
    """Flags are written as their numeric value ("1") instead of names."""

    def flags_text(self, flags: int, separator: str = " ") -> str:
        return str(flags) if flags else "Normal"


@fault("asset", "ASSET-FLAGS-SINGLE")
class ForgetsRewritable(AssetService):
    """The Rewritable flag is not stored."""

    def parse_flags(self, text: str) -> int:
        return super().parse_flags(text) & ~FLAGS["Rewritable"]


@fault("asset", "ASSET-FLAGS-DEFAULT")
class OmittedFlagsMeanCollectable(AssetService):
    """An asset posted without Flags is stored as Collectable."""

    def parse_asset(self, body: bytes) -> StoredAsset:
        asset = super().parse_asset(body)
        if b"<Flags" not in body:
            asset.flags = FLAGS["Collectable"]
        return asset


@fault("asset", "ASSET-FLAGS-COMMA")
class SplitsFlagsOnWhitespaceOnly(AssetService):
    """Flags are split on whitespace only (as OpenSimulator does): commas give 400."""

    def parse_flags(self, text: str) -> int:
        if "," in text:
            raise BadRequest("comma in Flags")
        return super().parse_flags(text)


@fault("asset", "ASSET-FLAGS-COMMA")
class KeepsOnlyTheFirstFlag(AssetService):
    """Only the first of several comma-separated flags is stored."""

    def parse_flags(self, text: str) -> int:
        return super().parse_flags(text.split(",")[0])


@fault("asset", "ASSET-FLAGS-COMMA")
class WritesFlagsWithSpacesOnly(AssetService):
    """Several flags are always written space-separated, even to a client that posted
    them comma-separated (the wiki's form)."""

    def flags_separator(self, text: str) -> str:
        return " "


@fault("asset", "ASSET-FLAGS-SPACE-SEPARATED")
class WritesFlagsWithCommasOnly(AssetService):
    """Several flags are always written comma-separated, which OpenSimulator cannot
    read back."""

    def flags_separator(self, text: str) -> str:
        return ","


@fault("asset", "ASSET-FLAGS-WHITESPACE")
class DoesNotTrimFlags(AssetService):
    """Whitespace around a flag name is not trimmed, so the name is unknown: 400."""

    def parse_flags(self, text: str) -> int:
        if text != text.strip():
            raise BadRequest("whitespace around Flags")
        return super().parse_flags(text)


@fault("asset", "ASSET-FLAGS-SPACE-SEPARATED")
class SplitsFlagsOnCommasOnly(AssetService):
    """Flags are split on commas only (the wiki read literally): spaces give 400."""

    def parse_flags(self, text: str) -> int:
        flags = 0
        for name in text.split(","):
            if name.strip() and name.strip() not in FLAGS:
                raise BadRequest(f"unknown flag {name!r}")
            flags |= FLAGS.get(name.strip(), 0)
        return flags


@fault("asset", "ASSET-FLAGS-EMPTY")
class EmptyFlagsAre400(AssetService):
    """An empty Flags element answers 400."""

    def parse_flags(self, text: str) -> int:
        if not text.strip():
            raise BadRequest("empty Flags")
        return super().parse_flags(text)


@fault("asset", "ASSET-FLAGS-UNKNOWN")
class IgnoresUnknownFlags(AssetService):
    """Unknown flag names are ignored instead of refused."""

    def parse_flags(self, text: str) -> int:
        known = [name for name in re.split(r"[\s,]+", text) if name in FLAGS]
        return super().parse_flags(" ".join(known))


# ---------------------------------------------------------------- DELETE


@fault("asset", "ASSET-DELETE-REPLY")
class DeleteAnswers204(AssetService):
    """DELETE answers 204 No Content instead of 200 with a <boolean>."""

    async def delete_asset(self, request: Request) -> Response:
        self.remove(request.path_params["asset_id"])
        return Response(b"", status_code=204)


@fault("asset", "ASSET-DELETE-UNKNOWN")
class DeleteOfUnknownIs404(AssetService):
    """DELETE of an asset that does not exist answers 404."""

    async def delete_asset(self, request: Request) -> Response:
        if self.find(request.path_params["asset_id"]) is None:
            return Response(b"", status_code=404)
        return await super().delete_asset(request)


@fault("asset", "ASSET-DELETE-UNKNOWN")
class DeleteAlwaysAnswersTrue(AssetService):
    """DELETE answers true whether or not there was an asset."""

    def remove(self, asset_id: str) -> bool:
        super().remove(asset_id)
        return True


@fault("asset", "ASSET-DELETE-EFFECT")
class DeleteSaysTrueButKeeps(AssetService):
    """DELETE answers true but the asset stays."""

    def remove(self, asset_id: str) -> bool:
        return self.find(asset_id) is not None


@fault("asset", "ASSET-DELETE-EFFECT")
class DeleteSaysFalseButRemoves(AssetService):
    """DELETE removes a Normal asset but answers false."""

    def remove(self, asset_id: str) -> bool:
        asset = self.find(asset_id)
        removed = super().remove(asset_id)
        return removed and asset is not None and bool(asset.flags & FLAGS["Maptile"])


# ---------------------------------------------------------------- get_assets_exist


@fault("asset", "ASSET-EXIST-ORDER")
class AnswersExistingFirst(AssetService):
    """get_assets_exist answers the trues first, not in request order."""

    def render_booleans(self, answers: list[bool]) -> bytes:
        return super().render_booleans(sorted(answers, reverse=True))


@fault("asset", "ASSET-EXIST-ORDER")
class ExistAnswersTrueForEverything(AssetService):
    """get_assets_exist answers true for every id."""

    def exists(self, asset_id: str) -> bool:
        return True


@fault("asset", "ASSET-EXIST-DUPLICATES")
class AnswersEachIdOnce(AssetService):
    """Duplicate ids are answered once."""

    def parse_id_list(self, body: bytes) -> list[str]:
        return list(dict.fromkeys(super().parse_id_list(body)))


@fault("asset", "ASSET-EXIST-EMPTY")
class EmptyListIs400(AssetService):
    """An empty <ArrayOfString> answers 400."""

    def parse_id_list(self, body: bytes) -> list[str]:
        asset_ids = super().parse_id_list(body)
        if not asset_ids:
            raise BadRequest("no ids")
        return asset_ids


@fault("asset", "ASSET-EXIST-400")
class ExistReadsAnyRoot(AssetService):
    """A body whose root is not <ArrayOfString> is read anyway."""

    def parse_id_list(self, body: bytes) -> list[str]:
        try:
            return super().parse_id_list(body)
        except BadRequest:
            try:
                return [child.text or "" for child in etree.fromstring(body)]
            except etree.XMLSyntaxError:
                raise BadRequest("not XML") from None


@fault("asset", "ASSET-EXIST-400")
class ExistCrashesOnBadXml(AssetService):
    """A body that is not XML makes get_assets_exist fail with 500."""

    async def assets_exist(self, request: Request) -> Response:
        try:
            etree.fromstring(await request.body())
        except etree.XMLSyntaxError:
            return Response(b"", status_code=500)
        return await super().assets_exist(request)


# ---------------------------------------------------------------- data and metadata


@fault("asset", "ASSET-DATA-RAW")
class DataIsBase64Text(AssetService):
    """/data answers the base64 text instead of the raw bytes."""

    async def get_asset_part(self, request: Request) -> Response:
        response = await super().get_asset_part(request)
        if request.path_params["part"] == "data" and response.status_code == 200:
            return Response(base64.b64encode(response.body),
                            media_type="application/octet-stream")
        return response


@fault("asset", "ASSET-DATA-RAW")
class DataIsLabelledText(AssetService):
    """/data is labelled text/plain."""

    async def get_asset_part(self, request: Request) -> Response:
        response = await super().get_asset_part(request)
        if request.path_params["part"] == "data" and response.status_code == 200:
            return Response(response.body, media_type="text/plain")
        return response


@fault("asset", "ASSET-METADATA")
class MetadataCarriesData(AssetService):
    """/metadata includes the Data element."""

    def render_metadata(self, asset: StoredAsset) -> bytes:
        root = etree.fromstring(super().render_metadata(asset))
        etree.SubElement(root, "Data").text = base64.b64encode(asset.data).decode()
        return document(root)


@fault("asset", "ASSET-METADATA")
class MetadataIsAnAssetBase(AssetService):
    """/metadata answers the whole <AssetBase> document."""

    def render_metadata(self, asset: StoredAsset) -> bytes:
        return self.render_asset(asset)


@fault("asset", "ASSET-SUBRESOURCE-404")
class PartsOfMissingAssetsAre200(AssetService):
    """/data and /metadata of a missing asset answer 200 with an empty body."""

    async def get_asset_part(self, request: Request) -> Response:
        response = await super().get_asset_part(request)
        return Response(b"", status_code=200) if response.status_code == 404 else response


@fault("asset", "ASSET-EXIST-SAMPLE")
class ExistRefusesNamespaceDeclarations(AssetService):
    """get_assets_exist refuses an <ArrayOfString> that declares namespaces, as the page's
    sample does."""

    def parse_id_list(self, body: bytes) -> list[str]:
        if b"xmlns:" in body:
            raise BadRequest("namespace declarations")
        return super().parse_id_list(body)
