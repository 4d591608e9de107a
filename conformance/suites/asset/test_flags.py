"""The Flags element (seeds/opensim-asset-service.txt, "Flags"). Where the wiki and
OpenSimulator part, on the separator between several flags, each has its requirement
and each reads the answer its own way: ASSET-FLAGS-COMMA as the wiki writes flags
(comma-separated), ASSET-FLAGS-SPACE-SEPARATED as OpenSimulator reads them
(whitespace-separated). A single flag has no separator and is read either way."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import check, expect
from conformance.suites.asset.steps import fetch, store
from conformance.wire.asset import (
    AssetDocument,
    flags_by_comma,
    flags_by_whitespace,
    parse_asset,
    parse_flags,
)
from conformance.wire.xml import WireError

pytestmark = pytest.mark.writes


def post_and_read(assets: AssetClient, sent: str | None) -> tuple[str, AssetDocument]:
    """POST an asset with Flags ``sent`` (left out for None) and read it back."""
    asset_id = store(assets, b"flags", flags=sent)
    return asset_id, fetch(assets, asset_id)


def flags_text(document: AssetDocument) -> str:
    return str(document.fields.get("Flags", ""))


def check_flags(sent: str | None, returned: frozenset[str], expected: set[str],
                written: str) -> None:
    check(returned == expected,
          f"Flags {sent!r} read back as {written!r}: {sorted(returned) or ['Normal']}, "
          f"expected {sorted(expected) or ['Normal']}")


@pytest.mark.requirement("ASSET-FLAGS-SINGLE")
@pytest.mark.parametrize("flag", ["Normal", "Maptile", "Rewritable", "Collectable"])
def test_each_documented_flag_round_trips(assets: AssetClient, flag: str,
                                          observe: Callable[[str], None]) -> None:
    """Each of the four documented flags, posted alone, reads back as sent. For
    Rewritable ("Content can be rewritten", without saying how) what a second POST
    with other data does is recorded, not judged."""
    asset_id, document = post_and_read(assets, flag)
    check_flags(flag, parse_flags(flags_text(document)), set(parse_flags(flag)),
                flags_text(document))
    if flag == "Rewritable":
        observe_rewrite(assets, asset_id, observe)


def observe_rewrite(assets: AssetClient, asset_id: str,
                    observe: Callable[[str], None]) -> None:
    _, reply = assets.store(asset_id, data=b"rewritten", flags="Rewritable")
    after = assets.get(asset_id)
    kept = "unreadable"
    if after.status == 200:
        with contextlib.suppress(WireError):
            kept = "rewritten" if parse_asset(after.body).data == b"rewritten" else "original"
    observe(f"a re-POST of a Rewritable asset answered {reply.status}; its data is "
            f"then {kept}")


@pytest.mark.requirement("ASSET-FLAGS-DEFAULT")
def test_omitted_flags_mean_normal(assets: AssetClient) -> None:
    _, document = post_and_read(assets, None)
    check_flags(None, parse_flags(flags_text(document)), set(), flags_text(document))


@pytest.mark.requirement("ASSET-FLAGS-COMMA")
@pytest.mark.parametrize(("sent", "expected"), [
    ("Maptile,Collectable", {"Maptile", "Collectable"}),
    ("Maptile,Rewritable,Collectable", {"Maptile", "Rewritable", "Collectable"}),
    (" Maptile , Collectable ", {"Maptile", "Collectable"}),
])
def test_comma_separated_flags_are_stored_and_written_with_commas(
        assets: AssetClient, sent: str, expected: set[str]) -> None:
    """Several flags separated by commas, each with optional surrounding whitespace
    (the wiki's form), are all stored, and GET writes them the wiki's way: read as
    comma-separated names, the answer holds every flag sent."""
    _, document = post_and_read(assets, sent)
    check_flags(sent, flags_by_comma(flags_text(document)), expected, flags_text(document))


@pytest.mark.requirement("ASSET-FLAGS-WHITESPACE")
@pytest.mark.parametrize("sent", ["  Maptile  ", "\tMaptile\n", " Collectable"])
def test_whitespace_around_a_flag_is_ignored(assets: AssetClient, sent: str) -> None:
    """Leading and trailing whitespace around a flag name is ignored."""
    _, document = post_and_read(assets, sent)
    check_flags(sent, parse_flags(flags_text(document)), set(parse_flags(sent)),
                flags_text(document))


@pytest.mark.requirement("ASSET-FLAGS-SPACE-SEPARATED")
@pytest.mark.parametrize(("sent", "expected"), [
    ("Maptile Collectable", {"Maptile", "Collectable"}),
    ("Maptile  Rewritable\nCollectable", {"Maptile", "Rewritable", "Collectable"}),
])
def test_whitespace_separated_flags_are_stored_and_written_with_whitespace(
        assets: AssetClient, sent: str, expected: set[str]) -> None:
    """Several flags separated by whitespace (what OpenSimulator writes and reads) are
    all stored, and GET writes them so OpenSimulator can read them back: read as
    whitespace-separated names, the answer holds every flag sent."""
    _, document = post_and_read(assets, sent)
    check_flags(sent, flags_by_whitespace(flags_text(document)), expected,
                flags_text(document))


@pytest.mark.requirement("ASSET-FLAGS-EMPTY")
@pytest.mark.parametrize("sent", ["", "   "])
def test_empty_flags_mean_normal(assets: AssetClient, sent: str) -> None:
    """An empty Flags element means Normal."""
    _, document = post_and_read(assets, sent)
    check_flags(sent, parse_flags(flags_text(document)), set(), flags_text(document))


@pytest.mark.requirement("ASSET-FLAGS-UNKNOWN")
@pytest.mark.parametrize("sent", ["Bogus", "Maptile Bogus", "3"])
def test_unknown_flag_names_are_400(assets: AssetClient, sent: str) -> None:
    """A flag name that is not one of the four documented ones answers 400 and stores
    nothing."""
    asset_id, reply = assets.store(data=b"flags", flags=sent)
    expect(reply).status(400)
    expect(assets.get(asset_id)).status(404)
