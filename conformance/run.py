"""The run: what one pytest process knows about it (``ConformanceRun``: the profile,
the catalogue, the ledger, the recorder, the embedded reference server), kept in the
config's stash. The plugin's rooms and the suites take it from here; this module
imports nothing of the plugin, so every room can import it at the top.

The profile is built from the options once per config (``run_profile``) and kept in
the stash: the concurrency room and the preflight read it before the main room's
``pytest_configure`` makes the run from it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import connections
from conformance.catalogue import Requirement
from conformance.clients.http import HttpClient, Recorder, use_tls
from conformance.ledger import Ledger
from conformance.target import (
    SERVICES,
    Profile,
    check_ca_bundle,
    check_connections,
    check_size,
    check_timeout,
    check_url,
    check_uuid,
    load_profile,
)

#: Services the embedded reference server answers.
EMBEDDED_SERVICES = ("asset", "xinventory", "login", "fetch_inventory", "fetch_descendents",
                     "fetch_lib", "fetch_lib_descendents")

RUN_KEY = pytest.StashKey["ConformanceRun"]()
#: The profile of the run, built once from its options.
PROFILE_KEY = pytest.StashKey[Profile]()


def run_profile(config: pytest.Config) -> Profile:
    """The run's profile: built from the options on first use, then kept (a profile
    that cannot be built raises ``ProfileError`` each time: the main room reports it as
    a usage error)."""
    if PROFILE_KEY not in config.stash:
        config.stash[PROFILE_KEY] = build_profile(config)
    return config.stash[PROFILE_KEY]


def build_profile(config: pytest.Config) -> Profile:
    profile = load_profile(config.getoption("target_profile"))
    if config.getoption("target") is not None:
        profile.target = check_url(config.getoption("target"), "--target")
    for service in SERVICES:
        url = config.getoption(f"{service}_url")
        if url is not None:
            profile.services[service] = check_url(url, f"--{service.replace('_', '-')}-url")
    if config.getoption("conformance_timeout") is not None:
        profile.timeout = check_timeout(config.getoption("conformance_timeout"), "--timeout")
    if config.getoption("max_body_size") is not None:
        profile.max_body_size = check_size(config.getoption("max_body_size"), "--max-body-size")
    if config.getoption("read_only"):
        profile.read_only = True
    if config.getoption("allow_writes"):
        profile.allow_writes = True
    if config.getoption("principal") is not None:
        profile.principal = check_uuid(config.getoption("principal"), "--principal")
    if config.getoption("ca_bundle", None) is not None:
        profile.ca_bundle = check_ca_bundle(config.getoption("ca_bundle"), "--ca-bundle")
    if config.getoption("insecure", None):
        profile.insecure = True
    use_tls(profile.tls_verify())
    if config.getoption("max_connections") is not None:
        profile.max_connections = check_connections(config.getoption("max_connections"),
                                                    "--max-connections")
    return profile



@dataclass
class ConformanceRun:
    """What one pytest process knows about the run."""

    profile: Profile
    catalogue: dict[str, Requirement]
    ledger: Ledger
    worker: str
    recorder: Recorder = field(default_factory=Recorder)
    embedded: Any = None
    embedded_dir: Any = None
    #: The embedded server an xdist controller runs for its workers.
    shared_embedded: str | None = None
    #: Whether the embedded server runs in a process of its own (xdist's controller).
    serve_apart: bool = False
    #: URLs that hung or hung up on a cleanup of this run: later cleanups skip them.
    unreachable: set[str] = field(default_factory=set)
    #: The slot files of the run's connection limit (an xdist controller's; removed).
    connections_folder: Path | None = None

    def serves(self, service: str) -> bool:
        """Whether the run has a URL for ``service`` (without starting anything)."""
        if self.profile.embedded:
            return service in EMBEDDED_SERVICES
        return self.profile.service_url(service) is not None

    def service_url(self, service: str) -> str | None:
        if self.profile.embedded:
            return self.embedded_url() if service in EMBEDDED_SERVICES else None
        return self.profile.service_url(service)

    def embedded_url(self) -> str:
        """Start the reference server on first use: loopback, ephemeral port, temp SQLite;
        in a thread of this process, or (``serve_apart``: for xdist workers) in a process
        of its own, where the server has an interpreter to itself."""
        if self.shared_embedded is not None:
            return self.shared_embedded
        if self.embedded is None:
            # imported only when the embedded server is used: a run against a target of
            # the user's never loads the reference server and its web framework
            self.embedded_dir = tempfile.TemporaryDirectory(prefix="opensim-conformance-")
            database = Path(self.embedded_dir.name) / "reference.sqlite"
            if self.serve_apart:
                from conformance.reference.process import ServerProcess

                self.embedded = ServerProcess(str(database))
            else:
                from conformance.reference.app import create_app
                from conformance.reference.server import ServerThread

                self.embedded = ServerThread(create_app(database))
            self.embedded.start()
        return str(self.embedded.url)

    def http(self, service: str) -> HttpClient:
        url = self.service_url(service)
        if url is None:
            pytest.skip(f"{service} service not tested: no URL given")
        client = HttpClient(url, timeout=self.profile.timeout, recorder=self.recorder,
                            read_only=self.profile.write_refusal() is not None)
        if self.profile.username is not None:
            client.session.auth = (self.profile.username, self.profile.password or "")
        return client

    def close(self) -> None:
        if self.connections_folder is not None:
            connections.stop_sharing(self.connections_folder)
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded_dir.cleanup()



def conformance_run(config: pytest.Config) -> ConformanceRun:
    return config.stash[RUN_KEY]



def informational(config: pytest.Config) -> bool:
    """A run that sends nothing: --help, --collect-only and the like."""
    option = config.option
    return bool(getattr(option, "help", False) or getattr(option, "collectonly", False)
                or getattr(option, "markers", False) or getattr(option, "fixtures", False)
                or getattr(option, "show_fixtures_per_test", False))
