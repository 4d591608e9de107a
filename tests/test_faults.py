"""Every conformance test can fail: each fault injected into the reference server must
make the suite fail the requirement(s) the fault names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from conformance.catalogue import load_catalogue
from tests.conftest import SuiteRunner
from tests.faults import Fault, all_faults

FAULTS = all_faults()
SERVICES_WITH_FAULTS = sorted({fault.service for fault in FAULTS})


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_makes_the_suite_fail_its_requirement(
        fault: Fault, run_suite: SuiteRunner,
        record_property: Callable[[str, object], None]) -> None:
    results = run_suite(fault.config(), fault.service, fault.breaks)
    # Which test functions ran and which failed: the session checks that every test
    # function of the suite fails under some fault (tests/conftest.py).
    tests = [test for entry in results["requirements"].values() for test in entry["tests"]]
    record_property("ran", sorted({function_of(fault.service, t["nodeid"]) for t in tests}))
    record_property("failed", sorted({function_of(fault.service, t["nodeid"]) for t in tests
                                      if t["outcome"] in ("failed", "error")}))
    outcomes = {rid: results["requirements"].get(rid, {}).get("outcome", "not run")
                for rid in fault.breaks}
    missed = {rid: outcome for rid, outcome in outcomes.items() if outcome != "failed"}
    assert not missed, (f"{fault.name} ({fault.doc}) went unnoticed: {missed}\n"
                        + "\n".join(what_the_tests_saw(results, missed)))
    assert results["exit_code"] == 1, "a run with failures must exit non-zero (1)"


def what_the_tests_saw(results: dict[str, Any], requirements: Iterable[str]) -> list[str]:
    """Each test of the requirements: its outcome and the statuses it was answered with."""
    lines = []
    for rid in requirements:
        for test in results["requirements"].get(rid, {}).get("tests", []):
            statuses = [exchange["status"] or exchange["error"] for exchange in test["transcript"]]
            lines.append(f"  {test['nodeid']}: {test['outcome']}, answered {statuses}")
    return lines


def function_of(service: str, nodeid: str) -> str:
    """A test's function, parameters left out: "asset/test_get.py::test_…"."""
    return f"{service}/{nodeid.split('[', 1)[0].rsplit('/', 1)[-1]}"


@pytest.mark.parametrize("service", SERVICES_WITH_FAULTS)
def test_every_requirement_of_the_service_has_a_fault(service: str) -> None:
    """A requirement no fault breaks has a test nobody proved can fail."""
    covered = {rid for fault in FAULTS for rid in fault.breaks}
    requirements = [rid for rid, r in load_catalogue().items() if r.service == service]
    uncovered = [rid for rid in requirements if rid not in covered]
    assert not uncovered, f"requirements with no fault: {uncovered}"


def test_faults_name_known_requirements() -> None:
    unknown = {rid for fault in FAULTS for rid in fault.breaks} - set(load_catalogue())
    assert not unknown
