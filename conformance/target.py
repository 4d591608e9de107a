"""The target profile: where each service is, who the suite acts as, what it may write,
and what the implementer expects to fail.

A profile comes from a TOML file (``--target-profile``); command-line options override
it. Example::

    target = "http://grid.example.org:8003"   # base for services on one server
    timeout = 10                               # seconds per request
    max_body_size = "64MiB"                    # the largest answer read (bytes, KiB, MiB, GiB)
    max_connections = 8                        # requests under way at once, at most
    read_only = false
    allow_writes = true                        # needed to write to a non-loopback target
    principal = "a1b2c3d4-…"                   # default: a fresh UUID per run

    [services]                                 # per-service URLs override the base
    asset = "http://assets.example.org:8003"

    ca_bundle = "grid-ca.pem"                  # TLS: trust this CA (PEM file)
    insecure = false                           # TLS: true = certificates not verified

    [credentials]                              # HTTP Basic, if the target asks for it
    username = "robust"
    password = "secret"

    [expectations.ASSET-FLAGS-COMMA]
    outcome = "fail"                           # or "skip"
    reason = "reads whitespace-separated flags only"
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
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
    max_body_size: int = 64 << 20
    #: At most this many requests under way to the target at once (--max-connections).
    max_connections: int = 8
    read_only: bool = False
    allow_writes: bool = False
    principal: str = field(default_factory=lambda: str(uuid.uuid4()))
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    expectations: dict[str, Expectation] = field(default_factory=dict)
    #: TLS: a PEM file of the certificate authorities to trust (default: the
    #: environment's REQUESTS_CA_BUNDLE or SSL_CERT_FILE, else certifi's).
    ca_bundle: str | None = None
    #: TLS: send without verifying certificates (said loudly in the header and results).
    insecure: bool = False

    def tls_verify(self) -> bool | str:
        """What ``requests`` verifies certificates with: False (``insecure``), a CA
        bundle file (``ca_bundle``, else REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or
        SSL_CERT_FILE from the environment), or True (certifi's authorities)."""
        if self.insecure:
            return False
        if self.ca_bundle:
            return self.ca_bundle
        for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            if os.environ.get(variable):
                return os.environ[variable]
        return True

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

    def write_refusal_for(self, url: str) -> str | None:
        """Why this run may not write to ``url`` (a capability a login or a seed capability
        handed out, which the user never named), or None when it may: the same guard as
        for ``--target``."""
        refusal = self.write_refusal()
        if refusal is not None or self.allow_writes or is_loopback(url):
            return refusal
        return (f"writes to {host_of(url)} (not on loopback; handed out as {url}) "
                f"need --allow-writes")

    def urls(self) -> list[str]:
        return [url for service in SERVICES if (url := self.service_url(service))]


def is_loopback(url: str) -> bool:
    """Whether every address the URL's host resolves to is a loopback address: decided on
    the resolved address, not on the spelling (``127.1``, ``localhost``, ``[::1]`` are
    loopback; a name that resolves to any other address, or to none, is not)."""
    addresses = resolved(urlsplit(url).hostname or "")
    return bool(addresses) and all(address.is_loopback for address in addresses)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


@functools.lru_cache(maxsize=256)
def resolved(host: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]:
    """The addresses ``host`` resolves to (IPv4-mapped IPv6 as IPv4); none when it does not
    resolve."""
    if not host:
        return ()
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return ()
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        addresses.append(address)
    return tuple(addresses)


def load_profile(path: Path | None) -> Profile:
    if path is None:
        return Profile()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"target profile {path}: {exc}") from exc
    return profile_from_dict(data, str(path))


def profile_from_dict(data: dict[str, Any], origin: str = "profile") -> Profile:
    """A profile from a TOML table; every key is checked (a URL, a number > 0, a UUID, a
    boolean), so that a wrong profile is one line naming the key, never a traceback."""
    known = {"target", "services", "timeout", "max_body_size", "max_connections", "read_only",
             "allow_writes", "principal", "credentials", "expectations", "ca_bundle",
             "insecure"}
    unknown = set(data) - known
    if unknown:
        raise ProfileError(f"{origin}: unknown keys {sorted(unknown)}")
    services = as_table(data.get("services", {}), f"{origin}: services")
    for name, url in services.items():
        if name not in SERVICES:
            raise ProfileError(f"{origin}: unknown service {name!r} (known: {', '.join(SERVICES)})")
        services[name] = check_url(url, f"{origin}: services.{name}")
    credentials = as_table(data.get("credentials", {}), f"{origin}: credentials")
    for key, value in credentials.items():
        if key not in ("username", "password"):
            raise ProfileError(f"{origin}: unknown key credentials.{key} "
                               "(known: username, password)")
        if not isinstance(value, str):
            raise ProfileError(f"{origin}: credentials.{key} must be a string")
    profile = Profile(
        target=check_url(data["target"], f"{origin}: target") if "target" in data else None,
        services=services,
        timeout=check_timeout(data.get("timeout", 10.0), f"{origin}: timeout"),
        max_body_size=check_size(data.get("max_body_size", 64 << 20),
                                 f"{origin}: max_body_size"),
        max_connections=check_connections(data.get("max_connections", 8),
                                          f"{origin}: max_connections"),
        read_only=check_bool(data.get("read_only", False), f"{origin}: read_only"),
        allow_writes=check_bool(data.get("allow_writes", False), f"{origin}: allow_writes"),
        username=credentials.get("username"),
        password=credentials.get("password"),
        expectations=parse_expectations(
            as_table(data.get("expectations", {}), f"{origin}: expectations"), origin),
    )
    if "principal" in data:
        profile.principal = check_uuid(data["principal"], f"{origin}: principal")
    if "ca_bundle" in data:
        base = Path(origin).parent if origin.endswith(".toml") else Path()
        profile.ca_bundle = check_ca_bundle(data["ca_bundle"], f"{origin}: ca_bundle", base)
    profile.insecure = check_bool(data.get("insecure", False), f"{origin}: insecure")
    return profile


def check_ca_bundle(value: object, what: str, base: Path | None = None) -> str:
    """A readable file of certificate authorities (relative to ``base``: a profile's
    folder)."""
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{what} must be the path of a PEM file, not {value!r}")
    path = (base or Path()) / Path(value.strip()).expanduser()
    if not path.is_file():
        raise ProfileError(f"{what} {value!r}: no such file")
    try:
        text = path.read_text("ascii", errors="replace")
    except OSError as exc:
        raise ProfileError(f"{what} {value!r}: cannot be read ({exc.strerror})") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ProfileError(f"{what} {value!r}: not a PEM file of certificates")
    return str(path)


def as_table(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError(f"{what} must be a table, not {value!r}")
    return dict(value)


def check_url(value: object, what: str) -> str:
    """``value`` if it is an http:// or https:// URL with a host (and a valid port)."""
    if not isinstance(value, str):
        raise ProfileError(f"{what} must be an http:// or https:// URL, not {value!r}")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        hint = ""
        if parts.scheme not in ("http", "https") and " " not in value and "." in value:
            hint = f" (did you mean http://{value.strip()}?)"
        raise ProfileError(f"{what} {value!r} is not an http:// or https:// URL{hint}")
    if not parts.hostname:
        raise ProfileError(f"{what} {value!r} has no host")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise ProfileError(f"{what} {value!r} has no valid port (1-65535)")
    if any(c.isspace() for c in value.strip()):
        raise ProfileError(f"{what} {value!r} contains white space")
    return value.strip()


def check_timeout(value: object, what: str) -> float:
    """A number of seconds greater than 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{what} must be a number of seconds > 0, not {value!r}")
    seconds = float(value)
    if not seconds > 0 or seconds == float("inf"):
        raise ProfileError(f"{what} must be a number of seconds > 0, not {value!r}")
    return seconds


SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1000, "m": 1 << 20,
              "mib": 1 << 20, "mb": 1000 ** 2, "g": 1 << 30, "gib": 1 << 30, "gb": 1000 ** 3}


def check_size(value: object, what: str) -> int:
    """A number of bytes of 1 or more: an integer, or a string such as ``64MiB``."""
    wrong = ProfileError(f"{what} must be a size of 1 byte or more (e.g. 1048576, 64MiB), "
                         f"not {value!r}")
    if isinstance(value, bool):
        raise wrong
    if isinstance(value, int):
        size = value
    elif isinstance(value, str):
        text = value.strip().lower()
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
        unit = text[len(number):].strip()
        if not number.isdigit() or unit not in SIZE_UNITS:
            raise wrong
        size = int(number) * SIZE_UNITS[unit]
    else:
        raise wrong
    if size < 1:
        raise wrong
    return size


def check_connections(value: object, what: str) -> int:
    """A whole number of connections, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProfileError(f"{what} must be a whole number of 1 or more, not {value!r}")
    return value


def check_uuid(value: object, what: str) -> str:
    """The canonical (lower-case, hyphenated) form of a UUID."""
    text = str(value).strip() if isinstance(value, str) else None
    try:
        if text is None or len(text) != 36:
            raise ValueError(text)
        return str(uuid.UUID(text))
    except ValueError:
        raise ProfileError(f"{what} must be a UUID "
                           f"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not {value!r}") from None


def check_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(f"{what} must be true or false, not {value!r}")
    return value


def parse_expectations(table: dict[str, Any], origin: str) -> dict[str, Expectation]:
    expectations = {}
    for requirement_id, entry in table.items():
        if isinstance(entry, dict) and not isinstance(entry.get("reason", ""), str):
            raise ProfileError(f"{origin}: expectation {requirement_id}: reason must be a string")
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
