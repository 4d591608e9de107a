"""Each release profile lists exactly its release's departures: the suite, run with the
profile against the release double (a variation of the reference server that behaves as
that release does, tests/doubles/), confirms every expectation of the profile and finds
nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.catalogue import load_catalogue
from conformance.target import load_profile
from tests.conftest import SuiteRunner
from tests.doubles import ReleaseDouble, release_doubles

SERVICES = ("asset", "xinventory")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("double", release_doubles(), ids=lambda double: double.name)
def test_a_release_double_fails_exactly_its_profiles_expectations(
        double: ReleaseDouble, service: str, run_suite: SuiteRunner) -> None:
    catalogue = load_catalogue()
    expected = {rid for rid, expectation in load_profile(double.profile).expectations.items()
                if catalogue[rid].service == service and expectation.outcome == "fail"}
    results = run_suite(double.config(), service, (), "--target-profile", str(double.profile))
    assert_exactly_expected(results, expected)


def assert_exactly_expected(results: dict[str, Any], expected: set[str]) -> None:
    """The run confirmed exactly the ``expected`` failures, passed everything else and
    exited 0."""
    outcomes = {rid: entry["outcome"] for rid, entry in results["requirements"].items()}
    confirmed = {rid for rid, outcome in outcomes.items() if outcome == "xfailed"}
    others = {rid: outcome for rid, outcome in outcomes.items()
              if outcome not in ("passed", "xfailed")}
    assert confirmed == expected, (f"expected failures not confirmed: {expected - confirmed}; "
                                   f"confirmed without expectation: {confirmed - expected}")
    assert not others, f"outcomes the profile does not expect: {others}"
    assert results["exit_code"] == 0
