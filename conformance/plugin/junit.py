"""JUnit XML that tells the three kinds of non-pass apart: a requirement the target
failed is a ``<failure>``, a bug of the suite an ``<error>`` ("suite error: …"), and a
test a failed setup step blocked a ``<skipped type="blocked">`` ("blocked: …"); every
test case carries its requirement and outcome as properties (the reports'
``user_properties``, which pytest's writer records).

pytest's own junitxml plugin writes the file; pytest has no public hook to file a
failed report as skipped, so in a conformance run (this room is loaded only there) its
writer is swapped for a subclass of pytest's ``LogXML`` that files the suite's outcomes
where they belong. That class is pytest's own, not its API: the swap happens only when
it has the parts the subclass uses (``adoptable``); otherwise pytest's writer stays, and
a blocked test or a suite error is a plain ``<failure>`` or ``<error>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

#: The parts of pytest's private LogXML the conformance writer uses.
USED = ("_opentestcase", "update_testcase_duration", "pytest_runtest_logreport")


def conformance_writer(base: type) -> type:
    """A subclass of pytest's LogXML that files blocked tests and suite errors."""
    from _pytest.junitxml import bin_xml_escape

    class ConformanceJUnit(base):  # type: ignore[valid-type, misc]
        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            kind = (getattr(report, "conformance", None) or {}).get("outcome")
            if not report.failed or report.when == "teardown" or kind not in (
                    "blocked", "suite-error"):
                super().pytest_runtest_logreport(report)
                return
            cause = str((getattr(report, "conformance", None) or {}).get("cause", ""))
            reporter = self._opentestcase(report)
            if kind == "blocked":
                skipped = ET.Element("skipped", type="blocked",
                                     message=bin_xml_escape(f"blocked: {cause}"[:500]))
                skipped.text = bin_xml_escape(str(report.longrepr))
                reporter.append(skipped)
            else:
                reporter._add_simple("error", bin_xml_escape(f"suite error: {cause}"[:500]),
                                     str(report.longrepr))
            self.update_testcase_duration(report)

    return ConformanceJUnit


def adoptable(xml: object) -> bool:
    """Whether pytest's writer has what the conformance writer uses."""
    try:
        from _pytest import junitxml
    except ImportError:
        return False
    reporter = getattr(junitxml, "_NodeReporter", None)
    return (all(callable(getattr(xml, name, None)) for name in USED)
            and callable(getattr(junitxml, "bin_xml_escape", None))
            and reporter is not None and callable(getattr(reporter, "_add_simple", None)))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not getattr(config.option, "xmlpath", None) or hasattr(config, "workerinput"):
        return  # no --junitxml, or a worker (the controller writes the file)
    config.pluginmanager.register(JUnitNames(config), "opensim-conformance-junit-names")
    from _pytest.junitxml import xml_key

    xml: Any = config.stash.get(xml_key, None)
    if xml is None or getattr(xml, "conformance_writer", False) or not adoptable(xml):
        return
    cls: Any = conformance_writer(type(xml))
    adopted = cls.__new__(cls)
    adopted.__dict__.update(xml.__dict__)
    adopted.conformance_writer = True
    config.pluginmanager.unregister(xml)
    config.stash[xml_key] = adopted
    config.pluginmanager.register(adopted)


class JUnitNames:
    """What CI pages show of a test case: its requirement ID in the test case's name
    (GitLab and Jenkins show no properties), and an interrupted run marked incomplete
    (a testsuite property). The suite's name is the ``junit_suite_name`` the command
    sets (``opensim-conformance``)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def xml(self) -> Any:
        """pytest's JUnit writer of the run (the conformance writer, once adopted)."""
        from _pytest.junitxml import xml_key

        return self.config.stash.get(xml_key, None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        xml = self.xml()
        ids = dict(report.user_properties).get("requirement")
        if xml is None or not ids:
            return
        name = report.nodeid.rsplit("::", 1)[-1]
        xml.node_reporter(report).add_attribute("name", f"{ids}: {name}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        stop = excinfo.value
        xml = self.xml()
        if xml is None or type(stop).__name__ == "Interrupted":  # pytest's, xdist's stops
            return
        xml.add_global_property("incomplete", "interrupted (Ctrl-C or SIGTERM): no verdict")
