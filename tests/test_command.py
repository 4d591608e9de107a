"""The ``opensim-conformance`` command as users run it: reports on, against a target far
enough away that the run spreads itself over xdist workers, gives the verdicts of a
serial run, and every report is complete (one allure result per test, a distinct one
for each case of a test parametrized with bytes; JUnit, HTML, results.json, terminal)."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from conformance.reference.app import create_app
from conformance.reference.server import ServerThread
from tests.test_concurrency import delay_proxy

#: A few requirements over four asset modules, one of them parametrized with bytes.
REQUIREMENTS = ("ASSET-GET-200", "ASSET-POST-DATA-ROUNDTRIP", "ASSET-DELETE-REPLY",
                "ASSET-EXIST-ORDER")
#: Far enough for the run to spread itself (the round trip is over NEAR_MS).
DELAY_MS = 20


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The command, run serially (-n 0) and as it chooses (capped at two workers by
    --max-connections 2), each in a folder of its own, against one target."""
    base = tmp_path_factory.mktemp("command")
    found: dict[str, dict[str, Any]] = {}
    with ServerThread(create_app(base / "grid.sqlite")) as server:
        host, port = server.socket.getsockname()[:2]
        proxy = delay_proxy()(host, port, DELAY_MS)
        try:
            url = proxy.start()
            for mode, extra in (("serial", ["-n", "0"]), ("default", [])):
                cwd = base / mode
                cwd.mkdir()
                args = [sys.executable, "-m", "conformance", "--target", url,
                        "--max-connections", "2", *extra]
                for rid in REQUIREMENTS:
                    args += ["--requirement", rid]
                run = subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                                     timeout=300)
                found[mode] = {"run": run, "reports": cwd / "reports"}
        finally:
            proxy.stop()
    return found


def results_of(run: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run["reports"] / "results.json").read_text("utf-8"))
    return data


def nodeids_of(results: dict[str, Any]) -> list[str]:
    return sorted(test["nodeid"] for entry in results["requirements"].values()
                  for test in entry["tests"])


@pytest.mark.parametrize("mode", ["serial", "default"])
def test_the_command_passes_and_every_report_is_complete(
        runs: dict[str, dict[str, Any]], mode: str) -> None:
    run = runs[mode]["run"]
    reports: Path = runs[mode]["reports"]
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert "INTERNALERROR" not in output
    results = results_of(runs[mode])
    tests = nodeids_of(results)
    assert set(results["requirements"]) == set(REQUIREMENTS)
    assert f"{len(tests)} passed" in run.stdout
    # allure: one result per test, each case of a test a case of its own
    allure = [json.loads(path.read_text("utf-8"))
              for path in (reports / "allure-results").glob("*-result.json")]
    assert len(allure) == len(tests)
    cases = {(result["fullName"], json.dumps(result.get("parameters", []), sort_keys=True))
             for result in allure}
    assert len(cases) == len(tests), "cases that allure would merge as retries"
    assert not any("<class 'bytes'>" in json.dumps(result.get("parameters", []))
                   for result in allure)
    # JUnit: one test case per test
    junit = etree.parse(str(reports / "junit.xml"))
    assert len(junit.findall(".//testcase")) == len(tests)
    html = (reports / "report.html").read_text("utf-8")
    assert all(rid in html for rid in REQUIREMENTS)


def test_the_default_run_spreads_itself_and_gives_the_serial_verdicts(
        runs: dict[str, dict[str, Any]]) -> None:
    serial, default = results_of(runs["serial"]), results_of(runs["default"])
    assert {rid: entry["outcome"] for rid, entry in default["requirements"].items()} == \
        {rid: entry["outcome"] for rid, entry in serial["requirements"].items()}
    assert nodeids_of(default) == nodeids_of(serial)
    assert default["concurrency"]["workers"] == 2
    assert serial["concurrency"]["workers"] == 1
    assert "opensim-conformance concurrency: 2 xdist workers" in runs["default"]["run"].stdout

    def left(results: dict[str, Any]) -> collections.Counter[tuple[str, str]]:
        return collections.Counter((entry["service"], entry["kind"])
                                   for entry in results["cleanup"]["remaining"])

    assert left(default) == left(serial)
