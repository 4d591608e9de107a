"""Viewer Capabilities: the seed capability grants the four inventory capabilities
(seeds/sl-inventory-api-caps.txt, "Viewer Capabilities")."""

from __future__ import annotations

import pytest

from conformance.clients.caps import CAPABILITIES
from conformance.expect import check
from conformance.viewer import Viewer


@pytest.mark.requirement("CAPS-SEED-FOUR")
@pytest.mark.reads
def test_the_viewer_receives_the_four_inventory_capabilities(viewer: Viewer) -> None:
    missing = [name for name in CAPABILITIES if name not in viewer.capabilities]
    check(not missing, f"the seed capability did not grant {missing} "
                       f"(it granted {sorted(viewer.capabilities)})")
    for name in CAPABILITIES:
        url = viewer.capabilities[name]
        check(url.startswith(("http://", "https://")), f"{name} is {url!r}, not an http URL")
