"""Why an exchange got no answer, or no whole body, said in one line an implementer can
act on: refused, reset, silent, not HTTP, a name that does not resolve, a TLS handshake
that failed and why, a body that stopped arriving."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator

import requests
import urllib3


class HeadTimeout(TimeoutError):
    """The status line and headers did not arrive by the exchange's deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__(f"no complete head within {deadline:g} s")
        self.deadline = deadline



def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it wraps (requests wraps urllib3, which wraps
    http.client and socket errors, in ``args``, ``reason``, ``__cause__``)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            nested.append(reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                nested.append(linked)
        pending.extend(nested)


def _first(exc: BaseException, *kinds: type[BaseException]) -> BaseException | None:
    return next((e for e in _chain(exc) if isinstance(e, kinds)), None)


def _shown(data: object, limit: int = 60) -> str:
    """A short, printable excerpt of what the target sent."""
    if isinstance(data, bytes):
        data = data.decode("latin-1")
    text = repr(str(data))
    return text if len(text) <= limit else text[:limit] + "…"


def _peer_cause(exc: BaseException) -> str | None:
    """The cause when the target hung up, reset, or answered something that is not
    HTTP; None when the chain shows none of those."""
    not_http = _first(exc, http.client.BadStatusLine, http.client.LineTooLong)
    if isinstance(not_http, http.client.RemoteDisconnected):
        return "the target closed the connection without a response"
    if isinstance(not_http, http.client.LineTooLong):
        return f"the answer is not HTTP ({not_http})"
    if isinstance(not_http, http.client.BadStatusLine):
        line = not_http.line if hasattr(not_http, "line") else not_http.args[0]
        return f"the answer is not HTTP (status line {_shown(line)})"
    if _first(exc, ConnectionResetError):
        return "connection reset by the target"
    if _first(exc, BrokenPipeError, ConnectionAbortedError):
        return "connection reset or closed by the target while the request was sent"
    return None


def transport_cause(exc: requests.exceptions.RequestException, timeout: float) -> str:
    """A one-line cause for a request that got no usable response."""
    head = _first(exc, HeadTimeout)
    if isinstance(head, HeadTimeout):
        return f"the status line and headers did not arrive within {head.deadline:g} s"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout:g} s (connect timeout)"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout:g} s (read timeout)"
    if _first(exc, ConnectionRefusedError) or "Connection refused" in str(exc):
        return "connection refused"
    tls = _tls_cause(exc)
    if tls is not None:
        return tls
    unresolved = _first(exc, urllib3.exceptions.NameResolutionError, socket.gaierror)
    if unresolved is not None:
        host = getattr(getattr(unresolved, "conn", None), "host", None)
        name = f"the host name {host!r}" if host else "the host name"
        return f"{name} does not resolve (DNS: {_resolver_text(unresolved)})"
    peer = _peer_cause(exc)
    if peer is not None:
        return peer
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "reset" in text.lower() or "aborted" in text.lower():
            return "connection reset or closed before a complete response"
        return f"connection error: {_one_line(text)}"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the response body could not be decoded (Content-Encoding)"
    return f"{type(exc).__name__}: {_one_line(str(exc))}"


def _resolver_text(exc: BaseException) -> str:
    gai = _first(exc, socket.gaierror)
    return str(gai.strerror) if isinstance(gai, socket.gaierror) and gai.strerror else "unknown"


def _tls_cause(exc: BaseException) -> str | None:
    """One line for a failed TLS handshake: a certificate that is not trusted or does
    not name the host, a plain-HTTP port on an https:// URL; None when no TLS error."""
    failure = _first(exc, ssl.SSLError, requests.exceptions.SSLError,
                     urllib3.exceptions.SSLError)
    if failure is None:
        return None
    verify = _first(exc, ssl.SSLCertVerificationError)
    text = " ".join(str(e) for e in _chain(exc))
    if isinstance(verify, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = getattr(verify, "verify_message", None) or "certificate verify failed"
        if "mismatch" in str(detail) or "doesn't match" in text:
            return (f"TLS handshake failed: the certificate does not name this host "
                    f"({detail})")
        return (f"TLS handshake failed: the target's certificate is not trusted ({detail}); "
                f"give its certificate authority with --ca-bundle FILE (or "
                f"REQUESTS_CA_BUNDLE), or --insecure")
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or (
            "http request" in text.lower()):
        return ("TLS handshake failed: the port answers plain HTTP, not TLS "
                "(use http:// for this URL)")
    reason = next((e for e in _chain(exc) if isinstance(e, ssl.SSLError)), failure)
    return f"TLS handshake failed: {_one_line(str(reason))}"


def body_cause(exc: BaseException, timeout: float, received: int) -> str:
    """A one-line cause for a body that stopped short (the status and headers came)."""
    if _first(exc, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return (f"the body stopped arriving: nothing more within {timeout:g} s "
                f"(read timeout, {received} bytes arrived)")
    incomplete = _first(exc, http.client.IncompleteRead, urllib3.exceptions.IncompleteRead)
    if incomplete is not None:
        expected = getattr(incomplete, "expected", None)
        more = f", {expected} more announced" if isinstance(expected, int) else ""
        return (f"the body was cut off: the connection closed after {received} bytes"
                f"{more} (Content-Length or chunked encoding not honoured)")
    if isinstance(exc, urllib3.exceptions.DecodeError):
        return f"the body could not be decoded (Content-Encoding): {_one_line(str(exc))}"
    peer = _peer_cause(exc)
    if peer is not None:
        return f"the body was cut off: {peer} after {received} bytes"
    return f"the body could not be read: {type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else ""
