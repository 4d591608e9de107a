"""Fixtures of the AIS3 tests. Everything a test writes lives in one folder the run
owns, ``opensim-conformance AIS3 …`` under the agent's root, removed at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import create_folder, document, new_category, uid


@pytest.fixture(scope="session")
def root(ais: AisClient) -> str:
    """The agent's root category, as GET /category/root names it."""
    with step("could not read the agent's root category (GET /category/root)",
              requirement="AIS-CATEGORY-SPECIAL"):
        return uid(document(ais.get_category("root"), 200).get("category_id"),
                   "category_id of /category/root")


@pytest.fixture(scope="module")
def area(ais: AisClient, root: str) -> Iterator[str]:
    """The module's own folder under the root: modules that run side by side never
    see each other's folders in theirs."""
    folder = new_category(ais, root, owned_name(f"AIS3 {ais.new_id()[:8]}"),
                          "could not create the run's folder", named=True)
    yield folder
    ais.delete_category(folder)


@pytest.fixture
def folder(ais: AisClient, area: str) -> str:
    """A fresh folder of this test's own, inside the run's folder."""
    return create_folder(ais, area)
