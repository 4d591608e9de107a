"""Concurrency: xdist workers taking whole modules give the verdicts, and leave the
objects, of a run in one process; the round trip before the run chooses the workers;
workers share one login and one embedded reference server; at most --max-connections
requests are under way at once, all processes together."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.plugin.concurrency import MOST_WORKERS, NEAR_MS, module_of, workers_for
from conformance.reference.app import create_app
from conformance.reference.process import ServerProcess
from conformance.reference.server import ServerThread
from tests.conftest import SuiteRunner, not_passed
from tests.faults import all_faults

ROOT = Path(__file__).resolve().parents[1]


def left_behind(results: dict[str, Any]) -> collections.Counter[tuple[str, str]]:
    return collections.Counter((entry["service"], entry["kind"])
                               for entry in results["cleanup"]["remaining"])


@pytest.mark.parametrize(("round_trip", "cores", "workers"), [
    (0.2, 2, 1), (NEAR_MS - 0.1, 2, 1), (NEAR_MS, 1, 2), (20, 1, 4), (10, 2, 5),
    (50, 2, MOST_WORKERS), (2000, 1, MOST_WORKERS)])
def test_workers_follow_the_round_trip(round_trip: float, cores: int, workers: int) -> None:
    assert workers_for(round_trip, cores) == workers


def test_a_module_of_the_suites_is_a_unit_of_work_and_anything_else_a_test() -> None:
    module = "conformance/suites/caps/test_descendents.py"
    assert module_of(f"{module}::test_a_folder_of_a_thousand_items_is_answered_in_full") \
        == module
    assert module_of("tests/test_cli.py::test_help") is None


def test_modules_over_two_workers_pass_and_leave_what_one_process_leaves(
        run_suite: SuiteRunner, tmp_path: Path) -> None:
    """Against the reference, two workers pass every requirement, as one process does,
    and leave the same objects behind (the principals' inventories). A budget of 0 sends
    the same generated examples (one each) whatever the machine's load."""
    one = run_suite(None, "xinventory", (), "-n", "0", "--budget", "0",
                    "--ledger", str(tmp_path / "1.jsonl"))
    two = run_suite(None, "xinventory", (), "-n", "2", "--budget", "0",
                    "--ledger", str(tmp_path / "2.jsonl"))
    assert not not_passed(one) and not not_passed(two), (not_passed(one), not_passed(two))
    assert two["requirements"].keys() == one["requirements"].keys()
    assert left_behind(two) == left_behind(one)
    assert two["concurrency"]["workers"] == 2


def test_a_fault_found_on_a_worker_is_pinned_on_its_own_requirement(
        run_suite: SuiteRunner) -> None:
    """A fault's failures, found while other modules run on the other worker, land on the
    requirement it breaks, with its own transcript; the others pass."""
    fault = next(f for f in all_faults() if f.name == "xinventory:lists-without-type-attribute")
    results = run_suite(fault.config(), "xinventory", (), "-n", "2")
    broken = {rid for rid, outcome in not_passed(results).items() if outcome == "failed"}
    assert set(fault.breaks) <= broken
    for rid in fault.breaks:
        for test in results["requirements"][rid]["tests"]:
            assert all("/xinventory" in exchange["url"] for exchange in test["transcript"])
            assert test["transcript"], "the failing test's own requests are its transcript"


def delay_proxy() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from delay_proxy import DelayProxy
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return DelayProxy


def test_a_distant_target_gets_workers_and_says_so(tmp_path: Path) -> None:
    """Behind 20 ms of delay the run times the round trip, asks xdist for workers (here
    capped by --maxprocesses 2) and says so in the header and in results.json."""
    results = tmp_path / "results.json"
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        host, port = server.socket.getsockname()[:2]
        proxy = delay_proxy()(host, port, 20)
        try:
            url = proxy.start()
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "--pyargs", "conformance.suites.asset",
                 "--target", url, "-p", "no:cacheprovider", "-q", "--results-json",
                 str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
                 "--maxprocesses", "2",
                 "--requirement", "ASSET-GET-200", "--requirement", "ASSET-DELETE-REPLY"],
                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        finally:
            proxy.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    concurrency = json.loads(results.read_text("utf-8"))["concurrency"]
    assert 20 <= concurrency["round_trip_ms"] < 200
    assert workers_for(concurrency["round_trip_ms"]) > 1
    assert concurrency["workers"] == 2
    assert ("opensim-conformance concurrency: 2 xdist workers, whole modules each, AIS3 "
            "tests one by one (round trip") in run.stdout


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


# ---------------------------------------------------------------- --max-connections


class GroupServer(ThreadingHTTPServer):
    """Holds each request until ``group`` requests are under way together, then answers
    them all: with at most ``group`` requests under way the groups fill exactly; a client
    that sends more at once shows as a peak over ``group``."""

    request_queue_size = 64
    daemon_threads = True

    def __init__(self, group: int) -> None:
        self.group = group
        self.barrier = threading.Barrier(group, timeout=60)
        self.lock = threading.Lock()
        self.under_way = 0
        self.peak = 0
        self.answered = 0

        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.under_way += 1
                    server.peak = max(server.peak, server.under_way)
                server.barrier.wait()
                with server.lock:
                    server.under_way -= 1
                    server.answered += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


#: A process of the run: at most MOST requests under way with the others that share
#: FOLDER, sending COUNT requests side by side.
SENDER = """
import sys
from pathlib import Path
from conformance import connections
from conformance.clients.http import HttpClient, Recorder
from conformance.side_by_side import each
url, most, folder, count = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
connections.configure(most, folder)
client = HttpClient(url, timeout=60, recorder=Recorder())
each(lambda n: client.request("GET", f"/{n}"), range(count), width=count)
"""


def test_processes_of_one_run_keep_together_within_the_connection_limit(
        tmp_path: Path) -> None:
    """Two processes sharing a limit of 2, each sending 4 requests side by side: never
    more than 2 under way at the target (alone, each would send 4 at once)."""
    from conformance import connections

    folder = connections.share_limit(2)
    assert folder is not None
    server = GroupServer(2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        senders = [subprocess.Popen([sys.executable, "-c", SENDER, url, "2", str(folder), "4"],
                                    cwd=ROOT) for _ in range(2)]
        codes = [sender.wait(timeout=120) for sender in senders]
    finally:
        server.shutdown()
        server.server_close()
        connections.stop_sharing(folder)
    assert codes == [0, 0]
    assert server.answered == 8
    assert server.peak == 2


def test_one_process_keeps_within_the_connection_limit() -> None:
    from conformance import connections
    from conformance.clients.http import HttpClient, Recorder
    from conformance.side_by_side import each

    server = GroupServer(3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    before = connections.limit()
    try:
        connections.configure(3)
        client = HttpClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=60,
                            recorder=Recorder())
        each(lambda n: client.request("GET", f"/{n}"), range(9), width=9)
    finally:
        connections._LIMIT = before
        server.shutdown()
        server.server_close()
    assert server.answered == 9
    assert server.peak == 3


def test_the_profile_sets_the_connection_limit() -> None:
    from conformance.target import Profile, ProfileError, profile_from_dict

    assert Profile().max_connections == 8
    assert profile_from_dict({"max_connections": 3}).max_connections == 3
    for wrong in (0, -1, 2.5, True, "8"):
        with pytest.raises(ProfileError, match="max_connections must be a whole number"):
            profile_from_dict({"max_connections": wrong})


def test_workers_take_an_ais3_test_function_and_any_other_module_whole() -> None:
    """An AIS3 module is shared out test function by test function (all cases of one
    function together); a module of the other suites stays on one worker (its principal's
    inventory, its shared asset)."""
    from conformance.plugin.concurrency import scope_of

    ais = "conformance/suites/ais/test_not_implemented.py"
    assert scope_of(f"{ais}::test_copy_item", ais) == f"{ais}::test_copy_item"
    assert scope_of(f"{ais}::test_none_412[COPY-item]", ais) == f"{ais}::test_none_412"
    xinventory = "conformance/suites/xinventory/test_folders.py"
    assert scope_of(f"{xinventory}::test_addfolder[x]", xinventory) == xinventory
    assert scope_of("test_get.py::test_x", "test_get.py") == "test_get.py"
