"""The global status codes and the simulate parameter's validation
(seeds/sl-inventory-api-v3-ais.txt, "Global Response Status Codes", "Parameters")."""

from __future__ import annotations

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check
from conformance.ledger import owned_name
from conformance.suites.ais.steps import contents, error
from conformance.wire import ais as wire

pytestmark = pytest.mark.ais


@pytest.mark.requirement("AIS-MEDIA-415")
@pytest.mark.writes
def test_a_body_of_an_unsupported_media_type_is_415(ais: AisClient, folder: str) -> None:
    """A POST whose Content-Type is neither LLSD nor JSON answers 415 (errorGeneral) and
    creates nothing."""
    before = contents(ais, folder)
    body = wire.encode(wire.request_value({"categories": [wire.category_body(
        owned_name("x"), folder)]}))
    error(ais.create(folder, None, raw=body, tid=ais.new_id(),
                     headers={"Content-Type": "application/x-opensim-conformance-unknown"}),
          415)
    check(contents(ais, folder) == before, "the refused POST created something")


@pytest.mark.requirement("AIS-SIMULATE-PATTERN")
@pytest.mark.writes
@pytest.mark.parametrize("value", ["yes", "2", "TRUE!"])
def test_simulate_not_matching_the_pattern_is_400(ais: AisClient, folder: str,
                                                  value: str) -> None:
    """A simulate value that does not match ^(0|1|true|false)?$ answers 400 and the write
    is not made."""
    before = contents(ais, folder)
    error(ais.create(folder, {"categories": [wire.category_body(owned_name("x"), folder)]},
                     tid=ais.new_id(), simulate=value), 400)
    check(contents(ais, folder) == before, "the refused POST created something")
