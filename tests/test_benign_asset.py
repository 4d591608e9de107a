"""No false alarms: servers that differ from the reference only in ways the wiki allows
pass the whole asset suite."""

from __future__ import annotations

import pytest
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from conformance.reference.app import ReferenceConfig
from conformance.reference.asset import (
    AssetService,
    AssetSettings,
    BadRequest,
    StoredAsset,
    parse_root,
)
from conformance.wire.asset import XSD, XSI
from tests.conftest import SuiteRunner, not_passed
from tests.doubles.asset import OpenSimulatorStyle, opensim_document


class ReorderedAndDecorated(AssetService):
    """Elements in reverse order, whitespace around each flag, extra elements, comments, CDATA,
    whitespace around values, upper-case UUIDs, a default namespace-free prefix decl."""

    def render_asset(self, asset: StoredAsset) -> bytes:
        source = etree.fromstring(super().render_asset(asset))
        root = etree.Element("AssetBase", nsmap={"xsi": XSI})
        root.append(etree.Comment(" written by a benign variation "))
        etree.SubElement(root, "Extra").text = "ignored"
        for child in reversed(list(source)):
            if child.tag == "Name":
                child.text = etree.CDATA(child.text or "")
            elif child.tag == "ID":
                child.text = f"  {(child.text or '').upper()}  "
            elif child.tag == "Flags":
                child.text = padded_flags(child.text or "")
            root.append(child)
        etree.SubElement(root, "SHA1").text = "0" * 40
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")

    async def post_asset(self, request: Request) -> Response:
        response = await super().post_asset(request)
        if response.status_code == 200:
            text = etree.fromstring(bytes(response.body)).text or ""
            root = etree.Element("string", nsmap={"xsi": XSI, "xsd": XSD})
            root.text = f"\n  {text.upper()}\n"
            response.body = opensim_document(root)
            response.headers["content-length"] = str(len(response.body))
        return response


def padded_flags(text: str) -> str:
    """The flag names with whitespace around each, in the separator they were written
    with: " Maptile , Collectable " or "\n  Maptile\t Collectable\n"."""
    if "," in text:
        return " " + " , ".join(name.strip() for name in text.split(",")) + " "
    return "\n  " + "\t ".join(text.split()) + "\n"


class StrictAndNeverLocal(AssetService):
    """What the wiki allows a server to be strict about: Local is always false ("In the
    context of the asset service this should always be false"), and a POST without an
    element the wiki does not mark optional (FullID, Name, Description, …) is refused."""

    REQUIRED = ("Data", "FullID", "ID", "Name", "Description", "Type")

    def parse_asset(self, body: bytes) -> StoredAsset:
        root = parse_root(body, "AssetBase")
        if any(root.find(name) is None for name in self.REQUIRED):
            raise BadRequest("an element the wiki does not mark optional is missing")
        asset = super().parse_asset(body)
        asset.local = False
        return asset


@pytest.mark.parametrize("service", [OpenSimulatorStyle, ReorderedAndDecorated,
                                     StrictAndNeverLocal],
                         ids=lambda cls: cls.__name__)
def test_allowed_variations_fail_nothing(service: type[AssetService],
                                         run_suite: SuiteRunner) -> None:
    results = run_suite(ReferenceConfig(asset_service=service), "asset")
    assert not not_passed(results), f"false alarms: {not_passed(results)}"
    assert results["exit_code"] == 0


@pytest.mark.parametrize(("settings", "maptile_deleted"), [
    pytest.param(AssetSettings(allow_remote_delete=False), False, id="remote-delete-off"),
    pytest.param(AssetSettings(allow_remote_delete_all_types=False), True, id="maptile-only"),
])
def test_delete_configurations_fail_nothing(settings: AssetSettings, maptile_deleted: bool,
                                            run_suite: SuiteRunner) -> None:
    """OpenSimulator's delete settings (AllowRemoteDelete off, its default, or Maptile
    assets only) are configuration, not faults: nothing fails, and a target with remote
    delete switched off is reported as such."""
    results = run_suite(ReferenceConfig(asset_settings=settings), "asset")
    assert not not_passed(results), f"false alarms: {not_passed(results)}"
    effect = results["requirements"]["ASSET-DELETE-EFFECT"]["tests"]
    maptile = next(test for test in effect if "Maptile" in test["nodeid"])
    if maptile_deleted:
        assert maptile["outcome"] == "passed"
    else:
        assert maptile["outcome"] == "skipped"
        assert "remote delete is switched off on the target" in maptile["message"]
        assert "DELETE of a Maptile asset answered false" in maptile["observations"]
        remaining = {entry["kind"] for entry in results["cleanup"]["remaining"]}
        assert remaining == {"asset"}, "assets the target will not delete are listed"
