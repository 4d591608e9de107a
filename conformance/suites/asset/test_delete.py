"""DELETE /assets/{id}. The wiki leaves it "TODO"; these tests follow what
OpenSimulator does (docs/interop/asset.md, "DELETE /assets/{id}"), at the interop level."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import check, expect
from conformance.suites.asset.steps import stored
from conformance.wire.asset import parse_boolean_reply

pytestmark = pytest.mark.destructive


@pytest.mark.requirement("ASSET-DELETE-REPLY")
def test_delete_answers_200_with_a_boolean(assets: AssetClient) -> None:
    asset_id = stored(assets, b"delete me")
    reply = assets.delete(asset_id)
    expect(reply).status(200)
    expect(reply).parsed(parse_boolean_reply, "a <boolean> document")


@pytest.mark.requirement("ASSET-DELETE-UNKNOWN")
@pytest.mark.parametrize("asset_id", [pytest.param(None, id="unknown-uuid"),
                                      pytest.param("not-a-uuid", id="not-a-uuid")])
def test_delete_of_an_unknown_asset_is_false_not_404(assets: AssetClient,
                                                     asset_id: str | None) -> None:
    """DELETE of an asset that does not exist answers 200 <boolean>false</boolean>."""
    reply = assets.delete(asset_id or str(uuid.uuid4()))
    expect(reply).status(200)
    deleted = expect(reply).parsed(parse_boolean_reply, "a <boolean> document")
    check(deleted is False, "DELETE of an asset that does not exist answered true")


@pytest.mark.requirement("ASSET-DELETE-EFFECT")
@pytest.mark.parametrize("flags", ["Normal", "Maptile"])
def test_delete_reply_tells_whether_the_asset_is_gone(
        assets: AssetClient, flags: str, observe: Callable[[str], None]) -> None:
    """After DELETE answers true the asset is gone (GET is 404); after false it is still
    there. A target with remote delete switched off is reported as not tested."""
    asset_id = stored(assets, b"delete me", flags=flags)
    reply = assets.delete(asset_id)
    expect(reply).status(200)
    deleted = expect(reply).parsed(parse_boolean_reply, "a <boolean> document")
    observe(f"DELETE of a {flags} asset answered {str(deleted).lower()}")
    after = assets.get(asset_id)
    if deleted:
        expect(after).status(404)
        return
    expect(after).status(200)
    if flags == "Maptile":
        pytest.skip("remote delete is switched off on the target (AllowRemoteDelete=false):"
                    " DELETE of a Maptile asset answered false and the asset stays")
