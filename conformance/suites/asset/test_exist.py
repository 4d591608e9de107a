"""POST /get_assets_exist (seeds/opensim-asset-service.txt, "POST /get_assets_exist")."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.clients.asset import AssetClient
from conformance.expect import equal, expect
from conformance.resources import fixture_path
from conformance.suites.asset.steps import stored
from conformance.wire.asset import parse_array_of_boolean

#: Which ids to ask about: each stored asset at most once (an id asked twice is
#: ASSET-EXIST-DUPLICATES), and any number of fresh unknown ids, in any order.
PICKS = st.tuples(st.booleans(), st.booleans(), st.integers(0, 5)).flatmap(
    lambda counts: st.permutations(["one"] * counts[0] + ["two"] * counts[1]
                                   + ["missing"] * counts[2])).filter(bool)


@pytest.fixture(scope="module")
def existing(assets: AssetClient) -> list[str]:
    """Two assets the suite stored."""
    return [stored(assets, b"exists one"), stored(assets, b"exists two")]


def assert_answers(assets: AssetClient, ids: list[str], expected: list[bool]) -> None:
    reply = assets.exist(ids)
    expect(reply).status(200)
    answers = expect(reply).parsed(parse_array_of_boolean, "an <ArrayOfBoolean> document")
    equal(answers, expected, f"the answer about {len(ids)} ids")


@pytest.mark.requirement("ASSET-EXIST-ORDER")
@pytest.mark.writes
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=PICKS)
@example(picks=["missing", "one", "missing", "two"])
def test_each_id_is_answered_in_request_order(assets: AssetClient, existing: list[str],
                                              picks: list[str]) -> None:
    """One boolean per requested id, in request order: true for an asset that exists,
    false for one that does not. No id is asked twice."""
    ids = [existing[0] if p == "one" else existing[1] if p == "two" else str(uuid.uuid4())
           for p in picks]
    assert_answers(assets, ids, [p != "missing" for p in picks])


@pytest.mark.requirement("ASSET-EXIST-DUPLICATES")
@pytest.mark.writes
def test_duplicate_ids_each_get_their_own_answer(assets: AssetClient,
                                                 existing: list[str]) -> None:
    """An id asked for twice is answered twice."""
    missing = str(uuid.uuid4())
    assert_answers(assets, [existing[0], existing[0], missing, missing],
                   [True, True, False, False])


@pytest.mark.requirement("ASSET-EXIST-SAMPLE")
@pytest.mark.writes
def test_the_pages_sample_request_is_answered(assets: AssetClient,
                                              existing: list[str]) -> None:
    """The page's sample body, with its XML declaration and the xsd and xsi namespace
    declarations, asking about a stored asset and an unknown one: 200 and [true, false]."""
    missing = str(uuid.uuid4())
    body = (fixture_path("asset", "exist-sample.xml").read_text("utf-8")
            .replace("{ID1}", existing[0]).replace("{ID2}", missing))
    reply = assets.exist_raw(body.encode("utf-8"))
    expect(reply).status(200)
    answers = expect(reply).parsed(parse_array_of_boolean, "an <ArrayOfBoolean> document")
    equal(answers, [True, False], "the answer to the page's sample request asking about a "
                                   "stored and an unknown asset")


@pytest.mark.requirement("ASSET-EXIST-EMPTY")
@pytest.mark.reads
def test_an_empty_list_is_answered_with_an_empty_list(assets: AssetClient) -> None:
    assert_answers(assets, [], [])


@pytest.mark.requirement("ASSET-EXIST-400")
@pytest.mark.reads
@pytest.mark.parametrize("case", sorted(fixture_path("asset", "exist-malformed").iterdir()),
                         ids=lambda path: path.stem)
def test_a_body_that_is_not_an_array_of_string_is_400(assets: AssetClient,
                                                     case: Path) -> None:
    body = case.read_bytes().replace(b"{ID}", str(uuid.uuid4()).encode())
    expect(assets.exist_raw(body)).status(400)
