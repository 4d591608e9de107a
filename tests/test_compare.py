"""Comparing two runs (a grid operator's upgrade check): by requirement, by the cause of
a failure, and by what the suite observed; ``opensim-conformance compare`` and a run's
``--baseline`` share the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from conformance.cli import main
from conformance.reference.app import ReferenceConfig
from conformance.report.compare import compare_runs, failing_kinds, summary_lines
from conformance.resources import schema_violations
from tests.conftest import SuiteRunner
from tests.faults.asset import MissingAssetIs200

GET_404 = "ASSET-GET-404"
POST_ID = "ASSET-POST-RETURNS-ID"
SLICE = (GET_404, POST_ID)


def a_test(outcome: str, cause: str = "", observations: tuple[str, ...] = (),
         name: str = "test_x") -> dict[str, Any]:
    return {"nodeid": f"suites/x/test_x.py::{name}", "outcome": outcome, "cause": cause,
            "observations": list(observations)}


def entry(outcome: str, *tests: dict[str, Any]) -> dict[str, Any]:
    return {"outcome": outcome, "service": "xinventory", "tests": list(tests) or [a_test(outcome)]}


def run(catalogue: list[str] | None = None, **requirements: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"requirements": {rid.replace("_", "-"): e
                                             for rid, e in requirements.items()}}
    if catalogue is not None:
        data["catalogue"] = catalogue
    return data


def kinds(comparison: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["kind"], c["requirement"]) for c in comparison["changes"]]


# ---------------------------------------------------------------- unit


def test_verdict_changes_are_regressions_fixes_and_expectation_changes() -> None:
    """What the target did counts, whatever its profile expected: failing a requirement
    it passed is a regression, passing one it failed a fix (an unexpected pass too), and
    failing it expectedly where it failed unexpectedly only an expectation change."""
    before = run(A=entry("passed"), B=entry("failed", a_test("failed", "saw 1")),
                 C=entry("failed", a_test("failed", "saw 1")), D=entry("xfailed"),
                 E=entry("passed"))
    after = run(A=entry("failed", a_test("failed", "saw 2")), B=entry("passed"),
                C=entry("xfailed", a_test("xfailed", "saw 1")), D=entry("xpassed"),
                E=entry("blocked"))
    assert kinds(compare_runs(before, after)) == [
        ("regression", "A"), ("fix", "B"), ("now-expected", "C"), ("fix", "D"),
        ("changed-verdict", "E")]


def test_still_failing_differently_is_a_changed_cause_with_run_specifics_masked() -> None:
    before = run(A=entry("failed", a_test("failed", "FID is 6f1b2c3d-0000-4000-8000-000000000001"
                                                   ", expected the requested one")))
    same = run(A=entry("failed", a_test("failed", "FID is 9a9a9a9a-0000-4000-8000-000000000002"
                                                 ", expected the requested one")))
    other = run(A=entry("failed", a_test("failed", "VERSION is 3, expected 0")))
    assert compare_runs(before, same)["changes"] == []
    [change] = compare_runs(before, other)["changes"]
    assert change["kind"] == "changed-cause"
    assert change["causes_after"] == ["test_x: VERSION is 3, expected 0"]


def test_observations_are_compared_by_their_id_and_free_text_as_a_whole() -> None:
    before = run(A=entry("passed", a_test("passed", observations=(
        "OBS-XINV-SYSTEM-FOLDERS: 0 Textures, 56 Settings", "note one"))))
    after = run(A=entry("passed", a_test("passed", observations=(
        "OBS-XINV-SYSTEM-FOLDERS: 0 Textures", "note one"))))
    [change] = compare_runs(before, after)["changes"]
    assert (change["kind"], change["observation"]) == ("changed-observation",
                                                       "OBS-XINV-SYSTEM-FOLDERS")
    assert (change["seen_before"], change["seen_after"]) == (["0 Textures, 56 Settings"],
                                                             ["0 Textures"])
    renamed = run(A=entry("passed", a_test("passed", observations=(
        "OBS-XINV-SYSTEM-FOLDERS: 0 Textures, 56 Settings", "note two"))))
    [change] = compare_runs(before, renamed)["changes"]
    assert change["observation"] == "(observations)"


def test_new_and_vanished_only_among_requirements_the_suites_had() -> None:
    before = run(["A", "B", "C"], A=entry("passed"), B=entry("passed"), C=entry("passed"))
    narrowed = run(["A", "B", "C", "D"], A=entry("passed"), D=entry("passed"))
    assert kinds(compare_runs(before, narrowed)) == [("new", "D")]
    shrunk = run(["A"], A=entry("passed"))
    assert kinds(compare_runs(before, shrunk)) == [("vanished", "B"), ("vanished", "C")]


def test_only_regressions_fail_a_comparison_unless_asked() -> None:
    comparison = compare_runs(run(A=entry("failed", a_test("failed", "x"))),
                              run(A=entry("failed", a_test("failed", "y"))))
    assert failing_kinds(comparison) == []
    assert failing_kinds(comparison, ["changed-cause"]) == ["changed-cause"]
    assert summary_lines(comparison, "old")[0].endswith("1 changed causes")


def test_a_requirement_judged_before_and_not_tested_after_fails_by_default() -> None:
    """A run without --login-uri against a full baseline: what was passed and is now
    "not tested" is a change that fails the comparison (unless allowed); a requirement
    the later run did not select at all is not compared."""
    before = run(["A", "B", "C"], A=entry("passed"), B=entry("failed"), C=entry("passed"))
    after = run(["A", "B", "C"], A=entry("not tested"), B=entry("not tested"))
    comparison = compare_runs(before, after)
    assert kinds(comparison) == [("no-longer-tested", "A"), ("no-longer-tested", "B")]
    assert failing_kinds(comparison) == ["no-longer-tested"]
    assert failing_kinds(comparison, allow=["no-longer-tested"]) == []
    assert "NO-LONGER-TESTED" in "\n".join(summary_lines(comparison, "old"))
    assert not schema_violations("comparison", comparison)


def test_an_incomplete_run_is_flagged_and_fails_the_comparison(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = tmp_path / "full.json"
    full.write_text(json.dumps(run(["A", "B"], A=entry("passed"), B=entry("passed"))))
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({**run(["A", "B"], A=entry("passed")), "interrupted": True}))
    assert main(["compare", str(full), str(partial)]) == 1
    out = capsys.readouterr().out
    assert "INCOMPLETE after run, no verdict: interrupted (Ctrl-C or SIGTERM)" in out
    assert "no change" in out and "--allow-incomplete" in out
    assert main(["compare", str(full), str(partial), "--allow-incomplete"]) == 0
    comparison = compare_runs(json.loads(full.read_text()), json.loads(partial.read_text()))
    assert comparison["after"]["incomplete"] and comparison["before"]["incomplete"] is None


def test_compare_read_through_head_is_no_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    many = {f"R{i}": entry("passed") for i in range(2000)}
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(run(list(many), **many)))
    new.write_text(json.dumps(run(list(many), **{k: entry("failed") for k in many})))
    result = subprocess.run(f"'{sys.executable}' -m conformance compare {old} {new} | head -3",
                            shell=True, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


# ---------------------------------------------------------------- runs and the command


def saved(results: dict[str, Any], path: Path) -> Path:
    kept = {key: value for key, value in results.items() if key not in ("exit_code", "output")}
    path.write_text(json.dumps(kept), "utf-8")
    return path


def test_a_run_with_a_baseline_carries_the_comparison(run_suite: SuiteRunner,
                                                      tmp_path: Path) -> None:
    before = saved(run_suite(None, "asset", SLICE), tmp_path / "before.json")
    html_file = tmp_path / "report.html"
    after = run_suite(ReferenceConfig(asset_service=MissingAssetIs200), "asset", SLICE,
                      "--baseline", str(before), "--html-report", str(html_file))
    output = "\n".join(after["output"])
    assert f"compared with {before} (2 requirements in both): 1 regressions" in output
    assert f"REGRESSION           {GET_404}: passed -> failed" in output
    comparison = after["baseline"]
    assert comparison["path"] == str(before)
    assert [(c["kind"], c["requirement"]) for c in comparison["changes"]] == [
        ("regression", GET_404)]
    assert not schema_violations("comparison", comparison)
    page = lxml.html.fromstring(html_file.read_text("utf-8"))
    table = page.find(".//table[@class='comparison']")
    assert isinstance(table, lxml.html.HtmlElement)
    assert GET_404 in table.text_content()


def test_a_narrower_run_compares_only_what_both_selected(run_suite: SuiteRunner,
                                                         tmp_path: Path) -> None:
    before = saved(run_suite(None, "asset", ()), tmp_path / "before.json")
    after = run_suite(None, "asset", [GET_404], "--baseline", str(before))
    assert after["baseline"]["changes"] == []
    assert after["baseline"]["compared"] == 1


@pytest.mark.parametrize("content", [None, "{not json", '{"summary": {}}'],
                         ids=["missing", "not-json", "not-results"])
def test_a_baseline_that_cannot_be_read_stops_the_run_before_it_starts(
        pytester: pytest.Pytester, tmp_path: Path, content: str | None) -> None:
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content)
    outcome = pytester.runpytest_inprocess("--pyargs", "conformance.suites.asset",
                                           "-p", "no:cacheprovider", "--baseline",
                                           str(baseline))
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    assert "--baseline" in "\n".join(outcome.errlines + outcome.outlines)
    assert not any("passed" in line for line in outcome.outlines)


def test_the_compare_command(run_suite: SuiteRunner, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    good = saved(run_suite(None, "asset", SLICE), tmp_path / "good.json")
    bad = saved(run_suite(ReferenceConfig(asset_service=MissingAssetIs200), "asset", SLICE),
                tmp_path / "bad.json")
    out_json, out_html = tmp_path / "comparison.json", tmp_path / "comparison.html"
    assert main(["compare", str(good), str(bad), "--json", str(out_json),
                 "--html", str(out_html)]) == 1
    assert "1 regressions" in capsys.readouterr().out
    comparison = json.loads(out_json.read_text("utf-8"))
    assert not schema_violations("comparison", comparison)
    assert "<table class='comparison'>" in out_html.read_text("utf-8")
    assert main(["compare", str(bad), str(good)]) == 0  # a fix is no failure
    assert main(["compare", str(good), str(good)]) == 0
    assert "no change" in capsys.readouterr().out
    assert main(["compare", str(good), str(tmp_path / "missing.json")]) == 4
    assert "cannot read" in capsys.readouterr().err


def test_the_upgrade_from_0_9_1_to_0_9_2_reads_as_it_does_on_the_real_releases(
        run_suite: SuiteRunner, tmp_path: Path) -> None:
    """The release doubles of 0.9.1 and 0.9.2, each run with the profile of the release
    the operator runs today (0.9.1), compare as the real releases do: two regressions
    (GETFOLDERCONTENT of an unknown folder, GETMULTIPLEITEMS of an unknown ID), and three
    changed observations (the Settings folder, a whitespace-only Description stored
    empty, UPDATEITEM with a new Owner answering False); nothing else."""
    from tests.doubles import release_doubles

    doubles = {double.name: double for double in release_doubles()}
    profile = str(doubles["opensimulator-0.9.1"].profile)
    old = run_suite(doubles["opensimulator-0.9.1"].config(), "xinventory", (),
                    "--target-profile", profile)
    assert old["exit_code"] == 0
    before = saved(old, tmp_path / "0.9.1.json")
    new = saved(run_suite(doubles["opensimulator-0.9.2"].config(), "xinventory", (),
                          "--target-profile", profile), tmp_path / "0.9.2.json")
    comparison = compare_runs(json.loads(before.read_text()), json.loads(new.read_text()))
    found = sorted((c["kind"], c["requirement"], c.get("observation", ""))
                   for c in comparison["changes"])
    assert found == [
        ("changed-observation", "XINV-CREATEUSERINVENTORY-SYSTEM-FOLDERS",
         "OBS-XINV-SYSTEM-FOLDERS"),
        ("changed-observation", "XINV-TEXT-ROUNDTRIP", "OBS-XINV-WHITESPACE-DESCRIPTION"),
        ("changed-observation", "XINV-UPDATEITEM-INVARIANTS", "OBS-XINV-UPDATEITEM-REPLY"),
        ("regression", "XINV-GETFOLDERCONTENT-UNKNOWN", ""),
        ("regression", "XINV-GETMULTIPLEITEMS", ""),
    ]
    assert main(["compare", str(before), str(new)]) == 1
    assert main(["compare", str(before), str(before)]) == 0
