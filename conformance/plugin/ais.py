"""Inventory API v3 (AIS3): where the run finds it, and the clients of its tests.

AIS3 is a pair of capabilities: ``InventoryAPIv3`` (the agent's inventory) and
``LibraryAPIv3`` (the library). The run takes their URLs from the seed capability after
the login (the ``viewer`` fixture), or from ``--ais-url`` / ``--ais-library-url`` with
``--agent UUID``. A grid whose seed capability offers no AIS3 gets every AIS3 test
skipped as "AIS3 not offered by the target", which is neither a failure nor "not tested".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.clients.ais import AisClient
from conformance.plugin.viewer import capability_client
from conformance.run import conformance_run

NOT_OFFERED = "AIS3 not offered by the target"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance-ais", "Inventory API v3 (AIS3)")
    group.addoption("--ais-library-url", dest="ais_library_url", metavar="URL",
                    help="the LibraryAPIv3 capability URL (with --ais-url and --agent)")


def _client(request: pytest.FixtureRequest, capability: str, explicit: str | None,
            what: str) -> AisClient:
    run = conformance_run(request.config)
    if explicit:
        agent = request.config.getoption("agent")
        if not agent and run.service_url("login"):
            agent = request.getfixturevalue("viewer").agent_id
        if not agent:
            pytest.skip(f"{what} not tested: an explicit AIS3 URL needs --agent UUID")
        agent_id = str(agent)
        url = explicit
    else:
        viewer = request.getfixturevalue("viewer")
        offered = viewer.capabilities.get(capability)
        if not offered:
            pytest.skip(f"{NOT_OFFERED} (the seed capability did not grant {capability})")
        agent_id, url = viewer.agent_id, offered
    return AisClient(capability_client(run, url), run.ledger, agent_id)


@pytest.fixture(scope="session")
def ais(request: pytest.FixtureRequest) -> Iterator[AisClient]:
    """A client of the agent's InventoryAPIv3 capability."""
    explicit = conformance_run(request.config).profile.services.get("ais")
    client = _client(request, "InventoryAPIv3", explicit, "AIS3")
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def ais_library(request: pytest.FixtureRequest) -> Iterator[AisClient]:
    """A client of the LibraryAPIv3 capability (the library, read-only; COPY source)."""
    run = conformance_run(request.config)
    explicit = request.config.getoption("ais_library_url")
    if run.profile.services.get("ais") and not explicit:
        pytest.skip("LibraryAPIv3 not tested: --ais-url given without --ais-library-url")
    client = _client(request, "LibraryAPIv3", explicit, "LibraryAPIv3")
    yield client
    client.http.close()
