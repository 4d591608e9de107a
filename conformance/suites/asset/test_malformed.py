"""POST /assets with documents that are not well-formed or not a valid AssetBase
(seeds/opensim-asset-service.txt, "POST /assets"; corpus in fixtures/asset/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import expect
from conformance.resources import fixture_path

pytestmark = pytest.mark.writes


def corpus(folder: str) -> list[Path]:
    return sorted(fixture_path("asset", folder).iterdir())


def body_of(path: Path, asset_id: str) -> bytes:
    return path.read_bytes().replace(b"{ID}", asset_id.encode())


@pytest.mark.requirement("ASSET-POST-400-MALFORMED")
@pytest.mark.parametrize("case", corpus("malformed"), ids=lambda path: path.stem)
def test_xml_that_is_not_well_formed_is_400(assets: AssetClient, case: Path) -> None:
    asset_id = assets.new_id()
    expect(assets.post(body_of(case, asset_id), asset_id=asset_id)).status(400)
    expect(assets.get(asset_id)).status(404)


@pytest.mark.requirement("ASSET-POST-400-INVALID")
@pytest.mark.parametrize("case", corpus("invalid"), ids=lambda path: path.stem)
def test_invalid_assetbase_is_400(assets: AssetClient, case: Path) -> None:
    """POST of well-formed XML that is not a valid AssetBase (wrong root element, bad
    base64, a boolean that is not true/false, Type outside -128..127, an unknown flag)
    answers 400 and stores nothing."""
    asset_id = assets.new_id()
    expect(assets.post(body_of(case, asset_id), asset_id=asset_id)).status(400)
    expect(assets.get(asset_id)).status(404)
