"""Fixtures of every conformance module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.cleanup import cleanup
from conformance.ledger import MADE_HERE, UNREMOVABLE, Entry
from conformance.run import ConformanceRun


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
