"""Bad targets: a target that hangs, resets connections or answers garbage produces
clear test failures (a one-line cause each), never a hung or crashed run.

Each hostile server below listens on 127.0.0.1 (an ephemeral port, bound before its
thread starts) and misbehaves in one way on every connection. A slice of the asset
suite runs against it in-process; the run must end, exit 1 (test failures, not an
internal or usage error), and report every test of the slice as ``failed`` with a
cause an implementer can read.
"""

from __future__ import annotations

import _thread
import contextlib
import itertools
import json
import re
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.connections import DEFAULT_MOST
from conformance.reference.server import ServerThread

#: Per-request timeout the suite runs with against a hostile server.
TIMEOUT = 1
#: A run against a hostile server must end well within this (a guard against hangs,
#: not a speed test).
WALL_TIME_BOUND = 30.0
#: Past this a run is interrupted: a hang here must never hang CI.
HARD_LIMIT = 90.0
#: One read-only requirement and one that writes (so session-end cleanup has work).
SLICE = ("ASSET-GET-404", "ASSET-POST-RETURNS-ID")

Behaviour = Callable[[socket.socket, threading.Event], None]


# ---------------------------------------------------------------- hostile servers


class HostileServer(socketserver.ThreadingTCPServer):
    """A TCP server on loopback that treats every connection with ``behaviour``.

    The constructor binds and listens, so the URL works before ``serve_forever`` runs.
    ``stopping`` is set on close: behaviours that hold a connection wait on it.
    """

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128  # a burst of the run's connections waits to be accepted

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stopping = threading.Event()
        self.connections = 0  # accepted so far
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True, name="hostile-server")

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        self.server.connections += 1
        with contextlib.suppress(OSError):  # the client gave up on us: the point
            self.server.behaviour(self.request, self.server.stopping)


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (head and Content-Length body), so that closing the
    connection afterwards sends a FIN, not a RST for unread data."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def hangs(conn: socket.socket, stopping: threading.Event) -> None:
    """Accepts the connection and never answers."""
    read_request(conn)
    stopping.wait()


def resets(conn: socket.socket, stopping: threading.Event) -> None:
    """Accepts and resets the connection at once (SO_LINGER 0: close sends a RST)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def closes(conn: socket.socket, stopping: threading.Event) -> None:
    """Reads the request and closes the connection without a word (a FIN)."""
    read_request(conn)
    conn.shutdown(socket.SHUT_RDWR)


def answers_not_http(conn: socket.socket, stopping: threading.Event) -> None:
    """Answers bytes that are not HTTP (another protocol's greeting), then closes."""
    read_request(conn)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6 not a web server\r\n\x00\x01\x02\xff")
    conn.shutdown(socket.SHUT_RDWR)


def trickles(conn: socket.socket, stopping: threading.Event) -> None:
    """Answers a 200 head, then a body one byte at a time, forever: each byte arrives
    well within the read timeout, the body never ends."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                 b"Content-Length: 100000000\r\n\r\n")
    while not stopping.wait(0.05):
        conn.sendall(b"<")


def trickles_head(conn: socket.socket, stopping: threading.Event) -> None:
    """Answers the status line and headers one byte at a time, for ever: each byte well
    within the read timeout, the head never complete."""
    read_request(conn)
    for byte in itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 60):
        if stopping.wait(0.05):
            return
        conn.sendall(bytes([byte]))


def cuts_off_body(conn: socket.socket, stopping: threading.Event) -> None:
    """Says Content-Length 1000, sends 19 bytes and closes."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n"
                 b"\r\n<string>cut off her")
    conn.shutdown(socket.SHUT_RDWR)


def stalls_mid_body(conn: socket.socket, stopping: threading.Event) -> None:
    """Says Content-Length 1000, sends 19 bytes and keeps the connection open."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n"
                 b"\r\n<string>stalled her")
    stopping.wait()


def garbage_app() -> Starlette:
    """Well-formed HTTP: 200 with a body that is not XML, whatever is asked."""

    async def garbage(request: Request) -> Response:
        await request.body()
        return Response(b"<<not xml at all>> &&& \x00\x9f\xff", status_code=200,
                        media_type="text/xml")

    methods = ["GET", "POST", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", garbage, methods=methods)])


# A target is a context manager that serves and yields the URL to run against.
TargetFactory = Callable[[], AbstractContextManager[str]]


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    """A port nothing listens on: bound (so nothing else takes it), never listening,
    so a connection attempt is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        yield f"http://{host}:{port}"


def hostile(behaviour: Behaviour) -> TargetFactory:
    @contextlib.contextmanager
    def serve() -> Iterator[str]:
        with HostileServer(behaviour) as server:
            yield server.url
    return serve


@contextlib.contextmanager
def well_formed_garbage() -> Iterator[str]:
    with ServerThread(garbage_app()) as server:
        yield server.url


# ---------------------------------------------------------------- running the suite


@dataclass
class Run:
    results: dict[str, Any]
    exit_code: int
    output: list[str]
    seconds: float

    def tests(self, requirements: tuple[str, ...]) -> list[dict[str, Any]]:
        return [test for rid in requirements
                for test in self.results["requirements"].get(rid, {}).get("tests", [])]


def run_slice(pytester: pytest.Pytester, tmp_path: Path, url: str,
              requirements: tuple[str, ...]) -> Run:
    """Run the asset tests of ``requirements`` against ``url`` in-process."""
    results = tmp_path / "results.json"
    args = ["--pyargs", "conformance.suites.asset", "-p", "no:cacheprovider", "-q",
            "--target", url, "--timeout", str(TIMEOUT), "--results-json", str(results),
            "--ledger", str(tmp_path / "ledger.jsonl"),
            "--hypothesis-profile", "fault-injection"]
    for rid in requirements:
        args += ["--requirement", rid]
    # The guard of last resort: interrupt the run (a KeyboardInterrupt in this thread,
    # which the inner session reports as interrupted) rather than hang CI.
    watchdog = threading.Timer(HARD_LIMIT, _thread.interrupt_main)
    watchdog.start()
    started = time.monotonic()
    try:
        outcome = pytester.runpytest_inprocess(*args)
    finally:
        seconds = time.monotonic() - started
        watchdog.cancel()
    if not results.exists():
        pytest.fail(f"the suite wrote no results (exit {outcome.ret}):\n"
                    + "\n".join(outcome.outlines[-40:]))
    return Run(json.loads(results.read_text("utf-8")), int(outcome.ret), outcome.outlines,
               seconds)


def failure_cause(message: str) -> str | None:
    """The one-line cause of a failure report ("Failed: <cause>"), or of a blocked test
    ("Blocked (not judged): <the step>: <cause>")."""
    match = re.search(r"^(?:Failed|Blocked \(not judged\): [^:]*): (.*)$", message,
                      re.MULTILINE)
    return match.group(1) if match else None


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    target: TargetFactory
    #: every test's one-line cause must match this
    cause: str
    requirements: tuple[str, ...] = SLICE


CASES = [
    Case("hangs", hostile(hangs), rf"no answer within {TIMEOUT} s \(read timeout\)$"),
    # Depending on timing the kernel reports the RST as a reset or, when it lands
    # before the request is written, as an end of stream: both say the target hung up.
    Case("resets", hostile(resets),
         r"connection reset|the target closed the connection without a response$"),
    Case("closes", hostile(closes), r"the target closed the connection without a response$"),
    Case("not-http", hostile(answers_not_http),
         r"the answer is not HTTP \(status line 'SSH-2\.0"),
    Case("garbage-body", well_formed_garbage,
         r"^expected HTTP status 404, got 200$|^the body is not a <string> document: "
         r"|^the body is not an <AssetBase> document: "),
    # The sample these tests read is stored in a fixture: its failure blocks the test.
    Case("garbage-body-in-setup", well_formed_garbage,
         r"^the body is not a <string> document: ", ("ASSET-GET-200", "ASSET-GET-FULLID")),
    # Each test takes the whole body deadline (3 timeouts): a short, read-only slice.
    Case("trickles", hostile(trickles),
         rf"the body did not arrive within {3 * TIMEOUT} s \(\d+ bytes arrived\)$",
         ("ASSET-GET-404",)),
    Case("trickles-head", hostile(trickles_head),
         rf"the status line and headers did not arrive within {3 * TIMEOUT} s$",
         ("ASSET-GET-404",)),
    Case("refused", closed_port, r"connection refused$"),
    Case("cut-off-body", hostile(cuts_off_body),
         r"the body was cut off: the connection closed after 19 bytes, 981 more announced"),
    Case("stalls-mid-body", hostile(stalls_mid_body),
         rf"the body stopped arriving: nothing more within {TIMEOUT} s \(read timeout, "
         r"19 bytes arrived\)$"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_target_fails_each_test_with_a_one_line_cause(
        case: Case, pytester: pytest.Pytester, tmp_path: Path) -> None:
    with case.target() as url:
        run = run_slice(pytester, tmp_path, url, case.requirements)
    assert run.seconds < WALL_TIME_BOUND, f"the run took {run.seconds:.1f} s"
    assert run.exit_code == 1, "test failures, not an internal or usage error:\n" + "\n".join(
        run.output[-30:])
    tests = run.tests(case.requirements)
    assert tests, "no test of the slice ran"
    for test in tests:
        # a test whose first step (storing what it reads) got no proper answer is blocked
        assert test["outcome"] in ("failed", "blocked"), (
            f"{test['nodeid']}: {test['outcome']}\n{test['message']}")
        assert "Traceback" not in test["message"], test["message"]
        cause = failure_cause(test["message"])
        assert cause is not None, f"{test['nodeid']}: no one-line cause in\n{test['message']}"
        assert re.search(case.cause, cause), f"{test['nodeid']}: {cause}"
        assert test["transcript"], f"{test['nodeid']}: no transcript"
    for rid in case.requirements:
        assert run.results["requirements"][rid]["outcome"] in ("failed", "blocked")
    assert not any(line.startswith("INTERNALERROR") for line in run.output)
    assert not any(re.search(r"\d+ errors?\b", line) for line in run.output[-3:]), (
        "the terminal must count these as failures, not errors")


def test_transport_failure_is_in_the_transcript(pytester: pytest.Pytester,
                                                tmp_path: Path) -> None:
    """The exchange that got no answer is recorded: what was sent, why nothing came
    back, and a curl line to try it by hand."""
    with hostile(hangs)() as url:
        run = run_slice(pytester, tmp_path, url, ("ASSET-GET-404",))
    for test in run.tests(("ASSET-GET-404",)):
        [exchange] = test["transcript"]
        assert exchange["method"] == "GET" and exchange["url"].startswith(url + "/assets/")
        assert exchange["status"] is None
        assert exchange["error"] == f"no answer within {TIMEOUT} s (read timeout)"
        assert exchange["curl"].startswith("curl ") and url in exchange["curl"]
        assert "Response: none (no answer within" in test["message"]
        assert "Reproduce: curl" in test["message"]


def test_partial_answer_keeps_status_headers_and_what_arrived(pytester: pytest.Pytester,
                                                              tmp_path: Path) -> None:
    with hostile(cuts_off_body)() as url:
        run = run_slice(pytester, tmp_path, url, ("ASSET-GET-404",))
    for test in run.tests(("ASSET-GET-404",)):
        [exchange] = test["transcript"]
        assert exchange["status"] == 200
        assert exchange["headers"]["Content-Length"] == "1000"
        assert exchange["body"] == "<string>cut off her"
        assert exchange["error"].startswith("the body was cut off")
        assert "Response: 200 OK (incomplete: the body was cut off" in test["message"]


def test_cleanup_gives_up_on_a_hanging_target_and_keeps_the_ledger(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Session-end cleanup sends at most one round of side-by-side requests (at most
    --max-connections) to a target that does not answer, then gives up on it, and the summary names
    what remains and the ledger to retry."""
    with HostileServer(hangs) as server:
        run = run_slice(pytester, tmp_path, server.url, ("ASSET-POST-RETURNS-ID",))
    posts = sum(exchange["method"] == "POST" for test in run.tests(("ASSET-POST-RETURNS-ID",))
                for exchange in test["transcript"])
    created = run.results["cleanup"]["created"]
    assert created == posts >= 2
    assert len(run.results["cleanup"]["remaining"]) == created
    timing = 1  # the read that times the round trip before the run
    most = posts + timing + min(created, DEFAULT_MOST)
    assert posts + timing + 1 <= server.connections <= most, \
        "cleanup gives up after its first round of timeouts"
    summary = "\n".join(run.output)
    assert f"cleanup: {created} of {created} created objects remain on the target" in summary
    assert str(tmp_path / "ledger.jsonl") in summary
