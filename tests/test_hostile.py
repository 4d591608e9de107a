"""Hostile or broken targets: writes only where the user allowed them, bounded reads,
no DTD processing, no secret in any report, SIGTERM as SIGINT."""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.app import create_app
from conformance.reference.server import ServerThread, listening_socket
from conformance.target import Profile, is_loopback

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
