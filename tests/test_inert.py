"""The plugin stays out of other projects' runs: with opensim-conformance installed, an
unrelated project's pytest run (Hypothesis tests, --junitxml, -n 2) is the run it has
without the package (here: with the entry point's plugin blocked, ``-p no:…``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

PROJECT = """
import os
from hypothesis import given, settings, strategies as st


@settings(max_examples=20)
@given(st.integers())
def test_draws_its_examples(n):
    with open(os.environ["EXAMPLES_FILE"], "a") as out:
        out.write(f"{n}\\n")


def test_sees_the_default_settings():
    with open(os.environ["SETTINGS_FILE"], "w") as out:
        out.write(repr(settings.default))


def test_fails():
    assert 1 == 2
"""


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tag: str,
        *extra: str) -> dict[str, object]:
    tmp = pytester.path / f"tmp-{tag}"
    tmp.mkdir()
    examples, settings = pytester.path / f"examples-{tag}", pytester.path / f"settings-{tag}"
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("EXAMPLES_FILE", str(examples))
    monkeypatch.setenv("SETTINGS_FILE", str(settings))
    junit = pytester.path / f"junit-{tag}.xml"
    result = pytester.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider",
                                           "--junitxml", str(junit), *extra)
    cases = sorted((case.get("classname"), case.get("name"),
                    tuple(child.tag for child in case))
                   for case in etree.parse(str(junit)).iter("testcase"))
    lines = sorted(re.sub(r"\d+\.\d+s|\[gw\d\]|\[ *\d+%\]|junit-\w+\.xml", "", line)
                   for line in result.outlines
                   if not line.startswith(("plugins:", "platform ", "rootdir:")))
    return {"ret": result.ret, "lines": lines, "cases": cases,
            "examples": len(examples.read_text().split()), "settings": settings.read_text(),
            "temp": sorted(path.name for path in tmp.iterdir())}


def test_an_unrelated_project_runs_as_without_the_package(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_unrelated=PROJECT)
    installed = run(pytester, monkeypatch, "installed")
    without = run(pytester, monkeypatch, "without", "-p", "no:opensim_conformance")
    assert installed == without
    assert installed["examples"] == 20
    assert installed["temp"] == []


def test_a_conformance_option_loads_the_machinery(pytester: pytest.Pytester) -> None:
    """Any conformance option (here --results-json) is a conformance run."""
    pytester.makepyfile(test_unrelated="def test_passes():\n    pass\n")
    results = Path(pytester.path, "results.json")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--results-json",
                                           str(results), "--target", "http://127.0.0.1:9",
                                           "--no-preflight")
    assert result.ret == 0
    assert "opensim-conformance target:" in result.stdout.str()
