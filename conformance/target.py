"""The target profile: where each service is, who the suite acts as, what it may write,
and what the implementer expects to fail.

A profile comes from a TOML file (``--target-profile``); command-line options override
it. Example::

    target = "http://grid.example.org:8003"   # base for services on one server
    timeout = 10                               # seconds per request
    read_only = false
    allow_writes = true                        # needed to write to a non-loopback target
    principal = "a1b2c3d4-…"                   # default: a fresh UUID per run

    [services]                                 # per-service URLs override the base
    asset = "http://assets.example.org:8003"

    [credentials]                              # HTTP Basic, if the target asks for it
    username = "robust"
    password = "secret"

    [expectations.ASSET-FLAGS-COMMA]
    outcome = "fail"                           # or "skip"
    reason = "reads whitespace-separated flags only"
"""

from __future__ import annotations

import ipaddress
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Services that live under the target base URL when no own URL is given.
BASE_SERVICES = ("asset", "xinventory")
#: Services whose URLs are opaque (capabilities): never derived from the base.
OPAQUE_SERVICES = ("login", "fetch_inventory", "fetch_descendents", "fetch_lib",
                   "fetch_lib_descendents", "ais")
SERVICES = BASE_SERVICES + OPAQUE_SERVICES
OUTCOMES = ("fail", "skip")


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Expectation:
    outcome: str
    reason: str


@dataclass
class Profile:
    target: str | None = None
    services: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    read_only: bool = False
    allow_writes: bool = False
    principal: str = field(default_factory=lambda: str(uuid.uuid4()))
    username: str | None = None
    password: str | None = None
    expectations: dict[str, Expectation] = field(default_factory=dict)

    def service_url(self, service: str) -> str | None:
        """The URL of ``service``, or None when the run has none (its tests skip)."""
        if service in self.services:
            return self.services[service]
        if service in BASE_SERVICES and self.target:
            return self.target
        return None

    @property
    def embedded(self) -> bool:
        """No URL at all: the run starts the embedded reference server."""
        return not self.target and not self.services

    def write_refusal(self) -> str | None:
        """Why this run may not write to the target, or None when it may."""
        if self.read_only:
            return "the run is read-only (--read-only)"
        if self.allow_writes:
            return None
        remote = [url for url in self.urls() if not is_loopback(url)]
        if remote:
            return f"writes to a non-loopback target ({remote[0]}) need --allow-writes"
        return None

    def urls(self) -> list[str]:
        return [url for service in SERVICES if (url := self.service_url(service))]


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_profile(path: Path | None) -> Profile:
    if path is None:
        return Profile()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"target profile {path}: {exc}") from exc
    return profile_from_dict(data, str(path))


def profile_from_dict(data: dict[str, Any], origin: str = "profile") -> Profile:
    known = {"target", "services", "timeout", "read_only", "allow_writes", "principal",
             "credentials", "expectations"}
    unknown = set(data) - known
    if unknown:
        raise ProfileError(f"{origin}: unknown keys {sorted(unknown)}")
    services = dict(data.get("services", {}))
    for name in services:
        if name not in SERVICES:
            raise ProfileError(f"{origin}: unknown service {name!r} (known: {', '.join(SERVICES)})")
    credentials = data.get("credentials", {})
    profile = Profile(
        target=data.get("target"),
        services=services,
        timeout=float(data.get("timeout", 10.0)),
        read_only=bool(data.get("read_only", False)),
        allow_writes=bool(data.get("allow_writes", False)),
        username=credentials.get("username"),
        password=credentials.get("password"),
        expectations=parse_expectations(data.get("expectations", {}), origin),
    )
    if "principal" in data:
        profile.principal = str(uuid.UUID(str(data["principal"])))
    return profile


def parse_expectations(table: dict[str, Any], origin: str) -> dict[str, Expectation]:
    expectations = {}
    for requirement_id, entry in table.items():
        outcome = entry.get("outcome") if isinstance(entry, dict) else None
        if outcome not in OUTCOMES:
            raise ProfileError(
                f"{origin}: expectation {requirement_id} needs outcome = \"fail\" or \"skip\""
            )
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise ProfileError(f"{origin}: expectation {requirement_id} needs a reason")
        expectations[requirement_id] = Expectation(outcome, reason)
    return expectations
