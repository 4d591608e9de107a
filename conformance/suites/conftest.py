"""Fixtures of every conformance module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.catalogue import load_catalogue
from conformance.cleanup import cleanup
from conformance.ledger import MADE_HERE, UNREMOVABLE, Entry
from conformance.run import ConformanceRun


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each conformance test is marked with its service (``asset``, ``xinventory``,
    ``caps``, ``ais``), which the catalogue gives for its requirements: a module does
    not declare it. This runs before ``-m`` selects and before the plugin reads the
    service markers to skip the services the run does not test."""
    catalogue = load_catalogue()
    for item in items:
        services = {catalogue[rid].service for marker in item.iter_markers("requirement")
                    for rid in marker.args if rid in catalogue}
        for service in sorted(services):
            if item.get_closest_marker(service) is None:
                item.add_marker(service)


@pytest.fixture(scope="module", autouse=True)
def removed_at_the_end_of_the_module(run: ConformanceRun) -> Iterator[None]:
    """What a module created is removed when the module ends (its tests share it, no
    other module does), side by side with other modules' tests; the run's cleanup at
    the end retries what remains. Nothing is sent when the run may not write."""
    made: dict[Entry, None] = {}
    token = MADE_HERE.set(made)
    try:
        yield
    finally:
        MADE_HERE.reset(token)
        left = [entry for entry in made if (entry.service, entry.kind) not in UNREMOVABLE]
        if left:
            cleanup(run.profile, run.ledger, entries=left, unreachable=run.unreachable)
