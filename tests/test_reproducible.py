"""Reproducible verdicts: against a target of the user's, generated examples derive from a
fixed seed, so two runs against an unchanged server send the same examples and give the
same verdicts; a failing generated example is in the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.reference.app import ReferenceConfig
from tests.conftest import SuiteRunner
from tests.doubles.xinventory import RELEASE_0_9_2
from tests.faults.xinventory import PlusIsNotASpace

GENERATED = ("XINV-FORM-ENCODING", "XINV-TEXT-ROUNDTRIP", "XINV-GETMULTIPLEITEMS",
             "XINV-GETFOLDERCONTENT-UNKNOWN")
UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
CREATED = re.compile(r"CreationDate=\d+")


def generated_requests(results: dict[str, Any]) -> list[str]:
    """The request bodies the generated test sent, run-specific IDs masked."""
    tests = results["requirements"]["XINV-FORM-ENCODING"]["tests"]
    return [CREATED.sub("CreationDate=<time>", UUID.sub("<id>", exchange["request_body"]))
            for test in tests
            if "test_form_special_text_round_trips" in test["nodeid"]
            for exchange in test["transcript"]]


def test_two_runs_against_an_unchanged_target_agree(run_suite: SuiteRunner,
                                                   tmp_path: Path) -> None:
    profile = Path(__file__).parents[1] / "profiles" / "opensimulator-0.9.2.toml"
    # a budget no loaded machine reaches: both runs send every example
    unlimited = ("--budget", "1000")
    first = run_suite(ReferenceConfig(**RELEASE_0_9_2), "xinventory", GENERATED,
                      "--target-profile", str(profile), *unlimited)
    baseline = tmp_path / "first.json"
    baseline.write_text((tmp_path / "results.json").read_text("utf-8"), "utf-8")
    second = run_suite(ReferenceConfig(**RELEASE_0_9_2), "xinventory", GENERATED,
                       "--target-profile", str(profile), "--baseline", str(baseline),
                       *unlimited)
    assert first["hypothesis_seed"] == second["hypothesis_seed"] == 0
    verdicts = [{rid: entry["outcome"] for rid, entry in run["requirements"].items()}
                for run in (first, second)]
    assert verdicts[0] == verdicts[1]
    assert generated_requests(first) == generated_requests(second)
    assert len(generated_requests(first)) > 2, "the generated test sent its examples"
    assert any("no change" in line for line in second["output"]), second["output"][-12:]


def test_a_chosen_seed_is_used_and_reported(run_suite: SuiteRunner) -> None:
    results = run_suite(None, "xinventory", ["XINV-FORM-ENCODING"], "--hypothesis-seed", "7")
    assert results["hypothesis_seed"] == 7
    assert any("--hypothesis-seed 7" in line for line in results["output"])


def test_a_failing_generated_example_is_in_the_report(run_suite: SuiteRunner) -> None:
    results = run_suite(ReferenceConfig(xinventory_service=PlusIsNotASpace), "xinventory",
                        ["XINV-FORM-ENCODING"])
    [test] = [test for test in results["requirements"]["XINV-FORM-ENCODING"]["tests"]
              if "test_form_special_text_round_trips" in test["nodeid"]]
    assert test["outcome"] == "failed"
    assert re.search(r"(Falsifying|Failing) (explicit )?example", test["message"]), test["message"]
    assert "text='a+b=c&d %20e'" in test["message"]
    assert "Request:  POST" in test["message"], "the failing example's exchanges are shown"
