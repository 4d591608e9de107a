"""Probes of the target's services: one request that reads, as a peer sends it, with
a short deadline; what the preflight says about services that do not answer or are not
at their documented paths; and whether the run may start as asked (the write mode).
The preflight room and the concurrency room (which times the round trip with these
probes before xdist starts) use them; this module has no hooks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from conformance.clients.http import HttpClient, Recorder, TargetFailure, no_answer
from conformance.clients.xinventory import FORM_HEADERS, PATH
from conformance.target import SERVICES, Profile, is_loopback
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xinventory import encode_pairs, parse_response
from conformance.wire.xml import WireError

#: The most a probe waits for a connection or for an answer (seconds); the whole
#: exchange takes at most three times that.
PROBE_TIMEOUT = 3.0


#: What the preflight found (the concurrency room may probe first, before xdist starts).
FOUND = pytest.StashKey[list[str]]()


def preflight_once(config: pytest.Config, profile: Profile) -> list[str]:
    """The preflight's lines, probed on first call only."""
    if FOUND not in config.stash:
        answers: dict[str, tuple[str, int, bytes]] = {}
        lines = preflight(profile, answers=answers)
        misplaced = wrong_base(answers)
        config.stash[FOUND] = lines or ([misplaced] if misplaced else [])
    return config.stash[FOUND]


#: How the preflight's line about a wrong base URL begins.
MISPLACED = "no service answers at its documented path"


def wrong_base(answers: dict[str, tuple[str, int, bytes]]) -> str | None:
    """One line when the base URL is likely wrong: every base service probed is not at
    its documented path, the XInventory service among them: it answered 404, or
    (OpenSimulator's web server, for a path it does not serve) something that is not a
    ``<ServerResponse>`` document, where a real one answers any GETROOTFOLDER with one;
    and the asset service answered 404 with a page, where a missing asset is a 404 with
    an empty body. None otherwise (the tests judge what a service says)."""
    # in a fixed order, whichever probe answered first
    documented = {service: answers[service] for service in ("asset", "xinventory")
                  if service in answers}
    if "xinventory" not in documented or not all(
            not_there(service, status, body)
            for service, (_, status, body) in documented.items()):
        return None
    seen = ", ".join(f"{service} {where} {status}{'' if body.strip() else ' (empty)'}"
                     for service, (where, status, body) in documented.items())
    url = documented["xinventory"][0].split(" ", 1)[1]
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    hint = (f"the base URL is likely wrong: --target is the server's root, e.g. {root} "
            f"(ROBUST serves /assets and /xinventory there), not a path under it"
            if parts.path.rstrip("/") not in ("", "/xinventory") else
            "the base URL is likely wrong: is it the port of ROBUST's asset and "
            "inventory services (8003 by default), and does it serve them?")
    return f"{MISPLACED} ({seen}): {hint}"


def not_there(service: str, status: int, body: bytes) -> bool:
    """Whether a probe's answer says the service is not at the probed path."""
    if service == "asset":
        return status == 404 and bool(body.strip())
    if status == 404:
        return True
    try:
        parse_response(body)
    except WireError:
        return True
    return False


def mode_refusal(profile: Profile) -> str | None:
    """Why the run may not start as asked: a target off loopback with no mode chosen."""
    if profile.embedded or profile.read_only or profile.allow_writes:
        return None
    remote = [url for url in profile.urls() if not is_loopback(url)]
    if not remote:
        return None
    return (f"{remote[0]} is not on loopback: give --read-only (send nothing that writes) "
            f"or --allow-writes (write data the suite owns and remove it)")


def configured(profile: Profile) -> list[tuple[str, str]]:
    """(service, URL) of every service the run has a URL for."""
    return [(service, url) for service in SERVICES
            if (url := profile.service_url(service)) is not None]


def preflight(profile: Profile, services: list[tuple[str, str]] | None = None,
              answers: dict[str, tuple[str, int, bytes]] | None = None) -> list[str]:
    """Probe each service once, all at the same time; one line per service that does
    not answer ("asset http://…: connection refused"), none when all answer.
    ``answers`` gets each answering service's request ("GET URL"), status and body."""
    services = configured(profile) if services is None else services
    if not services:
        return []
    timeout = min(profile.timeout, PROBE_TIMEOUT)
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        causes = list(pool.map(
            lambda pair: probe(pair[0], pair[1], profile, timeout, answers), services))
    return [f"{service} {url}: {cause}"
            for (service, url), cause in zip(services, causes, strict=True) if cause]


def probe(service: str, url: str, profile: Profile, timeout: float,
          answers: dict[str, tuple[str, int, bytes]] | None = None) -> str | None:
    """Send one request that reads, as a peer sends it; None when any HTTP answer came
    back (what it says is the tests' business, but for a wrong base URL), else why
    none came."""
    recorder = Recorder()
    with probe_with(url, profile, timeout, recorder) as send:
        cause = send(service)
    exchange = recorder.exchanges[-1] if recorder.exchanges else None
    if answers is not None and exchange is not None and exchange.status is not None:
        answers[service] = (f"{exchange.method} {exchange.url}", exchange.status,
                            exchange.body)
    return cause


@contextlib.contextmanager
def probe_with(url: str, profile: Profile, timeout: float,
               recorder: Recorder) -> Iterator[Callable[[str], str | None]]:
    """A probe of ``url`` to send as often as wanted on one connection: each call sends
    one read of the service and says why no answer came (None: one came)."""
    http = HttpClient(url, timeout=timeout, recorder=recorder, read_only=True)
    if profile.username is not None:
        http.session.auth = (profile.username, profile.password or "")

    def send(service: str) -> str | None:
        try:
            if service == "asset":
                http.request("GET", f"/assets/{ZERO_UUID}")
            elif service == "xinventory":
                body = encode_pairs([("PRINCIPAL", profile.principal),
                                     ("METHOD", "GETROOTFOLDER")])
                http.request("POST", PATH, body=body, headers=FORM_HEADERS, writes=False)
            else:  # a login URI or a capability: any answer says it is there
                http.request("GET", "")
        except TargetFailure:
            exchange = recorder.exchanges[-1] if recorder.exchanges else None
            if exchange is None or no_answer(exchange.status, exchange.error):
                return exchange.error if exchange is not None else "no answer"
        except Exception as exc:  # an URL requests cannot even try (caught as a usage error)
            return f"{type(exc).__name__}: {exc}"
        return None

    try:
        yield send
    finally:
        http.close()
