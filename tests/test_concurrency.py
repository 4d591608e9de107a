"""Concurrency: modules side by side in threads (lanes) give the verdicts, and leave the
objects, of a run one test at a time; the round trip before the run chooses the lanes;
xdist workers share one login and one embedded reference server."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.plugin.concurrency import MOST_LANES, NEAR_MS, lanes_for, lanes_supported
from conformance.reference.app import create_app
from conformance.reference.server import ServerProcess, ServerThread
from tests.conftest import SuiteRunner, not_passed
from tests.faults import all_faults

ROOT = Path(__file__).resolve().parents[1]


def left_behind(results: dict[str, Any]) -> collections.Counter[tuple[str, str]]:
    return collections.Counter((entry["service"], entry["kind"])
                               for entry in results["cleanup"]["remaining"])


@pytest.mark.parametrize(("round_trip", "lanes"), [
    (0.2, 1), (NEAR_MS - 0.1, 1), (NEAR_MS, 2), (20, 4), (50, 9), (2000, MOST_LANES)])
def test_lanes_follow_the_round_trip(round_trip: float, lanes: int) -> None:
    assert lanes_for(round_trip) == lanes


def test_this_pytest_has_what_lanes_adapt() -> None:
    """Lanes adapt parts of pytest that are not its API; a pytest without them runs one
    test at a time, and this test says so before anyone measures a slow run."""
    assert lanes_supported()


@pytest.mark.parametrize("service", ["xinventory", "ais"])
def test_modules_side_by_side_pass_and_leave_what_one_at_a_time_leaves(
        service: str, run_suite: SuiteRunner, tmp_path: Path) -> None:
    """Against the reference, four lanes pass every requirement, as one lane does, and
    leave the same objects behind (the principals' inventories)."""
    one = run_suite(None, service, (), "--lanes", "1", "--ledger", str(tmp_path / "one.jsonl"))
    four = run_suite(None, service, (), "--lanes", "4", "--ledger", str(tmp_path / "4.jsonl"))
    assert not not_passed(one) and not not_passed(four), (not_passed(one), not_passed(four))
    assert four["requirements"].keys() == one["requirements"].keys()
    assert left_behind(four) == left_behind(one)


def test_a_fault_found_side_by_side_is_pinned_on_its_own_requirement(
        run_suite: SuiteRunner) -> None:
    """A fault's failures, found while other modules run beside it, land on the
    requirement it breaks, with its own transcript; the others pass."""
    fault = next(f for f in all_faults() if f.name == "xinventory:lists-without-type-attribute")
    results = run_suite(fault.config(), "xinventory", (), "--lanes", "4")
    broken = {rid for rid, outcome in not_passed(results).items() if outcome == "failed"}
    assert set(fault.breaks) <= broken
    for rid in fault.breaks:
        for test in results["requirements"][rid]["tests"]:
            assert all("/xinventory" in exchange["url"] for exchange in test["transcript"])
            assert test["transcript"], "the failing test's own requests are its transcript"


def test_a_distant_target_gets_lanes_and_says_so(tmp_path: Path) -> None:
    """Behind 20 ms of delay the run times the round trip, takes modules side by side
    and says so in the header and in results.json."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from delay_proxy import DelayProxy  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    results = tmp_path / "results.json"
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        host, port = server.socket.getsockname()[:2]
        proxy = DelayProxy(host, port, 20)
        try:
            url = proxy.start()
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "--pyargs", "conformance.suites.asset",
                 "--target", url, "-p", "no:cacheprovider", "-q", "--results-json",
                 str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
                 "--requirement", "ASSET-GET-200", "--requirement", "ASSET-DELETE-REPLY"],
                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        finally:
            proxy.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    concurrency = json.loads(results.read_text("utf-8"))["concurrency"]
    assert 20 <= concurrency["round_trip_ms"] < 200
    assert concurrency["lanes"] == lanes_for(concurrency["round_trip_ms"]) > 1
    assert (f"opensim-conformance concurrency: {concurrency['lanes']} modules side by side "
            f"(round trip") in run.stdout


class CountLogins:
    """The reference app, counting the logins it is sent (XML-RPC POSTs to /)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logins = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/":
            self.logins += 1
        await self.app(scope, receive, send)


def test_xdist_workers_act_as_the_one_viewer_the_controller_logged_in(tmp_path: Path) -> None:
    """With -n 2 the caps and AIS3 tests of both workers use one login, and pass."""
    app = CountLogins(create_app(tmp_path / "grid.sqlite"))
    with ServerThread(app) as server:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suites.caps",
             "conformance.suites.ais", "-n", "2", "--target", server.url, "--login-uri",
             server.url, "-p", "no:cacheprovider", "-q", "--ledger",
             str(tmp_path / "ledger.jsonl")],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert app.logins == 1


def test_the_reference_server_in_a_process_of_its_own_answers_and_ends(tmp_path: Path) -> None:
    import requests

    server = ServerProcess(str(tmp_path / "grid.sqlite"))
    url = server.start()
    try:
        reply = requests.get(f"{url}/assets/00000000-0000-0000-0000-000000000001", timeout=10)
        assert reply.status_code == 404
    finally:
        process = server.process
        server.stop()
    assert process is not None and process.poll() is not None
