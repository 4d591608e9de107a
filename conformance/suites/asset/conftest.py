from __future__ import annotations

import pytest

from conformance.clients.asset import AssetClient
from conformance.suites.asset.steps import Sample, store_sample


@pytest.fixture
def sample(assets: AssetClient) -> Sample:
    """An asset the suite has just stored (a notecard, every byte value in its data)."""
    return store_sample(assets)
