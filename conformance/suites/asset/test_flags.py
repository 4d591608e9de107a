"""The Flags element (seeds/opensim-asset-service.txt, "Flags"). Flags are compared as
sets of names, whatever separator the target writes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import check, expect
from conformance.suites.asset.steps import fetch, store
from conformance.wire.asset import parse_flags

pytestmark = [pytest.mark.asset, pytest.mark.writes]


def assert_flags_round_trip(assets: AssetClient, sent: str | None, expected: set[str],
                            observe: Callable[[str], None] | None = None) -> None:
    asset_id = store(assets, b"flags", flags=sent)
    document = fetch(assets, asset_id)
    returned = document.flags
    if observe and len(returned) > 1:
        written = str(document.fields.get("Flags", ""))
        separator = "comma" if "," in written else "whitespace"
        observe(f"the target writes several Flags {separator}-separated")
    check(returned == expected,
          f"Flags {sent!r} read back as {sorted(returned) or ['Normal']}, "
          f"expected {sorted(expected) or ['Normal']}")


@pytest.mark.requirement("ASSET-FLAGS-SINGLE")
@pytest.mark.parametrize("flag", ["Normal", "Maptile", "Rewritable", "Collectable"])
def test_each_documented_flag_round_trips(assets: AssetClient, flag: str) -> None:
    """Each of the four documented flags reads back as sent."""
    assert_flags_round_trip(assets, flag, set(parse_flags(flag)))


@pytest.mark.requirement("ASSET-FLAGS-DEFAULT")
def test_omitted_flags_mean_normal(assets: AssetClient) -> None:
    """An asset posted without Flags reads back as Normal."""
    assert_flags_round_trip(assets, None, set())


@pytest.mark.requirement("ASSET-FLAGS-COMMA")
@pytest.mark.parametrize(("sent", "expected"), [
    ("Maptile,Collectable", {"Maptile", "Collectable"}),
    ("Maptile,Rewritable,Collectable", {"Maptile", "Rewritable", "Collectable"}),
    (" Maptile , Collectable ", {"Maptile", "Collectable"}),
])
def test_comma_separated_flags_are_accepted(assets: AssetClient, sent: str,
                                            expected: set[str],
        observe: Callable[[str], None]) -> None:
    """Several flags separated by commas (the wiki's form), each with optional
    surrounding whitespace, are all stored."""
    assert_flags_round_trip(assets, sent, expected, observe)


@pytest.mark.requirement("ASSET-FLAGS-WHITESPACE")
@pytest.mark.parametrize("sent", ["  Maptile  ", "\tMaptile\n", " Collectable"])
def test_whitespace_around_a_flag_is_ignored(assets: AssetClient, sent: str) -> None:
    """Leading and trailing whitespace around a flag name is ignored."""
    assert_flags_round_trip(assets, sent, set(parse_flags(sent)))


@pytest.mark.requirement("ASSET-FLAGS-SPACE-SEPARATED")
@pytest.mark.parametrize(("sent", "expected"), [
    ("Maptile Collectable", {"Maptile", "Collectable"}),
    ("Maptile  Rewritable\nCollectable", {"Maptile", "Rewritable", "Collectable"}),
])
def test_whitespace_separated_flags_are_accepted(assets: AssetClient, sent: str,
                                                 expected: set[str],
        observe: Callable[[str], None]) -> None:
    """Several flags separated by whitespace (what OpenSimulator reads and writes) are
    all stored."""
    assert_flags_round_trip(assets, sent, expected, observe)


@pytest.mark.requirement("ASSET-FLAGS-EMPTY")
@pytest.mark.parametrize("sent", ["", "   "])
def test_empty_flags_mean_normal(assets: AssetClient, sent: str) -> None:
    """An empty Flags element means Normal."""
    assert_flags_round_trip(assets, sent, set())


@pytest.mark.requirement("ASSET-FLAGS-UNKNOWN")
@pytest.mark.parametrize("sent", ["Bogus", "Maptile Bogus", "3"])
def test_unknown_flag_names_are_400(assets: AssetClient, sent: str) -> None:
    """A flag name that is not one of the four documented ones answers 400 and stores
    nothing."""
    asset_id, reply = assets.store(data=b"flags", flags=sent)
    expect(reply).status(400)
    expect(assets.get(asset_id)).status(404)
