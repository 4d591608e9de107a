"""JUnit XML that tells the three kinds of non-pass apart: a requirement the target
failed is a ``<failure>``, a bug of the suite an ``<error>`` ("suite error: …"), and a
test a failed setup step blocked a ``<skipped type="blocked">`` ("blocked: …"); every
test case carries its requirement and outcome as properties.

pytest's own junitxml plugin writes the file; this room swaps its writer for a subclass
that files the suite's outcomes where they belong.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from _pytest.junitxml import LogXML, bin_xml_escape, xml_key


class ConformanceJUnit(LogXML):
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        kind = (getattr(report, "conformance", None) or {}).get("outcome")
        if not report.failed or report.when == "teardown" or kind not in ("blocked",
                                                                           "suite-error"):
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


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(JUnitNames(config), "opensim-conformance-junit-names")
    xml: Any = config.stash.get(xml_key, None)
    if xml is None or isinstance(xml, ConformanceJUnit):
        return
    adopted = ConformanceJUnit.__new__(ConformanceJUnit)
    adopted.__dict__.update(xml.__dict__)
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

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        xml: Any = self.config.stash.get(xml_key, None)
        ids = dict(report.user_properties).get("requirement")
        if xml is None or not ids:
            return
        name = report.nodeid.rsplit("::", 1)[-1]
        xml.node_reporter(report).add_attribute("name", f"{ids}: {name}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        stop = excinfo.value
        xml: Any = self.config.stash.get(xml_key, None)
        if xml is None or type(stop).__name__ == "Interrupted":  # pytest's, xdist's stops
            return
        xml.add_global_property("incomplete", "interrupted (Ctrl-C or SIGTERM): no verdict")
