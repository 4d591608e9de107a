"""The HTTP layer every service client stands on.

One ``requests.Session`` per client (connection reuse); every exchange is recorded
into the current test's transcript; transport trouble (timeouts, refused or reset
connections) becomes a ``TargetFailure`` with a one-line cause, never a hang or an
internal error. In read-only mode the client itself refuses anything that writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import itertools
import math
import os
import re
import shlex
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import requests.utils
import urllib3
import urllib3.connection
import urllib3.response

from conformance import tool_version
from conformance.clients.causes import HeadTimeout, body_cause, transport_cause
from conformance.connections import limit

#: How much of a body a failure message shows.
BODY_PREVIEW = 2000
#: The largest body an answer may have (``--max-body-size``): far above any real answer.
MAX_BODY_SIZE = 64 << 20
#: How much of a body past the limit the exchange keeps (for the report).
OVERSIZED_KEPT = 1 << 16
#: Causes of an exchange whose head came but whose body never did (it trickled past the
#: deadline, stopped, or went on past the size limit): for the stop after N tests in a
#: row, "no answer" as much as a refused connection.
STALLED = ("the body did not arrive within", "the body stopped arriving",
           "the body is larger than")


def no_answer(status: int | None, error: str | None) -> bool:
    """Whether an exchange got no usable answer: none at all, or a body that stalled."""
    if error is None or error.startswith("not sent"):
        return False
    return status is None or error.startswith(STALLED)


#: The deadline (seconds) for the head of the response being read in this thread.
_HEAD_DEADLINE: ContextVar[float] = ContextVar("head_deadline", default=30.0)


class _Watchdog:
    """One thread that calls what is overdue: the deadlines of every response head being
    read (a thread a request would cost more CPU than the rest of the exchange)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._due: dict[int, tuple[float, Callable[[], None]]] = {}
        self._tokens = itertools.count()
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, expire: Callable[[], None]) -> int:
        deadline = time.monotonic() + seconds
        with self._condition:
            token = next(self._tokens)
            self._due[token] = (deadline, expire)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                 name="conformance-deadlines")
                self._thread.start()
            if deadline < self._wake_at:
                self._condition.notify()
        return token

    def cancel(self, token: int) -> None:
        with self._condition:
            self._due.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._condition:
                now = time.monotonic()
                overdue = [token for token, (deadline, _) in self._due.items()
                           if deadline <= now]
                calls = [self._due.pop(token)[1] for token in overdue]
                if not calls:
                    self._wake_at = min((d for d, _ in self._due.values()), default=now + 60)
                    self._condition.wait(self._wake_at - now)
                    self._wake_at = math.inf
                    continue
            for call in calls:
                with contextlib.suppress(Exception):
                    call()


_WATCHDOG = _Watchdog()


class _DeadlineConnection(urllib3.connection.HTTPConnection):
    """Reads the response head under a deadline: a target that trickles its status
    line or headers a byte at a time (each read within the timeout) would otherwise
    hold the run for ever. At the deadline the watchdog shuts the socket, and the read
    that was waiting fails as a HeadTimeout."""

    def getresponse(self) -> urllib3.response.BaseHTTPResponse:  # type: ignore[override]
        deadline = _HEAD_DEADLINE.get()
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)

        token = _WATCHDOG.watch(deadline, expire)
        try:
            response = super().getresponse()
        except Exception as exc:
            if expired.is_set():
                raise HeadTimeout(deadline) from exc
            raise
        finally:
            _WATCHDOG.cancel(token)
        if expired.is_set():  # a head cut by the shutdown can read as complete
            raise HeadTimeout(deadline)
        return response


class _DeadlineSConnection(_DeadlineConnection, urllib3.connection.HTTPSConnection):
    pass


class _DeadlinePool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _DeadlinePool,
                                                   "https": _DeadlineSPool}


class TargetFailure(AssertionError):
    """The target did not behave: raised as a test failure, with a one-line cause."""


class SuiteError(Exception):
    """A bug of the suite itself: reported apart, never blamed on the target."""


class ReadOnlyViolation(SuiteError):
    """A request that writes was attempted while the run is read-only (a test that
    writes lacks its ``writes`` marker)."""


@dataclass
class Exchange:
    """One request and what came back (a response, or the cause of no response)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    elapsed_ms: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def curl(self) -> str:
        """A curl command line that sends the same request."""
        parts = ["curl", "-sS", "-i", "-X", self.method]
        for key, value in self.request_headers.items():
            parts += ["-H", f"{key}: {value}"]
        if self.request_body:
            body = _text(self.request_body)
            if body is None or len(body) > BODY_PREVIEW:
                parts += ["--data-binary", f"@{body_file(self.request_body)}"]
            else:
                parts += ["--data-binary", body]
        parts.append(self.url)
        return " ".join(shlex.quote(part) for part in parts)

    def describe(self) -> str:
        """The exchange as an implementer reads it in a failure report."""
        lines = [f"Request:  {self.method} {self.url}"]
        lines += [f"  {key}: {value}" for key, value in self.request_headers.items()]
        if self.request_body:
            lines.append("  " + _preview(self.request_body, True).replace("\n", "\n  "))
        if self.status is None:
            lines.append(f"Response: none ({self.error})")
        else:
            incomplete = f" (incomplete: {self.error})" if self.error is not None else ""
            lines.append(f"Response: {self.status} {self.reason}{incomplete}")
            lines += [f"  {key}: {value}" for key, value in self.headers.items()]
            if self.body:
                lines.append("  " + _preview(self.body, True).replace("\n", "\n  "))
            else:
                lines.append("  (empty body)")
        lines.append(f"Reproduce: {self.curl()}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": self.request_headers,
            "request_body": _preview(self.request_body),
            "status": self.status,
            "reason": self.reason,
            "headers": self.headers,
            "body": _preview(self.body),
            "error": self.error,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "curl": self.curl(),
        }


#: How every client verifies TLS certificates (``use_tls``): True (certifi's
#: authorities), a CA bundle file, or False (``--insecure``).
_TLS: list[bool | str] = [True]


def use_tls(verify: bool | str) -> None:
    """Verify the targets' certificates with ``verify`` (``Profile.tls_verify()``)."""
    _TLS[0] = verify
    if verify is False:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


#: Where request bodies that a command line cannot carry are written for the curl line
#: (``keep_bodies_in``; the plugin puts them beside the reports).
_BODIES: list[Path] = [Path(tempfile.gettempdir()) / "opensim-conformance-bodies"]


def keep_bodies_in(folder: Path) -> None:
    """Write the bodies the curl lines send from a file into ``folder``."""
    _BODIES[0] = folder


def body_file(body: bytes) -> Path:
    """The file that holds ``body`` (named by its hash, written once), for
    ``curl --data-binary @FILE``."""
    path = _BODIES[0] / f"request-{hashlib.sha256(body).hexdigest()[:16]}.bin"
    if path.is_file():
        with contextlib.suppress(OSError):
            os.utime(path)  # this run's too: the command keeps only its run's bodies
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{threading.get_ident()}.partial")
        partial.write_bytes(body)
        os.replace(partial, path)
    return path


def _text(body: bytes) -> str | None:
    """The body as printable text (UTF-8 without control characters but tab and
    newline), or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else text


#: Control characters a terminal must not get raw (all but tab and newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _preview(body: bytes, printable: bool = False) -> str:
    """The body as text, cut at ``BODY_PREVIEW`` characters; ``printable``: as a
    terminal shows it, bytes that are not UTF-8 and control characters escaped
    (``\\xff``, ``\\x00``), so that a log stays text."""
    if printable:
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}",
                            body.decode("utf-8", errors="backslashreplace"))
    else:
        text = body.decode("utf-8", errors="replace")
    if len(text) > BODY_PREVIEW:
        return f"{text[:BODY_PREVIEW]}… ({len(body)} bytes in all)"
    return text


@dataclass
class _Log:
    exchanges: list[Exchange] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)


class Recorder:
    """Collects the exchanges, and what was observed, of the test that is running.

    Each test has its own log: ``start()`` begins one in the calling thread's context,
    and threads a test starts for its own requests (``conformance.side_by_side.each``)
    run in a copy of that context, so what they send lands in the test's log."""

    def __init__(self) -> None:
        self._shared = _Log()
        self._log: ContextVar[_Log] = ContextVar(f"recorder-{id(self)}")

    @property
    def exchanges(self) -> list[Exchange]:
        return self._log.get(self._shared).exchanges

    @property
    def observations(self) -> list[str]:
        return self._log.get(self._shared).observations

    def start(self) -> None:
        self._log.set(_Log())

    def observe(self, text: str, about: str | None = None) -> None:
        """Note what the target did, beside the verdict (e.g. which of two allowed
        forms it uses); ``about`` is the observation's ID in conformance/observations.toml,
        by which comparisons of two runs pair what each saw."""
        self.observations.append(text if about is None else f"{about}: {text}")

    def record(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class HttpClient:
    """Sends requests to one service base URL and records each exchange."""

    #: The largest body read from an answer; the run sets it (``--max-body-size``).
    max_body_size: int = MAX_BODY_SIZE

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        recorder: Recorder,
        read_only: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.recorder = recorder
        self.read_only = read_only
        self.session = requests.Session()
        # As many pooled connections as the run may have under way (--max-connections);
        # a request beyond the limit waits in ``request`` for a slot: side by side is
        # never a flood of a real grid, whatever the threads and xdist workers.
        most = limit().most
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, _DeadlineAdapter(pool_maxsize=most, pool_block=True))
        # The environment's proxy settings are read once, here: requests reads them (and
        # ~/.netrc) again for every request otherwise, which costs more CPU than the rest
        # of an exchange. Credentials come from the profile, not from ~/.netrc.
        self.session.trust_env = False
        # ... so the CA bundle comes from the profile (which reads REQUESTS_CA_BUNDLE
        # and SSL_CERT_FILE from the environment): ``use_tls``.
        self.session.verify = _TLS[0]
        self.session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.session.headers.update({"User-Agent": f"opensim-conformance/{tool_version()}"})
        self.session.headers.update(headers or {})

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        writes: bool | None = None,
    ) -> Exchange:
        """Send one request. ``writes`` says whether it changes the target's data
        (by default: any method but GET, HEAD and OPTIONS)."""
        if writes is None:
            writes = method.upper() not in READ_METHODS
        url = self.base_url + path
        sent_headers = dict(headers or {})
        exchange = Exchange(method.upper(), url, sent_headers, body)
        if writes and self.read_only:
            exchange.error = "not sent: the run is read-only and this request writes"
            self.recorder.record(exchange)
            raise ReadOnlyViolation(f"refused to send {method} {url}: the run is read-only")
        self.recorder.record(exchange)
        started = time.monotonic()
        _HEAD_DEADLINE.set(self.total_timeout)
        try:
            with limit().held():
                started = time.monotonic()
                try:
                    response = self.session.request(
                        method, url, data=body or None, headers=sent_headers,
                        timeout=self.timeout, allow_redirects=False, stream=True,
                    )
                except requests.exceptions.RequestException as exc:
                    exchange.error = transport_cause(exc, self.timeout)
                else:
                    exchange.status = response.status_code
                    exchange.reason = response.reason or ""
                    exchange.headers = dict(response.headers)
                    self._read_body(response, exchange, started + self.total_timeout)
        finally:
            exchange.elapsed_ms = (time.monotonic() - started) * 1000
        if exchange.error is not None:
            raise TargetFailure(f"{method} {url}: {exchange.error}")
        return exchange

    @property
    def total_timeout(self) -> float:
        """The most one exchange may take, body included (a trickling target)."""
        return self.timeout * 3

    def _read_body(self, response: requests.Response, exchange: Exchange,
                   deadline: float) -> None:
        """Read the body into ``exchange``; on trouble, keep what arrived and set its
        ``error``. ``read1`` returns whatever one read brings, so a body trickling in
        a byte at a time is still cut off at the deadline; a body larger than
        ``max_body_size`` is cut off there (what is kept stays within the limit), and
        the connection is closed, not drained."""
        chunks: list[bytes] = []
        received = 0
        limit = self.max_body_size
        try:
            with response:
                while chunk := response.raw.read1(1 << 16, decode_content=True):
                    received += len(chunk)
                    if received > limit:
                        exchange.error = (f"the body is larger than {limit} bytes "
                                          f"(--max-body-size): not read past {received}")
                        chunks = _head([*chunks, chunk], min(limit, OVERSIZED_KEPT))
                        break
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        exchange.error = (f"the body did not arrive within "
                                          f"{self.total_timeout:g} s ({received} "
                                          f"bytes arrived)")
                        break
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            exchange.error = body_cause(exc, self.timeout, received)
        exchange.body = b"".join(chunks)


def _head(chunks: list[bytes], size: int) -> list[bytes]:
    """The first ``size`` bytes of ``chunks``."""
    kept: list[bytes] = []
    for chunk in chunks:
        kept.append(chunk[:size - sum(map(len, kept))])
        if sum(map(len, kept)) >= size:
            break
    return kept
