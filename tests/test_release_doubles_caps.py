"""The release doubles' viewer inventory capabilities (tests/doubles/caps.py): the suite's
caps tests, run with each double's profile, confirm every caps expectation of the profile
and find nothing else; the capabilities page read literally (wiki-literal) passes every
documented caps requirement."""

from __future__ import annotations

import pytest

from conformance.catalogue import load_catalogue
from conformance.target import load_profile
from tests.conftest import SuiteRunner
from tests.doubles import ReleaseDouble, release_doubles
from tests.test_release_doubles import assert_exactly_expected

#: The slowest test (a folder of a thousand items) proves nothing about a double.
THOUSAND = ("conformance/suites/caps/test_descendents.py::"
            "test_a_folder_of_a_thousand_items_is_answered_in_full")


@pytest.mark.parametrize("double", [d for d in release_doubles() if "caps_service" in d.services],
                         ids=lambda double: double.name)
def test_a_release_double_fails_exactly_its_caps_expectations(
        double: ReleaseDouble, run_suite: SuiteRunner) -> None:
    catalogue = load_catalogue()
    expected = {rid for rid, expectation in load_profile(double.profile).expectations.items()
                if catalogue[rid].service == "caps" and expectation.outcome == "fail"}
    if double.name == "wiki-literal":
        assert all(catalogue[rid].level == "interop" for rid in expected), (
            "the page read literally must pass every documented requirement")
    results = run_suite(double.config(), "caps", (), "--target-profile", str(double.profile),
                        "--deselect", THOUSAND)
    assert_exactly_expected(results, expected)
