"""Hostile or broken targets: writes only where the user allowed them, bounded reads,
no DTD processing, no secret in any report, SIGTERM as SIGINT."""

from __future__ import annotations

import json
import re
import socket
import threading
import tracemalloc
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from conformance.clients.http import OVERSIZED_KEPT, HttpClient, Recorder, TargetFailure
from conformance.reference.app import create_app
from conformance.reference.process import listening_socket
from conformance.reference.server import ServerThread
from conformance.target import Profile, is_loopback
from tests.test_bad_targets import HostileServer, read_request

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
READS = {"GET", "HEAD", "OPTIONS"}


def off_loopback_address() -> str | None:
    """An address of this machine that is not loopback (None: it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only a route is chosen
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.1:8003", True), ("http://localhost:1", True), ("http://[::1]:2", True),
    ("http://127.0.0.2/", True), ("http://0x7f000001/", True),
    ("http://[::ffff:127.0.0.1]:3", True), ("http://192.0.2.2:8003", False),
    ("http://grid.invalid", False),
])
def test_loopback_is_decided_on_the_resolved_address(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_a_capability_off_loopback_needs_allow_writes() -> None:
    profile = Profile(services={"login": "http://127.0.0.1:9000"})
    assert profile.write_refusal() is None
    refusal = profile.write_refusal_for("http://192.0.2.2:9000/CAPS/x")
    assert refusal is not None and "--allow-writes" in refusal and "192.0.2.2:9000" in refusal
    assert profile.write_refusal_for("http://127.1:9000/CAPS/x") is None
    profile.allow_writes = True
    assert profile.write_refusal_for("http://192.0.2.2:9000/CAPS/x") is None


class OffLoopbackCapabilities:
    """The reference server, reached by the login on loopback, but every URL it builds
    (the seed capability and the capabilities) names ``host``: a login tunnelled to
    localhost while the capabilities point at another host. Records each request that
    reached it, with the local address it came in on."""

    def __init__(self, app: Callable[..., Awaitable[None]], host: str) -> None:
        self.app = app
        self.host = host
        self.seen: list[tuple[str, str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["server"][0], scope["method"], scope["path"]))
            port = scope["server"][1]
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope = {**scope, "headers": [*headers, (b"host", f"{self.host}:{port}".encode())]}
        await self.app(scope, receive, send)


def test_no_write_reaches_a_capability_host_that_was_not_allowed(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    host = off_loopback_address()
    if host is None:
        pytest.skip("this machine has no address off loopback")
    app = OffLoopbackCapabilities(create_app(tmp_path / "reference.sqlite"), host)
    results = tmp_path / "results.json"
    with ServerThread(app, listener=listening_socket("0.0.0.0")) as server:
        port = server.url.rsplit(":", 1)[1]
        outcome = pytester.runpytest_inprocess(
            "--pyargs", "conformance.suites.ais", "-p", "no:cacheprovider",
            "--results-json", str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
            "--login-uri", f"http://127.0.0.1:{port}", "--max-transport-failures", "0",
            "-m", "writes", "-rs")
    writes = [seen for seen in app.seen if seen[0] == host and seen[1] not in READS
              and "/CAPS/" in seen[2].upper() and "SEED" not in seen[2].upper()]
    assert writes == [], writes
    assert any(seen[0] == host for seen in app.seen), "the capabilities were never read"
    header = [line for line in outcome.outlines if "capabilities on" in line]
    assert header and f"{host}:{port}" in header[0] and "no --allow-writes" in header[0], \
        outcome.outlines[:10]
    data = json.loads(results.read_text("utf-8"))
    outcomes = {entry["outcome"] for entry in data["requirements"].values()}
    assert outcomes <= {"skipped", "not tested", "passed"}, outcomes
    assert outcome.ret == 0
    reasons = [line for line in outcome.outlines if line.startswith("SKIPPED")]
    assert reasons and any(f"writes to {host}:{port}" in line and "need --allow-writes" in line
                           for line in reasons), reasons[:5]


# ---------------------------------------------------------------- bounded reads

#: The suite's memory against an endless or huge answer stays well under this.
MEMORY_BOUND = 300 << 20


def endless_chunks(conn: socket.socket, stopping: threading.Event) -> None:
    """200, chunked, 64 KiB chunks for ever (as fast as the client reads)."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"<" * 0x10000 + b"\r\n"
    while not stopping.is_set():
        conn.sendall(chunk)


def huge_body(conn: socket.socket, stopping: threading.Event) -> None:
    """200 announcing 2 GiB, sent as fast as the client reads."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                 b"Content-Length: 2147483648\r\n\r\n")
    block = b"\0" * (1 << 20)
    for _ in range(2048):
        if stopping.is_set():
            return
        conn.sendall(block)


@pytest.mark.parametrize("behaviour", [endless_chunks, huge_body],
                         ids=["endless-chunked", "2-GiB-body"])
def test_an_answer_past_the_body_limit_is_cut_off_with_memory_bounded(behaviour: Any) -> None:
    recorder = Recorder()
    with HostileServer(behaviour) as server:
        client = HttpClient(server.url, timeout=5, recorder=recorder)
        tracemalloc.start()
        try:
            with pytest.raises(TargetFailure) as failure:
                client.request("GET", "/assets/x")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            client.close()
    [exchange] = recorder.exchanges
    limit = HttpClient.max_body_size
    assert limit == 64 << 20
    assert exchange.status == 200 and len(exchange.body) == OVERSIZED_KEPT
    assert exchange.error is not None and exchange.error.startswith(
        f"the body is larger than {limit} bytes (--max-body-size)")
    assert "\n" not in str(failure.value)
    assert peak < MEMORY_BOUND, f"peak {peak >> 20} MiB"


def test_the_body_limit_is_an_option_and_a_profile_key(tmp_path: Path) -> None:
    from conformance.target import ProfileError, check_size, profile_from_dict

    assert check_size("64MiB", "x") == 64 << 20 and check_size(1000, "x") == 1000
    assert check_size("2 k", "x") == 2048
    for wrong in ("0", "-1", "lots", True, 1.5, "5 parsecs"):
        with pytest.raises(ProfileError, match="must be a size"):
            check_size(wrong, "--max-body-size")
    assert profile_from_dict({"max_body_size": "1KiB"}).max_body_size == 1024
    recorder = Recorder()
    with HostileServer(endless_chunks) as server:
        client = HttpClient(server.url, timeout=5, recorder=recorder)
        client.max_body_size = 1000
        with pytest.raises(TargetFailure, match=r"larger than 1000 bytes"):
            client.request("GET", "/")
        client.close()
    assert len(recorder.exchanges[0].body) == 1000 < OVERSIZED_KEPT


def trickles(conn: socket.socket, stopping: threading.Event) -> None:
    """A 200 head, then a body of 1 KiB every 50 ms that never ends."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                 b"Content-Length: 100000000\r\n\r\n")
    while not stopping.wait(0.05):
        conn.sendall(b"<" * 1024)


def test_a_trickling_target_stops_the_run_after_five_tests(pytester: pytest.Pytester,
                                                          tmp_path: Path) -> None:
    """Bodies cut at the deadline count as no answer: after five tests in a row the
    probe (which gets no whole answer either) stops the run, exit 2."""
    from tests.test_preflight import MANY

    results = tmp_path / "results.json"
    args = ["--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider",
            "--timeout", "0.2", "--results-json", str(results),
            "--ledger", str(tmp_path / "ledger.jsonl"), "--hypothesis-profile",
            "fault-injection", "--max-transport-failures", "5"]
    for rid in MANY:
        args += ["--requirement", rid]
    with HostileServer(trickles) as server:
        outcome = pytester.runpytest_inprocess(*args, "--target", server.url)
        connections = server.connections
    output = outcome.outlines + outcome.errlines
    assert outcome.ret == 2, "\n".join(output[-30:])
    assert any(re.search(r"stopped the run: 5 tests in a row got no answer, and asset .*: "
                         r"the body did not arrive within 0.6 s", line) for line in output), \
        output[-10:]
    data = json.loads(results.read_text("utf-8"))
    ran = [test for entry in data["requirements"].values() for test in entry["tests"]]
    assert len(ran) == 5
    # five tests, the probe of two services, the read that times the round trip, and
    # the cleanup's one round (one DELETE for each of the five assets posted)
    assert connections <= 5 + 2 + 1 + 5, connections


# ---------------------------------------------------------------- no DTD processing

DOCTYPE = b'<!DOCTYPE llsd [<!ENTITY cap "http://127.0.0.1:1/never">]>'


class DoctypeInSeedReply:
    """The reference server, but its seed capability's reply carries a DTD (a harmless
    entity declaration)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].lower().endswith("/seed"):
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        start: MutableMapping[str, Any] = {}

        async def keep(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                parts.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body = b"".join(parts)
        head, declaration, rest = body.partition(b"?>")
        body = head + declaration + DOCTYPE + rest if declaration else DOCTYPE + body
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers,
                                         (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def test_a_dtd_in_a_seed_reply_is_the_targets_failure(pytester: pytest.Pytester,
                                                       tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    app = DoctypeInSeedReply(create_app(tmp_path / "reference.sqlite"))
    with ServerThread(app) as server:
        outcome = pytester.runpytest_inprocess(
            "--pyargs", "conformance.suites.caps", "-p", "no:cacheprovider", "-q",
            "--results-json", str(results), "--ledger", str(tmp_path / "ledger.jsonl"),
            "--target", server.url, "--login-uri", server.url,
            "--requirement", "CAPS-FID-RESPONSE")
    data = json.loads(results.read_text("utf-8"))
    assert outcome.ret == 1, "\n".join(outcome.outlines[-30:])
    tests = [test for entry in data["requirements"].values() for test in entry["tests"]]
    assert tests and all(test["outcome"] in ("failed", "blocked") for test in tests)
    assert all("DOCTYPE" in test["message"] for test in tests), tests[0]["message"]


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


@pytest.mark.parametrize(("decode", "document"), [
    ("llsd", b"<llsd><string>&lol2;</string></llsd>"),
    ("ais", b"<llsd><string>&lol2;</string></llsd>"),
    ("xinventory", b"<ServerResponse><RESULT>&lol2;</RESULT></ServerResponse>"),
    ("asset", b"<AssetBase><Name>&lol2;</Name></AssetBase>"),
    ("asset-string", b"<string>&lol2;</string>"),
])
def test_every_codec_refuses_a_dtd_as_the_targets_error(decode: str, document: bytes) -> None:
    from conformance.wire import ais, asset, llsd, xinventory
    from conformance.wire.xml import DTD_REFUSED, WireError

    read: dict[str, Callable[[bytes], object]] = {
        "llsd": llsd.parse, "ais": ais.decode, "xinventory": xinventory.parse_response,
        "asset": asset.asset_fields, "asset-string": asset.parse_string_reply}
    with pytest.raises(WireError) as refused:
        read[decode](LAUGHS + document)
    assert str(refused.value) == DTD_REFUSED
    with pytest.raises(WireError, match="not well-formed"):
        read[decode](document)  # an undeclared entity: a parser error, still the target's


# ---------------------------------------------------------------- the reference as a server

BIG = 1 << 63


def raw_exchange(url: str, request: bytes, *, limit: float = 10.0) -> bytes:
    """Send ``request`` as it is and read until the server closes (at most ``limit``
    seconds: a guard, not a measurement)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=limit) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


@pytest.fixture
def grid(tmp_path: Path) -> Any:
    from conformance.reference.app import ReferenceConfig
    from conformance.viewer import log_in

    with ServerThread(create_app(tmp_path / "grid.sqlite",
                                 ReferenceConfig(max_body_size=1 << 20))) as server:
        viewer = log_in(server.url, "Conformance Tester", "conformance", timeout=5,
                        recorder=Recorder())
        yield server.url, viewer


def test_bodies_past_the_limit_are_413(grid: Any) -> None:
    import requests

    url, _ = grid
    announced = requests.post(f"{url}/assets", data=b"<" * ((1 << 20) + 1), timeout=10)
    assert announced.status_code == 413

    def chunks() -> Any:
        for _ in range(40):
            yield b"<" * 65536

    streamed = requests.post(f"{url}/assets", data=chunks(), timeout=10)
    assert streamed.status_code == 413 and "larger than" in streamed.text


def test_a_head_past_the_limit_is_431(grid: Any) -> None:
    url, _ = grid
    answer = raw_exchange(url, b"GET /assets/x HTTP/1.1\r\nHost: a\r\nX-Big: "
                          + b"x" * (1 << 20) + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]


@pytest.mark.parametrize("request_bytes", [b"", b"GET /assets/x HTTP/1.1\r\nHost: a\r\n",
                                           b"POST /assets HTTP/1.1\r\nHost: a\r\n"
                                           b"Content-Length: 100\r\n\r\n<AssetBase>"],
                         ids=["idle", "slow-head", "slow-body"])
def test_slow_and_idle_connections_are_closed(grid: Any, request_bytes: bytes,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.reference import server

    monkeypatch.setattr(server, "REQUEST_DEADLINE", 0.3)
    url, _ = grid
    assert raw_exchange(url, request_bytes) == b""  # closed by the server, no answer


def hostile_requests(url: str, viewer: Any) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(method, URL, headers, body): what a hostile client sends every service."""
    ais = viewer.capabilities["InventoryAPIv3"]
    seed = viewer.seed_capability
    fetch = viewer.capabilities["FetchInventoryDescendents2"]
    json_type = {"Content-Type": "application/json"}
    llsd_type = {"Content-Type": "application/llsd+xml"}
    xml_type = {"Content-Type": "text/xml"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "' + b"e" * 4096 + b'">]>'
    category = {"name": "opensim-conformance hostile", "type_default": -1}
    corpus: list[tuple[str, str, dict[str, str], bytes]] = []
    for key in ("type_default",):
        for value in (BIG, -BIG - 1, 10 ** 40):
            corpus.append(("POST", f"{ais}/category/root", json_type, json.dumps(
                {"categories": [{**category, key: value}]}).encode()))
    for key in ("sale_price", "base_mask"):
        item = {"name": "x", "asset_id": "00000000-0000-0000-0000-000000000001",
                "type": 7, "inv_type": 10, "flags": 0,
                "permissions": {"base_mask": 1, "owner_mask": 1},
                "sale_info": {"sale_price": 0, "sale_type": 0}}
        where = "sale_info" if key == "sale_price" else "permissions"
        item[where] = {**item[where], key: BIG}  # type: ignore[dict-item]
        corpus.append(("POST", f"{ais}/category/root", json_type,
                       json.dumps({"items": [item]}).encode()))
    corpus += [
        ("POST", f"{ais}/category/root", json_type,
         b'{"categories": [{"name": "\\ud800", "type_default": -1}]}'),
        ("PATCH", f"{ais}/category/root", json_type, b'{"name": "\\udfff"}'),
        ("POST", f"{ais}/category/root", llsd_type, dtd + b"<llsd><map><key>categories</key>"
         b"<array><map><key>name</key><string>&e;&e;&e;</string></map></array></map></llsd>"),
        ("POST", f"{ais}/category/root", json_type, b"{" * 100000),
        ("POST", url + "/", xml_type, dtd + b"<methodCall><methodName>login_to_simulator"
         b"</methodName><params><param><value><string>&e;&e;</string></value></param>"
         b"</params></methodCall>"),
        ("POST", seed or url, llsd_type, dtd + b"<llsd><array><string>&e;</string></array></llsd>"),
        ("POST", fetch, llsd_type, dtd + b"<llsd><map><key>folders</key><array/></map></llsd>"),
        ("POST", f"{url}/assets", xml_type, dtd + b"<AssetBase><Name>&e;</Name></AssetBase>"),
        ("POST", f"{url}/assets", xml_type,
         b"<AssetBase><ID>x</ID><Type>99999999999999999999999</Type></AssetBase>"),
        ("POST", f"{url}/xinventory", form,
         b"METHOD=ADDFOLDER&ID=00000000-0000-0000-0000-0000000000aa&Type=99999999999999999999"
         b"&Version=1&Name=%ED%A0%80&ParentID=00000000-0000-0000-0000-000000000000"
         b"&Owner=00000000-0000-0000-0000-0000000000bb"),
        ("POST", f"{url}/xinventory", form, b"METHOD=GETFOLDER&ID=" + b"%FF" * 1000),
        ("POST", f"{url}/assets", xml_type, b"<" * ((1 << 20) + 10)),
    ]
    return corpus


def test_a_barrage_gets_no_500_and_the_store_keeps_what_it_held(grid: Any) -> None:
    """A bounded barrage (a fixed corpus, three rounds) at every service: each answer is
    a 4xx or a success, never a 500; what was stored before reads back the same, and
    the memory of the process (client and server) stays bounded."""
    import requests

    url, viewer = grid
    ais = viewer.capabilities["InventoryAPIv3"]
    created = requests.post(f"{ais}/category/root", json={"categories": [
        {"name": "opensim-conformance kept", "type_default": -1}]}, timeout=10)
    assert created.status_code == 201, created.text
    before = requests.get(f"{ais}/category/root/children", timeout=10).text
    session = requests.Session()
    tracemalloc.start()
    try:
        answers = []
        for _ in range(3):
            for method, target, headers, body in hostile_requests(url, viewer):
                reply = session.request(method, target, headers=headers, data=body,
                                        timeout=10)
                answers.append((method, target, reply.status_code, reply.text[:200]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    errors = [answer for answer in answers if answer[2] >= 500]
    assert errors == [], errors
    assert requests.get(f"{ais}/category/root/children", timeout=10).text == before
    assert peak < MEMORY_BOUND, f"peak {peak >> 20} MiB"


# ---------------------------------------------------------------- secrets

PASSWORD = "Hunter2-Sekret-Pa55"


@pytest.mark.parametrize("options", [["-l", "-vv"], ["--showlocals", "--tb=long"]],
                         ids=["-l -vv", "--showlocals"])
def test_the_password_reaches_no_report(tmp_path: Path, options: list[str]) -> None:
    """A failing login (a wrong password), locals in tracebacks: no file the run writes
    and nothing it prints holds the password or its hash."""
    import subprocess
    import sys

    from conformance.viewer import password_hash

    process = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "--password", PASSWORD, *options,
         "--requirement", "CAPS-FID-RESPONSE", "--requirement", "AIS-CATEGORY-GET",
         "--junitxml", "reports/junit-extra.xml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "results.json" for path in written), process.stdout[-2000:]
    assert any(path.name.endswith("-result.json") for path in written)
    assert "could not log in" in process.stdout and "refused" in process.stdout, \
        process.stdout[-3000:]
    for secret in (PASSWORD, password_hash(PASSWORD), password_hash(PASSWORD)[3:]):
        assert secret not in process.stdout + process.stderr
        leaking = [str(path) for path in written if secret.encode() in path.read_bytes()]
        assert leaking == [], leaking


def test_a_traceback_with_the_password_in_its_locals_is_redacted(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A test whose failing frame holds the password, as the Secret and as plain text
    and hashed: every report shows (redacted) instead."""
    from conformance.viewer import password_hash

    pytester.makepyfile(test_leak="""
        import pytest

        from conformance.clients.http import Exchange, TargetFailure
        from conformance.run import conformance_run
        from conformance.plugin.viewer import credentials
        from conformance.viewer import password_hash

        def test_leak(pytestconfig):
            avatar, password = credentials(pytestconfig)
            plain = "" + str.__str__(password)
            hashed = password_hash(plain)
            print("captured", plain, hashed)
            assert plain == hashed

        @pytest.mark.requirement("ASSET-GET-404")
        def test_a_target_echoes_it(pytestconfig):
            plain = "" + str.__str__(credentials(pytestconfig)[1])
            conformance_run(pytestconfig).recorder.record(Exchange(
                "GET", "http://127.0.0.1:1/x", {}, b"", status=200,
                body=f"you said {plain}".encode()))
            raise TargetFailure(f"the target answered {plain}")
    """)
    reports = tmp_path / "reports"
    outcome = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-l", "-vv", "--password", PASSWORD,
        "--junitxml", str(reports / "junit.xml"), "--results-json",
        str(reports / "results.json"), "--html-report", str(reports / "report.html"),
        "--alluredir", str(reports / "allure"))
    output = "\n".join(outcome.outlines + outcome.errlines)
    assert outcome.ret == 1, output[-3000:]
    assert "password   = '(redacted)'" in output or "password = '(redacted)'" in output, \
        output[-3000:]
    written = [path for path in reports.rglob("*") if path.is_file()]
    assert len(written) >= 4, written
    assert "you said (redacted)" in (reports / "results.json").read_text("utf-8")
    for secret in (PASSWORD, password_hash(PASSWORD), password_hash(PASSWORD)[3:]):
        assert secret not in output
        leaking = [str(path) for path in written if secret.encode() in path.read_bytes()]
        assert leaking == [], leaking


# ---------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [2, 15], ids=["SIGINT", "SIGTERM"])
def test_sigterm_interrupts_as_sigint_does(tmp_path: Path, signum: int) -> None:
    """The command, stopped by a signal once its tests run: it says "interrupted",
    removes what it created, leaves its reports marked interrupted and exits 130, for
    SIGTERM as for SIGINT."""
    import os
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "-m", "asset or xinventory"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    seen: list[str] = []
    try:
        for line in process.stdout:
            seen.append(line)
            if "suites/" in line and ("test_" in line):  # a module's tests have run
                process.send_signal(signum)
                break
        rest, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(seen) + rest
    assert process.returncode == 130, output[-3000:]  # interrupted: no verdict
    name = "SIGINT" if signum == 2 else "SIGTERM"
    assert f"opensim-conformance: interrupted ({name})" in output, output[-3000:]
    assert re.search(r"cleanup: all \d+ created objects were removed", output), output[-3000:]
    results = json.loads((tmp_path / "reports" / "results.json").read_text("utf-8"))
    assert results["interrupted"] is True


def test_dtds_out_of_range_integers_and_lone_surrogates_are_400(grid: Any) -> None:
    import requests

    url, viewer = grid
    for method, target, headers, body in hostile_requests(url, viewer):
        if target.endswith("/xinventory") or len(body) > 1 << 20:
            continue  # XInventory answers RESULT False (as OpenSimulator); 413 above
        reply = requests.request(method, target, headers=headers, data=body, timeout=10)
        assert reply.status_code == 400, (method, target, body[:120], reply.text[:200])


def test_a_login_reply_with_a_dtd_is_the_grids_failure() -> None:
    from conformance.clients.http import Exchange
    from conformance.viewer import LoginFailed, login_reply

    body = (b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "' + b"e" * 1000 + b'">]>'
            b"<methodResponse><params><param><value><string>&e;&e;</string></value>"
            b"</param></params></methodResponse>")
    exchange = Exchange("POST", "http://127.0.0.1:1/", {}, b"", status=200, body=body)
    with pytest.raises(LoginFailed, match="DOCTYPE"):
        login_reply(exchange)
