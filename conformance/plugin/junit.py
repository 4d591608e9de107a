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
    xml: Any = config.stash.get(xml_key, None)
    if xml is None or isinstance(xml, ConformanceJUnit):
        return
    adopted = ConformanceJUnit.__new__(ConformanceJUnit)
    adopted.__dict__.update(xml.__dict__)
    config.pluginmanager.unregister(xml)
    config.stash[xml_key] = adopted
    config.pluginmanager.register(adopted)
