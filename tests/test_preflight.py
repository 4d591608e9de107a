"""The preflight: a target that does not answer is found before the first test (one
line per service, exit 2), a target that stops answering stops the run, a target off
loopback needs the mode said out loud, and every run's header says what is tested."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from conformance.plugin.preflight import got_no_answer
from conformance.plugin.probes import mode_refusal, preflight
from conformance.reference.app import create_app
from conformance.reference.server import ServerThread
from conformance.resources import schema_violations
from conformance.target import Profile

#: Asset requirements with several tests (more than the fail-fast limit used below).
MANY = ("ASSET-GET-404", "ASSET-POST-RETURNS-ID", "ASSET-GET-200", "ASSET-GET-FULLID",
        "ASSET-FLAGS-SINGLE", "ASSET-FLAGS-DEFAULT")


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    """A port nothing listens on (bound, never listening): connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        yield f"http://{host}:{port}"


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    stop = threading.Event()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        host, port = sock.getsockname()
        held: list[socket.socket] = []

        def accept() -> None:
            sock.settimeout(0.1)
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    held.append(sock.accept()[0])

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{port}"
        finally:
            stop.set()
            thread.join(timeout=5)
            for conn in held:
                conn.close()


def run_asset_suite(pytester: pytest.Pytester, tmp_path: Path, url: str,
                    *extra: str) -> tuple[int, list[str], Path]:
    results = tmp_path / "results.json"
    args = ["--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider",
            "--target", url, "--timeout", "1", "--results-json", str(results),
            "--ledger", str(tmp_path / "ledger.jsonl"), "--hypothesis-profile",
            "fault-injection", *extra]
    outcome = pytester.runpytest_inprocess(*args)
    return int(outcome.ret), outcome.outlines + outcome.errlines, results


def test_a_refused_service_is_one_line_each() -> None:
    with closed_port() as url:
        profile = Profile(target=url, services={"login": url})
        lines = preflight(profile)
    assert lines == [f"asset {url}: connection refused",
                     f"xinventory {url}: connection refused",
                     f"login {url}: connection refused"]


def test_a_silent_service_is_found_within_the_probe_deadline() -> None:
    with silent_server() as url:
        started = time.monotonic()
        lines = preflight(Profile(target=url, timeout=1))
        took = time.monotonic() - started
    assert lines == [f"asset {url}: no answer within 1 s (read timeout)",
                     f"xinventory {url}: no answer within 1 s (read timeout)"]
    assert took < 5, "the services are probed at the same time"


def test_a_live_target_passes_the_preflight(tmp_path: Path) -> None:
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        assert preflight(Profile(target=server.url, services={"login": server.url})) == []


def test_preflight_ends_the_run_before_any_test(pytester: pytest.Pytester,
                                                tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    with closed_port() as url:
        outcome = pytester.runpytest_subprocess(
            "--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider", "--preflight",
            "--target", url, "--results-json", str(results))
    assert outcome.ret == 2
    assert outcome.errlines == [f"opensim-conformance: asset {url}: connection refused",
                                f"opensim-conformance: xinventory {url}: connection refused",
                                "opensim-conformance: no test was run: the target does not "
                                "answer (exit 2)"]
    assert not results.exists()
    assert not any(line.strip() for line in outcome.outlines)


def test_a_target_that_stops_answering_stops_the_run(pytester: pytest.Pytester,
                                                     tmp_path: Path) -> None:
    """No preflight, a target that is gone: after three tests in a row got no answer,
    the services are probed again and the run stops, exit 2, saying so."""
    args = ["--max-transport-failures", "3"]
    for rid in MANY:
        args += ["--requirement", rid]
    with closed_port() as url:
        code, output, results = run_asset_suite(pytester, tmp_path, url, *args)
    assert code == 2, "\n".join(output[-30:])
    assert any("opensim-conformance stopped the run: 3 tests in a row got no answer, and "
               f"asset {url}: connection refused" in line for line in output), output[-10:]
    data = json.loads(results.read_text("utf-8"))
    ran = [test for entry in data["requirements"].values() for test in entry["tests"]]
    assert len(ran) == 3
    assert data["stopped"].startswith("opensim-conformance stopped the run")
    assert schema_violations("results", data) == []


def test_transport_failures_of_a_live_target_do_not_stop_the_run(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    """With a limit of one, every test that got no answer makes the run look again; a
    target that answers the probe is still there and the run goes on."""
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        code, output, results = run_asset_suite(
            pytester, tmp_path, server.url, "--max-transport-failures", "1",
            "--requirement", "ASSET-GET-404", "--requirement", "ASSET-GET-200")
    assert code == 0, "\n".join(output[-30:])
    assert "stopped" not in json.loads(results.read_text("utf-8"))


def report_with(outcome: str, when: str,
                transcript: Sequence[Mapping[str, object]]) -> pytest.TestReport:
    report = pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, outcome,  # type: ignore[arg-type]
                               None, when)  # type: ignore[arg-type]
    report.conformance = {"transcript": transcript}  # type: ignore[attr-defined]
    return report


def test_what_counts_as_no_answer() -> None:
    refused = {"status": None, "error": "connection refused"}
    answered = {"status": 500, "error": None}
    not_sent = {"status": None, "error": "not sent: the run is read-only and this request "
                                         "writes"}
    assert got_no_answer(report_with("failed", "call", [answered, refused])) is True
    assert got_no_answer(report_with("failed", "setup", [refused])) is True
    assert got_no_answer(report_with("failed", "call", [refused, answered])) is False
    assert got_no_answer(report_with("failed", "call", [not_sent])) is False
    assert got_no_answer(report_with("passed", "call", [answered])) is False
    assert got_no_answer(report_with("skipped", "setup", [])) is None
    assert got_no_answer(report_with("passed", "setup", [answered])) is None


@pytest.mark.parametrize(("profile", "refused"), [
    (Profile(), False),
    (Profile(target="http://127.0.0.1:8003"), False),
    (Profile(target="http://[::1]:8003"), False),
    (Profile(target="http://grid.example.org:8003"), True),
    (Profile(target="http://127.0.0.1:8003", services={"ais": "https://caps.example/x"}), True),
    (Profile(target="http://grid.example.org:8003", read_only=True), False),
    (Profile(target="http://grid.example.org:8003", allow_writes=True), False),
])
def test_a_remote_target_needs_a_mode(profile: Profile, refused: bool) -> None:
    refusal = mode_refusal(profile)
    assert (refusal is not None) is refused
    if refusal:
        assert "--read-only" in refusal and "--allow-writes" in refusal


def test_the_header_says_what_is_tested_as_whom_and_how(pytester: pytest.Pytester,
                                                        tmp_path: Path) -> None:
    profile = tmp_path / "grid.toml"
    profile.write_text('principal = "00000000-0000-0000-0000-0000000000ab"\n')
    outcome = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider", "--co",
        "--target", "http://grid.example.org:8003", "--read-only",
        "--xinventory-url", "http://inventory.example.org:8003",
        "--target-profile", str(profile), "--ledger", str(tmp_path / "ledger.jsonl"))
    text = "\n".join(outcome.outlines)
    assert "opensim-conformance target: asset http://grid.example.org:8003" in text
    assert "opensim-conformance target: xinventory http://inventory.example.org:8003" in text
    assert "opensim-conformance not tested (no URL): login," in text
    assert (f"opensim-conformance principal: 00000000-0000-0000-0000-0000000000ab; "
            f"mode: read-only; profile: {profile}") in text


def test_a_quiet_run_still_says_what_it_tests(pytester: pytest.Pytester,
                                              tmp_path: Path) -> None:
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        url = server.url
        code, output, _ = run_asset_suite(pytester, tmp_path, url, "-q",
                                          "--requirement", "ASSET-GET-404")
    assert code == 0
    assert output[0] == f"opensim-conformance target: asset, xinventory {url}"
    assert output[2].startswith("opensim-conformance principal: ")


def test_a_wrong_base_url_is_one_line_naming_it_and_exit_2(pytester: pytest.Pytester,
                                                           tmp_path: Path) -> None:
    """--target http://host:8003/robust/: every service answers 404 at its documented
    path (or, as OpenSimulator's web server does for XInventory, 200 with no document);
    the run ends before any test with one line that names the URLs and the likely
    mistake (the server's root), not thousands of failures."""
    results = tmp_path / "results.json"
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        root = server.url
        wrong = f"{root}/robust/"
        outcome = pytester.runpytest_subprocess(
            "--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider", "--preflight",
            "--target", wrong, "--results-json", str(results))
        assert preflight(Profile(target=server.url)) == []  # the right one passes
    assert outcome.ret == 2
    assert len(outcome.errlines) == 2, outcome.errlines
    line = outcome.errlines[0]
    assert line.startswith("opensim-conformance: no service answers at its documented "
                           "path (asset GET ")
    assert f"xinventory POST {root}/robust/xinventory 404" in line
    assert f"--target is the server's root, e.g. {root} " in line
    assert outcome.errlines[1] == ("opensim-conformance: no test was run: no service is at "
                                   "its documented path (exit 2)")
    assert not results.exists()


@pytest.mark.parametrize(("answers", "wrong"), [
    # OpenSimulator's web server under a wrong base: a 404 page, an empty 200
    ({"asset": ("GET u", 404, b"<HTML>Ooops</HTML>"), "xinventory": ("POST u", 200, b"")}, True),
    ({"xinventory": ("POST u", 404, b"")}, True),
    # a missing asset is a 404 with an empty body: the asset service is there
    ({"asset": ("GET u", 404, b""), "xinventory": ("POST u", 200, b"")}, False),
    ({"asset": ("GET u", 404, b"<p>no</p>"), "xinventory": ("POST u", 200,
                                                             b"<ServerResponse />")}, False),
    ({"asset": ("GET u", 404, b"<p>no</p>")}, False),
])
def test_what_reads_as_a_wrong_base_url(answers: dict[str, tuple[str, int, bytes]],
                                        wrong: bool) -> None:
    from conformance.plugin.probes import wrong_base

    given = {service: (f"{method} http://h:8003/robust/{service}", status, body)
             for service, (method, status, body) in ((s, (a[0].split()[0], a[1], a[2]))
                                                     for s, a in answers.items())}
    assert (wrong_base(given) is not None) == wrong
