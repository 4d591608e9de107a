"""Steps the asset tests share: store an asset the suite owns, read one back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from conformance.clients.asset import AssetClient
from conformance.expect import check, expect, step
from conformance.ledger import owned_name
from conformance.wire.asset import AssetDocument, parse_asset, parse_string_reply
from conformance.wire.ids import same_uuid

#: The step every test that needs an asset first (a GET, DELETE or exist test) runs in:
#: a target that refuses it blocks the test instead of failing its requirement.
STORE_STEP = "could not store the asset this test needs"


@dataclass(frozen=True)
class Sample:
    """An asset the suite stored, and what it sent."""

    id: str
    data: bytes
    name: str
    description: str
    type: int
    creator_id: str


def store(assets: AssetClient, data: bytes = b"conformance", **fields: Any) -> str:
    """POST an asset; it must be accepted with 200 and its own ID. For a test whose
    subject is the POST itself; a test that only needs the asset uses ``stored``."""
    asset_id, reply = assets.store(data=data, **fields)
    expect(reply).status(200)
    returned = expect(reply).parsed(parse_string_reply, "a <string> document")
    check(same_uuid(returned, asset_id),
          f"POST /assets answered <string>{returned}</string>, expected the posted {asset_id}")
    return asset_id


def stored(assets: AssetClient, data: bytes = b"conformance", **fields: Any) -> str:
    """Store an asset a test needs first, as a step: a refusal blocks the test."""
    with step(STORE_STEP):
        return store(assets, data, **fields)


def fetch(assets: AssetClient, asset_id: str) -> AssetDocument:
    """GET an asset; it must be there as an <AssetBase> document."""
    reply = assets.get(asset_id)
    expect(reply).status(200)
    return expect(reply).parsed(parse_asset, "an <AssetBase> document")


def store_sample(assets: AssetClient, asset_type: int = 7) -> Sample:
    """Store, as a step, a notecard with every byte value in its data."""
    data = bytes(range(256)) + uuid.uuid4().bytes
    sample = Sample(
        id="", data=data, name=owned_name("sample <&>"), description="conformance sample",
        type=asset_type, creator_id=assets.principal,
    )
    asset_id = stored(assets, data, name=sample.name, description=sample.description,
                      asset_type=sample.type, creator_id=sample.creator_id)
    return Sample(asset_id, data, sample.name, sample.description, sample.type,
                  sample.creator_id)
