"""Independent requests sent side by side: bulk setup (a folder of a thousand items) and
cleanup, where each request waits mostly for the network, not for the CPU.

Against a grid 50 ms away a thousand ADDITEM calls one after the other take 50 s; side by
side, as many at once as the run's connection limit allows (``--max-connections``, see
``conformance.connections``), they take a fraction of that. Only requests that do not
depend on each other's answers go side by side, as a grid's many simulators send them to
one service.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from conformance.connections import limit

T = TypeVar("T")
R = TypeVar("R")


def each(function: Callable[[T], R], items: Iterable[T], width: int | None = None) -> list[R]:
    """``function`` of every item, up to ``width`` at once (default: the run's connection
    limit); the results in the items' order. Every item is tried; then the first exception
    (in the items' order) is raised, so a step that fails for one item fails the whole
    bulk the same way."""
    work = list(items)
    width = limit().most if width is None else width
    if len(work) <= 1 or width <= 1:
        return [function(item) for item in work]

    def attempt(item: T) -> tuple[bool, object]:
        try:
            return True, function(item)
        except BaseException as exc:  # raised below, in the caller's thread
            return False, exc

    with ThreadPoolExecutor(max_workers=min(width, len(work)),
                            thread_name_prefix="conformance-side-by-side") as pool:
        # each in a copy of the caller's context: the requests land in its test's log
        futures = [pool.submit(contextvars.copy_context().run, attempt, item)
                   for item in work]
        outcomes = [future.result() for future in futures]
    for ok, value in outcomes:
        if not ok:
            assert isinstance(value, BaseException)
            raise value
    return [value for _, value in outcomes]  # type: ignore[misc]
