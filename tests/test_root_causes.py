"""Root causes instead of walls of "blocked": a setup step that is a requirement's
behaviour fails that requirement (with the step's exchanges) and blocks the tests that
need it by name; the AIS3 folders fall back to the minimal create body so the rest is
still judged; and a profile drafted from a run (--write-profile) makes the next run
against the same server pass."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import load_catalogue, load_observations
from conformance.reference.ais import AisService, Call
from conformance.reference.app import ReferenceConfig
from conformance.report.profile import REVIEW, draft_expectations, profile_text
from conformance.target import load_profile
from tests.conftest import SuiteRunner
from tests.faults.ais import PostCreatesNothingFromTheViewersShape

SUITES = Path(__file__).resolve().parents[1] / "conformance" / "suites"


class PostCreatesNoCategory(AisService):
    """POST answers 201 and creates no category, whatever the entry."""

    def read_body(self, call: Call) -> Any:
        body = super().read_body(call)
        if call.method == "POST" and isinstance(body, dict) and "categories" in body:
            body = {**body, "categories": []}
        return body


def step_tests(results: dict[str, Any], rid: str) -> list[dict[str, Any]]:
    return [test for test in results["requirements"][rid]["tests"] if test.get("step")]


def test_the_viewers_shape_failing_fails_post_and_the_rest_is_judged(
        run_suite: SuiteRunner) -> None:
    config = ReferenceConfig(ais_service=PostCreatesNothingFromTheViewersShape)
    results = run_suite(config, "ais", ["AIS-ITEM-GET", "AIS-CATEGORY-PATCH"])
    outcomes = {rid: entry["outcome"] for rid, entry in results["requirements"].items()}
    # Not selected, and still the run's root cause: the step that made the folders failed.
    assert outcomes == {"AIS-CATEGORY-POST": "failed", "AIS-ITEM-GET": "passed",
                        "AIS-CATEGORY-PATCH": "passed"}, outcomes
    [failed] = step_tests(results, "AIS-CATEGORY-POST")
    assert "in the viewer's shape" in failed["cause"]
    assert "_created_categories lists []" in failed["cause"]
    assert failed["transcript"] and failed["transcript"][-1]["method"] == "POST"
    observed = [text for entry in results["requirements"].values() for test in entry["tests"]
                for text in test["observations"]]
    assert any(text.startswith("OBS-AIS-CREATE-BODY: ") for text in observed), observed
    assert results["exit_code"] == 1


def test_a_failed_step_fails_its_requirement_and_blocks_by_name(
        run_suite: SuiteRunner) -> None:
    results = run_suite(ReferenceConfig(ais_service=PostCreatesNoCategory), "ais",
                        ["AIS-ITEM-GET"])
    requirements = results["requirements"]
    assert requirements["AIS-CATEGORY-POST"]["outcome"] == "failed"
    # the viewer's shape and the minimal body: two ways, each the requirement's failure
    assert len(step_tests(results, "AIS-CATEGORY-POST")) == 2
    assert requirements["AIS-ITEM-GET"]["outcome"] == "blocked"
    causes = {test["cause"] for test in requirements["AIS-ITEM-GET"]["tests"]}
    assert all(cause.startswith("blocked by AIS-CATEGORY-POST: ") for cause in causes), causes
    assert any("BLOCKED" in line and "blocked by AIS-CATEGORY-POST" in line
               for line in results["output"])


@pytest.mark.parametrize("fault", [PostCreatesNoCategory, PostCreatesNothingFromTheViewersShape])
def test_a_drafted_profile_makes_the_next_run_pass(run_suite: SuiteRunner, tmp_path: Path,
                                                   fault: type[AisService]) -> None:
    config = ReferenceConfig(ais_service=fault)
    drafted = tmp_path / "drafted.toml"
    first = run_suite(config, "ais", ["AIS-ITEM-GET", "AIS-CATEGORY-GET"],
                      "--write-profile", str(drafted))
    assert first["exit_code"] == 1
    profile = load_profile(drafted)
    assert profile.expectations["AIS-CATEGORY-POST"].outcome == "fail"
    assert profile.expectations["AIS-CATEGORY-POST"].reason.startswith(REVIEW)
    blocked = fault is PostCreatesNoCategory  # else the minimal body made the folders
    assert ("AIS-ITEM-GET" in profile.expectations) == blocked
    if blocked:
        assert profile.expectations["AIS-ITEM-GET"].outcome == "skip"
    assert "AIS-CATEGORY-GET" not in profile.expectations
    second = run_suite(config, "ais", ["AIS-ITEM-GET", "AIS-CATEGORY-GET"],
                       "--target-profile", str(drafted))
    assert second["exit_code"] == 0, "\n".join(second["output"][-30:])
    assert second["requirements"]["AIS-CATEGORY-GET"]["outcome"] == "passed"
    if not blocked:  # the step failed again, as the profile expects
        assert second["requirements"]["AIS-CATEGORY-POST"]["outcome"] == "xfailed"
        assert second["requirements"]["AIS-ITEM-GET"]["outcome"] == "passed"


def test_a_drafted_profile_keeps_confirmed_expectations_and_drops_passes() -> None:
    def entry(outcome: str, cause: str = "") -> dict[str, Any]:
        return {"outcome": outcome, "tests": [{"outcome": outcome, "cause": cause}]}

    data = {
        "started": "2026-01-01T00:00:00Z",
        "command": ["opensim-conformance", "--target", "http://127.0.0.1:8003"],
        "expectations": {"B": {"outcome": "fail", "reason": "known: \"quoted\""},
                         "C": {"outcome": "fail", "reason": "fixed since"},
                         "S": {"outcome": "skip", "reason": "not offered"}},
        "requirements": {
            "A": entry("failed", 'expected 404, got 200 for 1b4e28ba-2fa1-11d2-883f-0016d3cca427'
                                 '\nsecond line'),
            "B": entry("xfailed", "whatever"),
            "C": entry("xpassed"),
            "D": entry("blocked", "blocked by A: could not create the folder"),
            "E": entry("passed"),
            "F": entry("suite-error", "TypeError"),
        },
    }
    assert draft_expectations(data) == {
        "A": ("fail", f"{REVIEW}expected 404, got 200 for <id>"),
        "B": ("fail", 'known: "quoted"'),
        "D": ("skip", f"{REVIEW}not judged: blocked by A: could not create the folder"),
        "S": ("skip", "not offered"),
    }
    text = profile_text(data)
    read = tomllib.loads(text)["expectations"]
    assert read["B"] == {"outcome": "fail", "reason": 'known: "quoted"'}
    assert "# Not listed: suite errors (bugs of the suite, not of the server): F" in text


def test_steps_name_known_requirements_and_observations() -> None:
    """Every requirement a step names, and every observation a step notes, is in the
    catalogue (a typo would file a failure nowhere)."""
    catalogue, observations = load_catalogue(), load_observations()
    named: list[str] = []
    for path in SUITES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg in ("requirement", "about") and isinstance(
                        keyword.value, ast.Constant):
                    named.append(str(keyword.value.value))
            if getattr(node.func, "id", None) == "attempt" and isinstance(
                    node.args[1], ast.Constant):
                named.append(str(node.args[1].value))
    assert named
    unknown = [name for name in named if name not in catalogue and name not in observations]
    assert not unknown


def test_caps_data_goes_through_ais3_without_xinventory(run_suite: SuiteRunner) -> None:
    """With no XInventory of the grid (this URL serves none), the capability tests write
    their data through the avatar's AIS3, say so, and judge the capabilities as before."""
    wanted = ["CAPS-CATEGORY-VALUES", "CAPS-ITEM-VALUES", "CAPS-LINK-FOLDER", "CAPS-LINK-ITEM",
              "CAPS-FID-VERSION", "CAPS-FID-VERSION-CHANGES", "CAPS-FID-DESCENDENTS"]
    results = run_suite(None, "caps", wanted, "--no-preflight",
                        "--xinventory-url", "http://127.0.0.1:9/nothing")
    outcomes = {rid: entry["outcome"] for rid, entry in results["requirements"].items()}
    assert outcomes == dict.fromkeys(wanted, "passed"), outcomes
    observed = {text.split(":", 1)[0] for entry in results["requirements"].values()
                for test in entry["tests"] for text in test["observations"]}
    assert "OBS-CAPS-TEST-DATA" in observed
    assert results["exit_code"] == 0


def test_a_step_that_names_its_requirement_claims_the_steps_inside_it() -> None:
    """A step naming no requirement inside one that names it: the failure is the named
    requirement's, and the test is blocked by it."""
    from conformance.clients.http import Recorder
    from conformance.expect import Blocked, begin_test, fail, failed_steps, step

    begin_test(Recorder())
    with (pytest.raises(Blocked) as blocked,
          step("outer", requirement="XINV-ADDITEM-ROUNDTRIP"),
          step("inner")):
        fail("ADDITEM answered False")
    assert str(blocked.value) == ("blocked by XINV-ADDITEM-ROUNDTRIP: outer: "
                                  "ADDITEM answered False")
    [failed] = failed_steps()
    assert (failed.requirement, failed.step, failed.cause) == (
        "XINV-ADDITEM-ROUNDTRIP", "outer", "ADDITEM answered False")
