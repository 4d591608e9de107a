from __future__ import annotations

import pytest

from conformance.clients.asset import AssetClient
from conformance.suites.asset.steps import Sample, store_sample


@pytest.fixture(scope="module")
def sample(assets: AssetClient) -> Sample:
    """An asset the suite stored for this module's checks (a notecard, every byte value
    in its data): one for all of them, as they only read it."""
    return store_sample(assets)
