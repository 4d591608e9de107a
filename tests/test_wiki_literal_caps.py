"""The capabilities page read literally (the wiki-literal double's caps, tests/doubles/
caps.py) passes every documented caps requirement and fails exactly the interop ones its
profile (tests/doubles/wiki-literal.toml) lists."""

from __future__ import annotations

from conformance.catalogue import load_catalogue
from conformance.target import load_profile
from tests.conftest import SuiteRunner
from tests.doubles import release_doubles


def test_the_wiki_literal_caps_fail_exactly_their_expectations(run_suite: SuiteRunner) -> None:
    double = next(d for d in release_doubles() if d.name == "wiki-literal")
    catalogue = load_catalogue()
    expected = {rid for rid, expectation in load_profile(double.profile).expectations.items()
                if catalogue[rid].service == "caps" and expectation.outcome == "fail"}
    assert all(catalogue[rid].level == "interop" for rid in expected), (
        "the page read literally must pass every documented requirement")
    results = run_suite(double.config(), "caps", (), "--target-profile", str(double.profile),
                        "--deselect", "conformance/suites/caps/test_descendents.py::"
                                      "test_a_folder_of_a_thousand_items_is_answered_in_full")
    outcomes = {rid: entry["outcome"] for rid, entry in results["requirements"].items()}
    confirmed = {rid for rid, outcome in outcomes.items() if outcome == "xfailed"}
    others = {rid: outcome for rid, outcome in outcomes.items()
              if outcome not in ("passed", "xfailed")}
    assert confirmed == expected, (f"expected failures not confirmed: {expected - confirmed}; "
                                   f"confirmed without expectation: {confirmed - expected}")
    assert not others, f"outcomes the profile does not expect: {others}"
    assert results["exit_code"] == 0
