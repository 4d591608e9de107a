"""The command line as users meet it: `opensim-conformance serve` in one process and
the suite with --target in another give the same verdicts as the embedded run; reports
are written; expectations, read-only mode and cleanup behave; the wheel ships all."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.clients.asset import AssetClient
from conformance.clients.http import HttpClient, Recorder
from conformance.ledger import Ledger
from conformance.reference.app import create_app
from conformance.reference.server import ServerThread

COMMAND = [sys.executable, "-m", "conformance.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND + args, cwd=cwd, capture_output=True, text=True, timeout=300)


def outcomes(path: Path) -> dict[str, str]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return {rid: entry["outcome"] for rid, entry in data["requirements"].items()}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`opensim-conformance serve --port 0` in its own process; its URL."""
    process = subprocess.Popen([*COMMAND, "serve", "--port", "0", "--db",
                                str(tmp_path / "grid.sqlite")],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        yield line.split(" on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_served_reference_gives_the_embedded_verdicts(tmp_path: Path, served: str) -> None:
    (tmp_path / "embedded").mkdir()
    (tmp_path / "remote").mkdir()
    embedded = run(["-q", "-p", "no:cacheprovider"], tmp_path / "embedded")
    remote = run(["-q", "-p", "no:cacheprovider", "--target", served], tmp_path / "remote")
    assert embedded.returncode == 0, embedded.stdout[-3000:]
    assert remote.returncode == 0, remote.stdout[-3000:]
    reports = tmp_path / "embedded" / "reports"
    for name in ("junit.xml", "results.json", "report.html"):
        assert (reports / name).is_file(), name
    assert any((reports / "allure-results").glob("*-result.json"))
    embedded_verdicts = outcomes(reports / "results.json")
    assert embedded_verdicts == outcomes(tmp_path / "remote" / "reports" / "results.json")
    assert set(embedded_verdicts.values()) == {"passed"}


def test_expectations_are_reported_and_unexpected_passes_fail_the_run(tmp_path: Path) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('[expectations.ASSET-GET-404]\noutcome = "fail"\n'
                       'reason = "answers 200 for missing assets"\n'
                       '[expectations.ASSET-FLAGS-COMMA]\noutcome = "skip"\n'
                       'reason = "not relevant here"\n')
    result = run(["-q", "--target-profile", str(profile), "--requirement", "ASSET-GET-404",
                  "--requirement", "ASSET-FLAGS-COMMA"], tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    verdicts = outcomes(tmp_path / "reports" / "results.json")
    assert verdicts == {"ASSET-GET-404": "xpassed", "ASSET-FLAGS-COMMA": "not tested"}
    assert "XPASSED  ASSET-GET-404" in result.stdout


def test_an_expectation_naming_an_unknown_requirement_stops_the_run(tmp_path: Path) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text('[expectations.ASSET-NO-SUCH-THING]\noutcome = "fail"\nreason = "r"\n')
    result = run(["-q", "--target-profile", str(profile)], tmp_path)
    assert result.returncode == 4
    assert "ASSET-NO-SUCH-THING" in result.stderr


def test_read_only_runs_send_nothing_that_writes(tmp_path: Path) -> None:
    result = run(["-q", "--read-only", "-m", "asset"], tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    data = json.loads((tmp_path / "reports" / "results.json").read_text("utf-8"))
    methods = {exchange["method"] + " " + exchange["url"].split("/")[3]
               for entry in data["requirements"].values() for test in entry["tests"]
               for exchange in test["transcript"]}
    assert methods and all(m.startswith("GET ") or m.startswith("POST get_assets_exist")
                           for m in methods), methods
    assert data["requirements"]["ASSET-GET-404"]["outcome"] == "passed"
    assert data["requirements"]["ASSET-POST-RETURNS-ID"]["outcome"] == "not tested"
    assert data["cleanup"]["created"] == 0


def test_cleanup_removes_what_a_ledger_lists(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    with ServerThread(create_app(tmp_path / "grid.sqlite")) as server:
        http = HttpClient(server.url, timeout=5, recorder=Recorder())
        assets = AssetClient(http, ledger, "00000000-0000-0000-0000-0000000000aa")
        asset_id, reply = assets.store()
        assert reply.status == 200
        result = run(["cleanup", "--ledger", str(ledger.path)], tmp_path)
        assert result.returncode == 0, result.stdout
        assert "0 objects remain" in result.stdout
        assert assets.get(asset_id).status == 404
    assert ledger.remaining() == []


def test_the_wheel_ships_the_catalogue_schemas_fixtures_and_entry_points(
        tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from hatchling.build import build_wheel; "
                               "print(build_wheel(sys.argv[1]))", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=True)
    wheel = tmp_path / build.stdout.strip().splitlines()[-1]
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("conformance/requirements/asset.toml", "conformance/plugin/__init__.py",
                     "conformance/schemas/asset.schema.json",
                     "conformance/fixtures/asset/wiki-sample.xml",
                     "conformance/suites/asset/test_get.py"):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "opensim_conformance = conformance.plugin" in text
    assert "opensim-conformance = conformance.cli:main" in text
