"""The viewer's side: login to the reference server, the seed capability, URLs built
from the Host header (so a reverse proxy in front works), the password never recorded,
and the caps suite passing through a reverse proxy."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.clients.http import Recorder
from conformance.reference.app import ReferenceConfig, create_app
from conformance.reference.caps import CapsSettings
from conformance.reference.login import LIBRARY_OWNER, LIBRARY_ROOT
from conformance.reference.server import ServerThread
from conformance.viewer import REDACTED, LoginFailed, log_in, password_hash
from tests.conftest import SuiteRunner, not_passed

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[str]:
    with ServerThread(create_app(tmp_path / "reference.sqlite")) as server:
        yield server.url


def reverse_proxy(backend: str) -> ThreadingHTTPServer:
    """A reverse proxy on an ephemeral port: forwards every request to ``backend`` with
    the Host header the client sent (as nginx's ``proxy_set_header Host $http_host``)."""
    target = urlsplit(backend)

    class Forward(BaseHTTPRequestHandler):
        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = forward

        def log_message(self, *args: object) -> None:
            pass

    class Proxy(ThreadingHTTPServer):
        # A burst of the run's connections (--max-connections) waits to be accepted,
        # as at nginx; Python's default backlog of 5 resets some of them.
        request_queue_size = 128

    return Proxy(("127.0.0.1", 0), Forward)


@pytest.fixture
def proxied(reference: str) -> Iterator[str]:
    proxy = reverse_proxy(reference)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_login_gives_the_agent_its_inventory_the_library_and_four_capabilities(
        reference: str) -> None:
    viewer = log_in(reference, "Conformance Tester", "conformance", timeout=10,
                    recorder=Recorder())
    assert viewer.agent_id == CapsSettings().agent_id
    assert viewer.inventory_root and viewer.library_root == LIBRARY_ROOT
    assert viewer.library_owner == LIBRARY_OWNER
    assert {"FetchInventory2", "FetchInventoryDescendents2", "FetchLib2",
            "FetchLibDescendents2"} <= set(viewer.capabilities)
    assert all(url.startswith(reference) for url in viewer.capabilities.values())
    viewer.logout()


def test_capability_urls_follow_the_host_the_viewer_addressed(proxied: str) -> None:
    viewer = log_in(proxied, "Conformance Tester", "conformance", timeout=10,
                    recorder=Recorder())
    assert viewer.seed_capability and viewer.seed_capability.startswith(proxied)
    assert all(url.startswith(proxied + "/caps/") for url in viewer.capabilities.values())


def test_a_wrong_password_is_refused_and_never_recorded(reference: str) -> None:
    recorder = Recorder()
    with pytest.raises(LoginFailed, match="refused"):
        log_in(reference, "Conformance Tester", "wrong secret", timeout=10, recorder=recorder)
    recorded = json.dumps([exchange.to_json() for exchange in recorder.exchanges])
    assert "wrong secret" not in recorded
    assert password_hash("wrong secret") not in recorded
    assert REDACTED in recorded


def test_serve_settings_change_the_avatar(tmp_path: Path) -> None:
    config = ReferenceConfig(caps_settings=CapsSettings(avatar="Ada Lovelace", password="x"))
    with ServerThread(create_app(tmp_path / "reference.sqlite", config)) as server:
        viewer = log_in(server.url, "Ada Lovelace", "x", timeout=10, recorder=Recorder())
        assert viewer.agent_id == CapsSettings(avatar="Ada Lovelace").agent_id
        with pytest.raises(LoginFailed):
            log_in(server.url, "Conformance Tester", "conformance", timeout=10,
                   recorder=Recorder())


def test_the_caps_suite_passes_through_a_reverse_proxy(proxied: str, tmp_path: Path,
                                                       pytester: pytest.Pytester) -> None:
    results = tmp_path / "results.json"
    outcome = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suites.caps", "-p", "no:cacheprovider", "-q",
        "--results-json", str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
        "--target", proxied, "--login-uri", proxied,
        "--deselect", "conformance/suites/caps/test_descendents.py::"
                      "test_a_folder_of_a_thousand_items_is_answered_in_full")
    data = json.loads(results.read_text("utf-8"))
    assert data["requirements"], "no caps requirement ran"
    assert not not_passed(data), not_passed(data)
    assert outcome.ret == 0


def test_without_a_login_the_caps_tests_say_why_they_did_not_run(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    outcome = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suites.caps", "-p", "no:cacheprovider", "-rs",
        "--ledger", str(tmp_path / "ledger.jsonl"), "--target", "http://127.0.0.1:9")
    assert "caps service not tested: no URL given (--login-uri)" in "\n".join(outcome.outlines)


def test_nothing_is_written_to_an_xinventory_that_is_not_the_grids(
        reference: str, tmp_path: Path, pytester: pytest.Pytester) -> None:
    """An XInventory URL that does not hold the avatar's inventory (another grid's, or a
    profile's stale target) gets no writes: the tests write their data through the
    avatar's AIS3 instead, saying why."""
    other_db = tmp_path / "other.sqlite"
    with ServerThread(create_app(other_db)) as other:
        outcome = pytester.runpytest_inprocess(
            "--pyargs", "conformance.suites.caps", "-p", "no:cacheprovider", "-rs",
            "--ledger", str(tmp_path / "ledger.jsonl"), "--login-uri", reference,
            "--xinventory-url", other.url, "--requirement", "CAPS-CATEGORY-VALUES")
    text = "\n".join(outcome.outlines)
    assert "does not hold the avatar's inventory root" in text
    assert "OBS-CAPS-TEST-DATA" in text
    ledger = (tmp_path / "ledger.jsonl").read_text("utf-8")
    assert '"service": "ais"' in ledger and '"service": "xinventory"' not in ledger


def test_the_reference_passes_every_caps_requirement(run_suite: SuiteRunner) -> None:
    from conformance.catalogue import load_catalogue

    results = run_suite(None, "caps")
    expected = {rid for rid, r in load_catalogue().items() if r.service == "caps"}
    verdicts = {rid: entry["outcome"] for rid, entry in results["requirements"].items()}
    assert set(verdicts) == expected
    assert set(verdicts.values()) == {"passed"}, verdicts
    assert results["exit_code"] == 0
    assert not results["cleanup"]["remaining"]


def test_explicit_capability_urls_work_without_a_login(reference: str, tmp_path: Path,
                                                       pytester: pytest.Pytester) -> None:
    """--agent with the four capability URLs (and XInventory for the root and the data)."""
    agent = CapsSettings().agent_id
    base = f"{reference}/caps/{agent}/"
    results = tmp_path / "results.json"
    outcome = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suites.caps", "-p", "no:cacheprovider", "-q",
        "--results-json", str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
        "--xinventory-url", reference, "--agent", agent,
        "--fetch-descendents-url", base + "FetchInventoryDescendents2",
        "--fetch-inventory-url", base + "FetchInventory2",
        "--fetch-lib-descendents-url", base + "FetchLibDescendents2",
        "--fetch-lib-url", base + "FetchLib2",
        "--deselect", "conformance/suites/caps/test_descendents.py::"
                      "test_a_folder_of_a_thousand_items_is_answered_in_full")
    data = json.loads(results.read_text("utf-8"))
    passed = [rid for rid, entry in data["requirements"].items() if entry["outcome"] == "passed"]
    assert "CAPS-FID-DESCENDENTS" in passed and "CAPS-FI2-ITEMS" in passed
    assert not [rid for rid, entry in data["requirements"].items()
                if entry["outcome"] in ("failed", "blocked", "error")]
    assert outcome.ret == 0
