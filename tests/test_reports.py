"""Reports: results.json (requirement -> outcome, tests, transcripts), the target
profile's expectations and the HTML report (comparisons: tests/test_compare.py).

Unit tests build results by hand; the integration tests run the asset suite in-process
against the reference server, with faults from ``tests/faults/asset.py`` to get real
failures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from lxml.html import HtmlElement
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.catalogue import load_catalogue
from conformance.reference.app import ReferenceConfig
from conformance.reference.asset import AssetService
from conformance.report.html import render
from conformance.report.results import NOT_TESTED, Results
from conformance.report.results import test_outcome as outcome_of  # not a test
from conformance.target import Expectation, Profile
from tests.conftest import SuiteRunner
from tests.faults.asset import AnswersWithABoolean, MissingAssetIs200, UpperCaseIdIsNotFound

GET_404 = "ASSET-GET-404"
POST_ID = "ASSET-POST-RETURNS-ID"
SLICE = (GET_404, POST_ID)
MARKUP = '</pre><script>alert("x")</script><b>bold & "quoted"</b>'


class MissingAssetAnswersMarkup(AssetService):
    """GET of a missing asset answers 200 with markup in the body (for escaping)."""

    def not_found(self) -> Response:
        return Response(MARKUP.encode(), status_code=200, media_type="text/html")


# ---------------------------------------------------------------- building results by hand


def report(nodeid: str, when: str, outcome: str, longrepr: Any = None,
           **extra: Any) -> pytest.TestReport:
    return pytest.TestReport(nodeid, ("x.py", 1, nodeid), {}, outcome,  # type: ignore[arg-type]
                             longrepr, when, **extra)  # type: ignore[arg-type]


def exchange(**fields: Any) -> dict[str, Any]:
    base = {"method": "GET", "url": "http://127.0.0.1:1/assets/x", "request_headers": {},
            "request_body": "", "status": 200, "reason": "OK", "headers": {}, "body": "",
            "error": None, "elapsed_ms": 1.0,
            "curl": "curl -sS -i -X GET http://127.0.0.1:1/assets/x"}
    return base | fields


def results_of(*tests: tuple[str, pytest.TestReport, dict[str, Any]],
               expectations: dict[str, Expectation] | None = None) -> dict[str, Any]:
    """Results of (requirement, report, extra conformance fields) triples, finished."""
    results = Results(load_catalogue(), Profile(expectations=expectations or {}))
    for rid, rep, extra in tests:
        outcome = outcome_of(rep)
        assert outcome is not None
        results.add(rep, outcome, {"requirements": [rid], "transcript": [], **extra})
    results.finish([])
    return results.data


def passed(rid: str, name: str = "t") -> tuple[str, pytest.TestReport, dict[str, Any]]:
    return rid, report(f"{rid}::{name}", "call", "passed"), {}


def failed(rid: str, name: str = "t",
           cause: str = "expected HTTP status 404, got 200") -> tuple[
               str, pytest.TestReport, dict[str, Any]]:
    return (rid, report(f"{rid}::{name}", "call", "failed", f"{rid}\n\nFailed: {cause}",
                        conformance={"outcome": "failed"}),
            {"cause": cause, "transcript": [exchange()]})


def skipped(rid: str, reason: str = "asset service not tested") -> tuple[
        str, pytest.TestReport, dict[str, Any]]:
    return rid, report(f"{rid}::s", "setup", "skipped", ("x.py", 1, f"Skipped: {reason}")), {}


# ---------------------------------------------------------------- results: unit


def test_a_requirement_takes_its_worst_tests_outcome() -> None:
    data = results_of(passed(GET_404, "a"), failed(GET_404, "b"), passed(POST_ID))
    assert data["requirements"][GET_404]["outcome"] == "failed"
    assert [t["outcome"] for t in data["requirements"][GET_404]["tests"]] == ["passed", "failed"]
    assert data["requirements"][POST_ID]["outcome"] == "passed"
    assert data["summary"] == {"failed": 1, "passed": 1}
    assert data["by_service"] == {"asset": {"failed": 1, "passed": 1}}


def test_skipped_only_is_not_tested_and_a_skip_beside_a_pass_is_passed() -> None:
    data = results_of(skipped(GET_404), skipped(POST_ID), passed(POST_ID))
    assert data["requirements"][GET_404]["outcome"] == NOT_TESTED
    assert data["requirements"][GET_404]["tests"][0]["message"] == "asset service not tested"
    assert data["requirements"][POST_ID]["outcome"] == "passed"
    assert data["summary"] == {"passed": 1, NOT_TESTED: 1}


def test_requirements_are_in_catalogue_order_and_carry_the_catalogue_entry() -> None:
    data = results_of(passed(POST_ID), passed(GET_404))
    catalogue = list(load_catalogue())
    assert list(data["requirements"]) == sorted(data["requirements"], key=catalogue.index)
    entry = data["requirements"][GET_404]
    assert entry["quote"] == load_catalogue()[GET_404].quote
    assert {"service", "section", "level", "source", "quote"} <= set(entry)


def test_xfail_and_xpass_outcomes() -> None:
    xfailed = report("x::f", "call", "skipped", None, wasxfail="expected (profile)")
    xpassed = report("x::p", "call", "passed", None, wasxfail="expected (profile)")
    assert outcome_of(xfailed) == "xfailed"
    assert outcome_of(xpassed) == "xpassed"
    expected = {rid: Expectation("fail", "profile") for rid in SLICE}
    data = results_of((GET_404, xfailed, {}), (POST_ID, xpassed, {}), expectations=expected)
    assert data["requirements"][GET_404]["outcome"] == "xfailed"
    assert data["requirements"][POST_ID]["outcome"] == "xpassed"
    assert data["summary"] == {"xpassed": 1, "xfailed": 1}


def test_an_expected_failure_holds_when_only_some_of_its_tests_fail() -> None:
    """Expectations are per requirement: one failing test confirms it, whatever the
    others do; only a requirement whose every test passes is an unexpected pass."""
    xfailed = report("x::f", "call", "skipped", None, wasxfail="expected (profile)")
    xpassed = report("x::p", "call", "passed", None, wasxfail="expected (profile)")
    data = results_of((GET_404, xfailed, {}), (GET_404, xpassed, {}),
                      expectations={GET_404: Expectation("fail", "profile")})
    assert data["requirements"][GET_404]["outcome"] == "xfailed"


def test_a_failure_is_the_class_the_plugin_gave_it_and_a_suite_error_otherwise() -> None:
    in_test = report("x::a", "call", "failed", "Failed: ...", conformance={"outcome": "failed"})
    in_step = report("x::b", "setup", "failed", "Blocked: POST ...",
                     conformance={"outcome": "blocked"})
    by_suite = report("x::c", "call", "failed", "KeyError: 'x'",
                      conformance={"outcome": "suite-error"})
    unclassified = report("x::d", "teardown", "failed", "boom", conformance={})
    assert outcome_of(in_test) == "failed"
    assert outcome_of(in_step) == "blocked"
    assert outcome_of(by_suite) == "suite-error"
    assert outcome_of(unclassified) == "suite-error"
    assert outcome_of(report("x::e", "setup", "passed")) is None


def test_a_target_that_goes_away_during_a_teardown_is_the_targets_not_the_suites() -> None:
    from conformance.clients.http import TargetFailure
    from conformance.plugin.failures import failure_class

    gone = TargetFailure("DELETE http://127.0.0.1:1/assets/x: connection refused")
    assert failure_class(gone, "teardown") == "blocked"
    assert failure_class(gone, "call") == "failed"
    assert failure_class(gone, "setup") == "blocked"
    assert failure_class(KeyError("x"), "teardown") == "suite-error"


def test_a_requirement_with_a_blocked_test_and_no_failure_is_blocked() -> None:
    blocked = report("x::b", "call", "failed", "Blocked", conformance={"outcome": "blocked"})
    data = results_of(passed(GET_404), (GET_404, blocked, {"cause": "could not store"}))
    assert data["requirements"][GET_404]["outcome"] == "blocked"
    data = results_of(failed(GET_404), (GET_404, blocked, {"cause": "could not store"}))
    assert data["requirements"][GET_404]["outcome"] == "failed"


def test_identical_causes_are_grouped_with_run_specific_parts_masked() -> None:
    from conformance.report.results import cause_signature, group_causes

    first = ("could not store the asset this test needs: POST http://127.0.0.1:4711/assets "
             "answered 501")
    second = first.replace("4711", "4712")
    assert cause_signature(first) == cause_signature(second)
    assert "<port>" in cause_signature(first)
    blocked = [(rid, report(f"{rid}::b", "call", "failed", "Blocked",
                            conformance={"outcome": "blocked"}), {"cause": cause})
               for rid, cause in ((GET_404, first), (POST_ID, second))]
    data = results_of(*blocked)
    [(outcome, _, rids)] = group_causes(data["requirements"], ["blocked"])
    assert (outcome, rids) == ("blocked", [GET_404, POST_ID])


def test_summary_lines_name_unexpected_outcomes_and_what_cleanup_left() -> None:
    results = Results(load_catalogue(), Profile())
    rep = report("x::f", "call", "failed", "Failed: x")
    results.add(rep, "failed", {"requirements": [GET_404], "transcript": []})
    results.finish([])
    left = [{"service": "asset", "kind": "asset", "id": "a", "url": "u", "principal": "p"},
            {"service": "xinventory", "kind": "inventory", "id": "p", "url": "u",
             "principal": "p"}]
    results.data["cleanup"] = {"created": 3, "remaining": left, "ledgers": ["/tmp/l.jsonl"],
                               "ledger": "/tmp/l.jsonl"}
    text = "\n".join(results.summary_lines())
    assert f"FAILED   {GET_404}" in text
    assert "1 requirements: 1 failed" in text
    assert "cleanup: 2 of 3 created objects remain on the target; ledger: /tmp/l.jsonl" in text
    assert ("1 asset asset: DELETE answered false (OpenSimulator: AllowRemoteDelete=false) "
            "or got no answer; retry: opensim-conformance cleanup --ledger /tmp/l.jsonl") in text
    assert "1 xinventory inventory: no XInventory method removes a user's inventory" in text


# ---------------------------------------------------------------- html: unit


def parse(text: str) -> HtmlElement:
    root: HtmlElement = lxml.html.document_fromstring(text)
    return root


def test_html_escapes_markup_from_the_target() -> None:
    data = results_of(failed(GET_404, cause=f"got {MARKUP}"))
    test = data["requirements"][GET_404]["tests"][0]
    test["transcript"] = [exchange(body=MARKUP, headers={"X-Evil": MARKUP},
                                   request_body=MARKUP, curl=f"curl '{MARKUP}'")]
    page = parse(render(data))
    assert not page.xpath("//script"), "markup from the target must not become elements"
    assert not page.xpath("//b")
    response = page.xpath(f"//section[@id='{GET_404}']//pre[@class='response']")[0]
    assert MARKUP in response.text_content()
    assert MARKUP in page.xpath("//pre[@class='request']")[0].text_content()
    assert MARKUP in page.xpath("//pre[@class='curl']")[0].text_content()
    assert f"got {MARKUP}" in page.xpath("//p[@class='cause']")[0].text_content()


def test_html_is_one_self_contained_file() -> None:
    page = parse(render(results_of(failed(GET_404), passed(POST_ID), skipped("ASSET-GET-200"))))
    assert not page.xpath("//script | //link | //img | //iframe")
    assert len(page.xpath("//style")) == 1
    for href in page.xpath("//a/@href"):
        assert href.startswith("#"), href
        assert page.xpath(f"//*[@id='{href[1:]}']"), f"dangling link {href}"


def test_html_lists_unexpected_outcomes_first() -> None:
    data = results_of(passed("ASSET-GET-200"), skipped("ASSET-GET-DATA"), failed(GET_404),
                      (POST_ID, report("p::x", "call", "skipped", None, wasxfail="profile"), {}))
    page = parse(render(data))
    order = [section.get("id") for section in page.xpath("//section[@class='requirement']")]
    assert order == [GET_404, POST_ID, "ASSET-GET-200", "ASSET-GET-DATA"]
    headings = [h.get("id") for h in page.xpath("//h2[@id]")]
    assert headings == ["causes", "unexpected", "expected", "passed", "not-tested"]


def test_html_says_how_the_run_was_spread_and_its_generated_examples() -> None:
    data = results_of(failed(GET_404))
    data["concurrency"] = {"round_trip_ms": 54.9, "workers": 8,
                           "reason": "round trip 55 ms; -n N to choose"}
    data["hypothesis_seed"], data["budget"] = 0, 3.0
    data["requirements"][GET_404]["tests"][0]["examples"] = {"checked": 2, "unsent": 13}
    text = parse(render(data)).text_content()
    assert "Concurrency: 8 xdist worker(s), round trip 55 ms" in text
    assert "Generated examples: seed 0, --budget 3 s per test (1 test reached it: 2 of 15 " \
           "examples checked)" in text
    assert "Generated examples: 2 checked, 13 drawn after the budget and not sent" in text


def test_html_never_shows_a_partial_or_unverified_run_as_a_plain_green_page() -> None:
    from conformance.report.results import Results

    results = Results(load_catalogue(), Profile(target="https://grid.example.org", insecure=True))
    results.interrupt()
    results.finish([])
    page = render(results.data)
    assert "TLS certificates were NOT verified (--insecure)" in page
    assert "INTERRUPTED: the run is incomplete" in page
    assert "verdict passed" not in page
    assert results.data["target"]["tls"] == {"verify": False, "ca_bundle": None}


def test_html_with_no_requirement_still_renders() -> None:
    page = parse(render(results_of()))
    assert "No requirement was tested" in page.text_content()


# ---------------------------------------------------------------- integration: real runs


def unknown_uuid_tests(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The cases of ASSET-GET-404's unknown-UUID test (the page's sample IDs are asked by
    another test of the requirement)."""
    return [test for test in results["requirements"][GET_404]["tests"]
            if "test_unknown_asset_is_404" in test["nodeid"]]


def html_of(tmp_path: Path) -> HtmlElement:
    return parse((tmp_path / "report.html").read_text("utf-8"))


def test_a_failing_run_reports_requirements_tests_and_transcripts(
        run_suite: SuiteRunner, tmp_path: Path) -> None:
    results = run_suite(ReferenceConfig(asset_service=MissingAssetIs200), "asset", SLICE)
    assert results["exit_code"] == 1
    assert results["summary"] == {"failed": 1, "passed": 1}
    entry = results["requirements"][GET_404]
    assert entry["outcome"] == "failed"
    assert entry["quote"] == load_catalogue()[GET_404].quote
    unknown = unknown_uuid_tests(results)
    assert len(unknown) == 2
    assert all(t["outcome"] == "failed" for t in entry["tests"])
    for test in unknown:
        assert test["outcome"] == "failed" and test["when"] == "call"
        assert test["cause"] == "expected HTTP status 404, got 200"
        assert test["message"].startswith(load_catalogue()[GET_404].cite())
        [sent] = test["transcript"]
        assert sent["method"] == "GET" and "/assets/" in sent["url"]
        assert sent["status"] == 200 and sent["reason"] == "OK" and sent["error"] is None
        assert sent["curl"] == f"curl -sS -i -X GET {sent['url']}"
    post = results["requirements"][POST_ID]
    assert post["outcome"] == "passed"
    assert all(t["transcript"] for t in post["tests"]), "passing tests keep their transcript"
    assert results["cleanup"]["remaining"] == []


def test_a_target_failure_in_a_fixture_blocks_the_test(run_suite: SuiteRunner,
                                                       tmp_path: Path) -> None:
    """The sample GET tests read is stored in a fixture; a target that breaks POST
    blocks those tests (the requirement is not judged, the cause is named), it neither
    fails GET's requirement nor makes an error of the suite."""
    junit = tmp_path / "junit.xml"
    results = run_suite(ReferenceConfig(asset_service=AnswersWithABoolean), "asset",
                        ["ASSET-GET-200"], "--junitxml", str(junit))
    assert results["exit_code"] == 1
    assert results["requirements"]["ASSET-GET-200"]["outcome"] == "blocked"
    [test] = results["requirements"]["ASSET-GET-200"]["tests"]
    assert (test["outcome"], test["when"]) == ("blocked", "setup")
    assert "the body is not a <string> document" in test["cause"]
    assert test["transcript"][-1]["method"] == "POST"
    assert "1 blocked" in results["output"][-1], results["output"][-1]
    assert any(line.startswith("  BLOCKED ") for line in results["output"])
    [skipped] = lxml.etree.parse(str(junit)).iter("skipped")
    assert skipped.get("type") == "blocked"
    assert skipped.get("message", "").startswith("blocked: ")


def test_an_error_of_the_suite_stays_an_error(run_suite: SuiteRunner,
                                             pytester: pytest.Pytester) -> None:
    pytester.makepyfile(suite_bug="""
        import pytest

        @pytest.fixture(autouse=True)
        def broken():
            raise RuntimeError("a bug in the suite, not in the target")
    """)
    pytester.syspathinsert()
    results = run_suite(None, "asset", [GET_404], "-p", "suite_bug")
    assert results["exit_code"] == 3
    assert results["requirements"][GET_404]["outcome"] == "suite-error"
    for test in unknown_uuid_tests(results):
        assert test["outcome"] == "suite-error"
        assert test["cause"] == "RuntimeError: a bug in the suite, not in the target"
    assert any("SUITE ERROR" in line for line in results["output"])


@pytest.mark.parametrize("mistake", [
    "assert reply is not None, 'a narrowing assert of the suite'",
    "from conformance.clients.http import ReadOnlyViolation; "
    "raise ReadOnlyViolation('a test that writes lacks its marker')",
], ids=["bare-assert", "read-only-violation"])
def test_a_bug_in_a_test_body_is_a_suite_error_in_every_report(
        run_suite: SuiteRunner, pytester: pytest.Pytester, tmp_path: Path,
        mistake: str) -> None:
    """An assertion of the suite's own or a read-only violation inside a test is never
    blamed on the target: results.json, the terminal, JUnit (<error>) and the exit code
    say "suite error"."""
    pytester.makepyfile(suite_bug=f"""
        import pytest

        def pytest_runtest_call(item):
            reply = None
            {mistake}
    """)
    pytester.syspathinsert()
    junit = tmp_path / "junit.xml"
    results = run_suite(None, "asset", [GET_404], "-p", "suite_bug", "--junitxml", str(junit))
    assert results["exit_code"] == 3
    assert results["requirements"][GET_404]["outcome"] == "suite-error"
    errors = list(lxml.etree.parse(str(junit)).iter("error"))
    assert errors and all(e.get("message", "").startswith("suite error: ") for e in errors)
    assert not list(lxml.etree.parse(str(junit)).iter("failure"))


def test_the_html_report_of_a_failing_run(run_suite: SuiteRunner, tmp_path: Path) -> None:
    html_file = tmp_path / "report.html"
    results = run_suite(ReferenceConfig(asset_service=MissingAssetAnswersMarkup), "asset",
                        SLICE, "--html-report", str(html_file))
    assert results["exit_code"] == 1
    page = html_of(tmp_path)
    # summary per service
    [row] = page.xpath("//table[@class='summary']//tr[th='asset']")
    assert [td.text_content() for td in row.xpath("td")][:2] == ["2", "1"]
    # the matrix: the asset table, rows grouped by spec section
    matrix = page.xpath("//table[@id='service-asset']")[0]
    sections = [th.text_content() for th in matrix.xpath(".//th[@class='section']")]
    assert sections == ["GET /assets", "POST /assets"]
    outcome = matrix.xpath(f".//tr[td/a[@href='#{GET_404}']]/td[contains(@class,'outcome')]")
    assert outcome[0].text_content() == "failed"
    # the failure: quote, cause, request, response (escaped), curl
    failure = page.xpath(f"//section[@id='{GET_404}']")[0]
    assert load_catalogue()[GET_404].quote in failure.xpath(".//blockquote")[0].text_content()
    assert failure.xpath(".//p[@class='cause']")[0].text_content() == (
        "expected HTTP status 404, got 200")
    assert failure.xpath(".//pre[@class='request']")[0].text_content().startswith("GET http")
    response = failure.xpath(".//pre[@class='response']")[0].text_content()
    assert response.startswith("HTTP 200 OK") and MARKUP in response
    assert not page.xpath("//script")
    curl = failure.xpath(".//pre[@class='curl']")[0].text_content()
    assert curl.startswith("curl -sS -i -X GET http://127.0.0.1:")
    # passing tests: names only, no transcript
    passing = page.xpath(f"//section[@id='{POST_ID}']")[0]
    assert not passing.xpath(".//pre")
    names = [li.text_content() for li in passing.xpath(".//ul[@class='tests']/li")]
    assert names and all("test_post_answers_a_string" in n for n in names)
    # failures come before passes
    order = [s.get("id") for s in page.xpath("//section[@class='requirement']")]
    assert order == [GET_404, POST_ID]


def write_profile(tmp_path: Path, outcome: str, rid: str = GET_404) -> Path:
    profile = tmp_path / "profile.toml"
    profile.write_text(f'[expectations.{rid}]\noutcome = "{outcome}"\n'
                       f'reason = "known deviation, tracked upstream"\n', "utf-8")
    return profile


def test_an_expected_failure_is_xfailed_and_passes_the_run(run_suite: SuiteRunner,
                                                           tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "fail")
    results = run_suite(ReferenceConfig(asset_service=MissingAssetIs200), "asset", SLICE,
                        "--target-profile", str(profile))
    assert results["exit_code"] == 0
    assert results["requirements"][GET_404]["outcome"] == "xfailed"
    assert results["summary"] == {"xfailed": 1, "passed": 1}
    assert results["expectations"] == {
        GET_404: {"outcome": "fail", "reason": "known deviation, tracked upstream"}}
    for test in unknown_uuid_tests(results):
        assert test["outcome"] == "xfailed"
        assert "known deviation, tracked upstream" in test["message"]
        assert test["cause"] == "expected HTTP status 404, got 200"


def test_an_unexpected_pass_is_xpassed_and_fails_the_run(run_suite: SuiteRunner,
                                                         tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "fail")
    html_file = tmp_path / "report.html"
    results = run_suite(None, "asset", SLICE, "--target-profile", str(profile),
                        "--html-report", str(html_file))
    assert results["exit_code"] == 1
    assert results["requirements"][GET_404]["outcome"] == "xpassed"
    output = "\n".join(results["output"])
    assert f"  XPASSED  {GET_404}" in output
    assert "expected to fail (target profile), but passes: drop the expectation" in output
    page = html_of(tmp_path)
    assert page.xpath("//h2[@id='unexpected']/following-sibling::section[1]/@id") == [GET_404]
    section = page.xpath(f"//section[@id='{GET_404}']")[0]
    assert "expects this requirement to fail: known deviation, tracked upstream" in (
        " ".join(section.text_content().split()))


def test_an_expected_skip_is_not_tested(run_suite: SuiteRunner, tmp_path: Path) -> None:
    profile = write_profile(tmp_path, "skip")
    results = run_suite(None, "asset", SLICE, "--target-profile", str(profile))
    assert results["exit_code"] == 0
    assert results["requirements"][GET_404]["outcome"] == NOT_TESTED
    assert "skipped by the target profile" in (
        results["requirements"][GET_404]["tests"][0]["message"])


def test_a_partly_failing_requirement_that_is_expected_to_fail_passes_the_run(
        run_suite: SuiteRunner, tmp_path: Path) -> None:
    """Only the upper-case test of ASSET-GET-404 fails against this fault: the
    expectation holds for the requirement and the run passes."""
    profile = write_profile(tmp_path, "fail")
    results = run_suite(ReferenceConfig(asset_service=UpperCaseIdIsNotFound), "asset",
                        [GET_404], "--target-profile", str(profile))
    tests = {test["nodeid"].split("[")[1].rstrip("]"): test["outcome"]
             for test in unknown_uuid_tests(results)}
    assert tests == {"lower-case": "xpassed", "upper-case": "xfailed"}
    assert results["requirements"][GET_404]["outcome"] == "xfailed"
    assert results["exit_code"] == 0


class AnswersEverything501(AssetService):
    """A server that answers 501 Not Implemented to every request."""

    def routes(self) -> list[Route]:
        async def not_implemented(request: Request) -> Response:
            return Response(b"", status_code=501)
        return [Route("/{path:path}", not_implemented, methods=["GET", "POST", "DELETE"])]


def test_a_server_that_implements_nothing_reads_as_a_few_causes(
        run_suite: SuiteRunner, tmp_path: Path) -> None:
    """Against a server that answers 501 to everything, what a test needed first blocks
    it, and the same cause across requirements is one line in the summary and one row
    in the HTML report's table of causes, not a card per requirement."""
    html_file = tmp_path / "report.html"
    results = run_suite(ReferenceConfig(asset_service=AnswersEverything501), "asset", (),
                        "--html-report", str(html_file))
    assert results["exit_code"] == 1
    outcomes = {entry["outcome"] for entry in results["requirements"].values()}
    assert outcomes <= {"failed", "blocked"}, outcomes
    blocked = [rid for rid, e in results["requirements"].items() if e["outcome"] == "blocked"]
    assert len(blocked) > 5, "requirements whose tests need a stored asset are blocked"
    lines = [line for line in results["output"] if line.startswith("  BLOCKED")]
    assert 0 < len(lines) <= 3, lines
    assert "501" in lines[0]
    page = lxml.html.fromstring(html_file.read_text("utf-8"))
    rows = page.findall(".//table[@class='causes']//tr[td]")
    assert 0 < len(rows) < len(results["requirements"]) / 2


# ---------------------------------------------------------------- replay and terminal text


@pytest.mark.parametrize("body", [b"\x00\x01binary\xff\xfe", b"<x>" + b"a" * 5000 + b"</x>",
                                  b"line\r\nwith a carriage return"])
def test_the_curl_line_sends_the_exact_body_from_a_file_beside_the_reports(
        body: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body that is not printable text, or is long, is written to reports/bodies/ and
    the curl line sends that file: running the line sends the same bytes. The terminal's
    view of the exchange is text (no raw NUL, no invalid UTF-8)."""
    import http.server
    import shutil
    import subprocess
    import threading

    from conformance.clients import http as client

    received: list[bytes] = []

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    monkeypatch.setattr(client, "_BODIES", [tmp_path / "reports" / "bodies"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/assets"
        exchange = client.Exchange("POST", url, {"Content-Type": "text/xml"}, body, 200, "OK",
                                   {}, body)
        line = exchange.curl()
        assert "--data-binary @" in line and str(tmp_path / "reports" / "bodies") in line
        if shutil.which("curl"):
            subprocess.run(line, shell=True, check=True, capture_output=True, timeout=30)
            assert received == [body]
    finally:
        server.shutdown()
        server.server_close()
    shown = exchange.describe()
    assert "\x00" not in shown and "\r" not in shown and "\ufffd" not in shown
    shown.encode("utf-8")


def test_a_short_printable_body_stays_on_the_curl_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.clients import http as client

    monkeypatch.setattr(client, "_BODIES", [tmp_path / "bodies"])
    exchange = client.Exchange("POST", "http://127.0.0.1:1/x", {}, b"METHOD=GETROOTFOLDER")
    assert exchange.curl().endswith("--data-binary METHOD=GETROOTFOLDER http://127.0.0.1:1/x")
    assert not (tmp_path / "bodies").exists()
