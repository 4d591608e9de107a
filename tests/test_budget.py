"""Generated tests draw their examples within a time budget per test (``--budget``): at
the smallest budget, 0 (the explicit examples and one generated example), every fault of
a requirement a generated test checks is still caught, a correct server still passes,
and the results say how many examples each test checked and left unsent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.resources import schema_violations
from tests.conftest import SuiteRunner
from tests.faults import Fault, all_faults
from tests.test_reproducible import generated_requests

#: Requirements checked by a generated (Hypothesis) test.
GENERATED = {
    "ASSET-POST-DATA-ROUNDTRIP", "ASSET-POST-ELEMENT-ORDER", "ASSET-EXIST-ORDER",
    "XINV-TEXT-ROUNDTRIP", "XINV-FORM-ENCODING", "XINV-PERMISSIONS-RANGE",
    "XINV-TREE-CONSISTENT", "AIS-TREE-CONSISTENT",
}
FAULTS = [fault for fault in all_faults() if GENERATED & set(fault.breaks)]


def test_every_generated_requirement_has_faults() -> None:
    """The list above names requirements the fault catalogue breaks (a renamed one would
    leave this file testing nothing)."""
    broken = {rid for fault in FAULTS for rid in fault.breaks}
    assert broken >= GENERATED, sorted(GENERATED - broken)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_the_smallest_budget_still_catches_the_fault(fault: Fault,
                                                     run_suite: SuiteRunner) -> None:
    requirements = sorted(GENERATED & set(fault.breaks))
    results = run_suite(fault.config(), fault.service, requirements, "--budget", "0")
    outcomes = {rid: results["requirements"].get(rid, {}).get("outcome", "not run")
                for rid in requirements}
    assert all(outcome == "failed" for outcome in outcomes.values()), (
        f"{fault.name} ({fault.doc}) went unnoticed with --budget 0: {outcomes}")
    # Caught by what every run sends: a test without generated examples, or an explicit
    # example (a generated test that fails one runs no generated example), never by a
    # lucky draw.
    for rid in requirements:
        tests = results["requirements"][rid]["tests"]
        assert any(test["outcome"] == "failed"
                   and test.get("examples", {"checked": 0})["checked"] == 0
                   for test in tests), (
            f"{fault.name} was caught only by a generated example; add an @example that "
            f"catches it: {[(t['nodeid'], t['outcome'], t.get('examples')) for t in tests]}")


def test_the_smallest_budget_passes_a_correct_server_and_says_what_it_left_unsent(
        run_suite: SuiteRunner) -> None:
    results = run_suite(None, "asset", ["ASSET-POST-DATA-ROUNDTRIP", "ASSET-EXIST-ORDER"],
                        "--budget", "0")
    assert results["exit_code"] == 0
    assert {entry["outcome"] for entry in results["requirements"].values()} == {"passed"}
    assert results["budget"] == 0
    assert schema_violations("results", results) == []
    generated = {test["nodeid"].split("::")[-1]: test["examples"]
                 for entry in results["requirements"].values() for test in entry["tests"]
                 if "examples" in test}
    assert set(generated) == {"test_any_data_round_trips",
                              "test_each_id_is_answered_in_request_order"}
    for examples in generated.values():
        assert examples["checked"] == 1 and examples["unsent"] > 0, examples
    tests = [test for entry in results["requirements"].values() for test in entry["tests"]]
    assert all("examples" not in test for test in tests
               if "test_data_round_trips_byte_for_byte" in test["nodeid"]), \
        "a test that generates nothing has no examples to count"
    [line] = [line for line in results["output"] if "generated examples:" in line]
    assert "--budget 0 s per test (2 tests reached it: 2 of " in line, line


def test_a_smaller_budget_sends_the_first_of_the_same_examples(run_suite: SuiteRunner) -> None:
    """Examples drawn after the budget are drawn all the same: with one seed, a run cut
    short sends the first of the examples a run with time to spare sends."""
    sent = [generated_requests(run_suite(None, "xinventory", ["XINV-FORM-ENCODING"],
                                         "--hypothesis-seed", "3", "--budget", budget))
            for budget in ("1000", "0")]
    assert len(sent[1]) < len(sent[0])
    assert sent[1] == sent[0][:len(sent[1])]


GENERATED_TESTS = """
import time

from hypothesis import given, settings, strategies as st

SENT = []


@settings(max_examples=100, deadline=None, database=None)
@given(x=st.integers())
def test_slow(x):
    SENT.append(x)
    time.sleep(0.02)


@settings(max_examples=100, deadline=None, database=None)
@given(xs=st.lists(st.integers(), min_size=3))
def test_failing(xs):
    time.sleep(0.02)
    assert False, f"fails for {xs}"


def test_after():
    assert 1 <= len(SENT) < 20, len(SENT)
"""


def test_past_the_budget_examples_pass_at_once_and_a_failure_is_still_reported(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A test slower than its budget ends early with at least one example checked; one
    that fails reports its failing example (shrinking stops at the budget)."""
    pytester.makepyfile(test_generated=GENERATED_TESTS)
    outcome = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--budget", "0.1",
                                           "--ledger", str(tmp_path / "ledger.jsonl"))
    outcome.assert_outcomes(passed=2, failed=1)
    said = "\n".join(outcome.outlines)
    assert re.search(r"(Falsifying|Failing) (example|test case)", said), said
    assert "fails for [" in said
    assert "Explanation:" not in said, "an explanation from shrinking cut short"
    assert outcome.duration < 6, "examples past the budget were sent"


def test_a_budget_that_is_not_a_number_of_seconds_is_a_usage_error(
        pytester: pytest.Pytester) -> None:
    for value in ("soon", "-1", "nan"):
        outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--budget", value)
        assert outcome.ret == pytest.ExitCode.USAGE_ERROR
        said = [line for line in outcome.errlines if line.strip()]
        assert said == [f"ERROR: --budget must be a number of seconds >= 0, not {value!r}"], \
            said
