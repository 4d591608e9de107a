"""Whose failure a test's failure is, and what its report shows: the failure classes
("failed": the target broke the requirement; "blocked": the target failed a step the
test needs; "suite-error": a bug of the suite), the exchanges that tell what went
wrong, and the failed steps results.json records under their requirements."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.clients.http import Exchange, TargetFailure
from conformance.expect import Blocked, FailedStep
from conformance.run import ConformanceRun

#: How many exchanges a failure report shows (the last ones).
EXCHANGES_SHOWN = 3


def failed_step(run: ConformanceRun, step: FailedStep) -> dict[str, Any]:
    """A failed step as results.json records it under its requirement."""
    requirement = run.catalogue.get(step.requirement)
    cited = f"{requirement.cite()}\n\n" if requirement is not None else ""
    return {"requirement": step.requirement, "step": step.step, "cause": step.cause,
            "message": f"{cited}Failed: {step.step}: {step.cause}\n\n"
                       f"{describe(step.exchanges)}",
            "transcript": [exchange.to_json() for exchange in step.exchanges]}


def writes_results(config: pytest.Config) -> bool:
    """Whether the run writes results.json or the HTML report (which show every test's
    exchanges)."""
    return bool(config.getoption("results_json") or config.getoption("html_report"))


def shared_setup(call: pytest.CallInfo[None], exchanges: list[Exchange]) -> list[Exchange]:
    """The exchanges that tell what went wrong: the test's own, or, when a fixture shared
    by several tests failed before (pytest raises its error again for each of them, and
    they send nothing), those of the test that ran the fixture."""
    error = call.excinfo.value if call.excinfo is not None else None
    if error is None:
        return exchanges
    if exchanges:
        if not hasattr(error, "conformance_exchanges"):
            with contextlib.suppress(AttributeError, TypeError):
                error.conformance_exchanges = exchanges  # type: ignore[attr-defined]
        return exchanges
    return list(getattr(error, "conformance_exchanges", exchanges))


def failure_class(exc: BaseException, when: str) -> str:
    """Whose failure an exception is: "failed" (the target broke the requirement: a
    failed check or a transport failure in the test itself), "blocked" (the target
    failed a step the test needs first, a ``step()`` or a fixture, or a step after it:
    a target that went away during the teardown) or "suite-error" (anything else: a
    bug of the suite, never blamed on the target)."""
    leaves = list(exception_leaves(exc))
    if not all(isinstance(e, TargetFailure | Blocked) for e in leaves):
        return "suite-error"
    if when == "call" and any(isinstance(e, TargetFailure) for e in leaves):
        return "failed"
    return "blocked"


def exception_leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions an exception group (Hypothesis raises one for several distinct
    failures) holds, or the exception itself."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from exception_leaves(inner)
    else:
        yield exc


def example_notes(exc: BaseException) -> list[str]:
    """What Hypothesis notes on a failure: the falsifying example and its steps."""
    notes = [str(note) for note in getattr(exc, "__notes__", [])]
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            notes += example_notes(inner)
    return notes


def describe(exchanges: list[Exchange]) -> str:
    if not exchanges:
        return "(no request was sent)"
    shown = exchanges[-EXCHANGES_SHOWN:]
    skipped = len(exchanges) - len(shown)
    head = [f"({skipped} earlier exchanges in the results file)"] if skipped else []
    return "\n\n".join(head + [exchange.describe() for exchange in shown])
