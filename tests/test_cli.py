"""The command line as users meet it: `opensim-conformance serve` in one process and
the suite with --target in another give the same verdicts as the embedded run; reports
are written; expectations, read-only mode and cleanup behave; the wheel ships all."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
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
    remote = run(["-q", "-p", "no:cacheprovider", "--target", served, "--login-uri", served],
                 tmp_path / "remote")
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
                     "conformance/suites/asset/test_get.py", "conformance/__main__.py",
                     "conformance/plugin/preflight.py",
                     "conformance/schemas/results.schema.json"):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "opensim_conformance = conformance.pytest_entry" in text
    assert "opensim-conformance = conformance.cli:main" in text


# ---------------------------------------------------------------- the front door


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_help_shows_the_tool_its_options_and_subcommands(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    head = "\n".join(result.stdout.splitlines()[:40])
    assert head.startswith("usage: opensim-conformance")
    assert "usage: pytest" not in result.stdout
    for shown in ("run (default)", "serve", "cleanup", "requirements", "--target URL",
                  "--target-profile FILE", "--read-only", "--allow-writes", "--asset-url"):
        assert shown in head, shown
    # the other rooms' options, read from their groups
    for option in ("--login-uri", "--avatar", "--ais-url", "--ais-library-url",
                   "--keep-allure-results", "--help-pytest"):
        assert option in result.stdout, option
    assert "opensim-conformance --help-pytest" in result.stdout
    assert "suite itself erred" in result.stdout  # the exit codes
    assert "130 interrupted" in result.stdout and "5 no test selected" in result.stdout
    assert "--login-url" not in result.stdout  # the login's URL is --login-uri
    for option in ("--ca-bundle FILE", "--insecure", "--require SERVICES"):
        assert option in result.stdout, option


def test_help_pytest_shows_everything_pytest_offers(tmp_path: Path) -> None:
    result = run(["--help-pytest"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "-k EXPRESSION" in result.stdout and "--target=URL" in result.stdout


@pytest.mark.parametrize("command", [COMMAND, [sys.executable, "-m", "conformance"]],
                         ids=["cli", "python-m-conformance"])
def test_version_names_the_tool_and_pytest(command: list[str], tmp_path: Path) -> None:
    from importlib.metadata import version

    result = subprocess.run([*command, "--version"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"opensim-conformance {version('opensim-conformance')} ")
    assert f"pytest {pytest.__version__}" in result.stdout


def test_requirements_lists_the_catalogue(tmp_path: Path) -> None:
    from conformance.catalogue import load_catalogue

    catalogue = load_catalogue()
    result = run(["requirements"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{len(catalogue)} requirements" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("ASSET-GET-404 "))
    assert line.split()[1:2] == ["asset"] and "documented" in line
    assert f"must: {catalogue['ASSET-GET-404'].must[:40]}" in result.stdout
    listed = run(["requirements", "--service", "xinventory", "--level", "interop", "--json"],
                 tmp_path)
    entries = json.loads(listed.stdout)
    assert entries and {(e["service"], e["level"]) for e in entries} == {("xinventory",
                                                                           "interop")}
    assert {"id", "section", "must", "source", "quote"} <= set(entries[0])


@pytest.mark.parametrize("args", [["requirements", "--service", "assets"],
                                  ["requirements", "--level", "maybe"],
                                  ["serve", "--port", "eighty"],
                                  ["cleanup"]])
def test_a_subcommand_usage_error_is_one_line_and_exit_4(args: list[str],
                                                         tmp_path: Path) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 4
    assert len(lines_of(result.stderr)) == 1, result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- before the run


def test_an_unreachable_target_exits_2_at_once_in_a_few_lines(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run(["--target", "http://127.0.0.1:1"], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert time.monotonic() - started < 20
    output = lines_of(result.stdout) + lines_of(result.stderr)
    assert len(output) <= 5, output
    assert "asset http://127.0.0.1:1: connection refused" in result.stderr
    assert "xinventory http://127.0.0.1:1: connection refused" in result.stderr
    assert not (tmp_path / "reports" / "results.json").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["--target", "127.0.0.1:8003"], "did you mean http://127.0.0.1:8003"),
    (["--target", "not a url"], "not an http:// or https:// URL"),
    (["--target", "http://"], "not an http:// or https:// URL"),
    (["--target", "http://127.0.0.1:99999"], "no valid port"),
    (["--asset-url", "ftp://127.0.0.1/"], "--asset-url"),
    (["--timeout", "-5"], "--timeout must be a number of seconds > 0"),
    (["--timeout", "0"], "--timeout must be a number of seconds > 0"),
    (["--timeout", "ten"], "--timeout must be a number of seconds > 0"),
    (["--target"], "--target needs a value"),
    (["--agent", "5"], "--agent must be a UUID"),
    (["--principal", "not-a-uuid"], "--principal must be a UUID"),
    (["--max-connections", "0"], "--max-connections must be a whole number of 1 or more"),
    (["--budget"], "--budget needs a value"),
    (["--requirement", "ASSET-NOPE"], "ASSET-NOPE"),
    (["--target", "http://192.0.2.1:8003"], "give --read-only"),
])
def test_a_usage_error_is_one_line_and_exit_4(args: list[str], says: str,
                                              tmp_path: Path) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 4, result.stdout[-2000:]
    errors = lines_of(result.stderr)
    assert len(errors) == 1 and says in errors[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "reports" / "results.json").exists()


def test_a_remote_target_needs_the_mode_said_out_loud(tmp_path: Path) -> None:
    result = run(["--target", "http://grid.example.org:8003"], tmp_path)
    assert result.returncode == 4
    assert "--read-only" in result.stderr and "--allow-writes" in result.stderr


@pytest.mark.parametrize(("line", "says"), [
    ("target = 5", "target must be an http:// or https:// URL"),
    ('timeout = "ten"', "timeout must be a number of seconds > 0"),
    ('principal = "not-a-uuid"', "principal must be a UUID"),
    ("read_only = 1", "read_only must be true or false"),
    ('[services]\nasset = "grid:8003"', "services.asset"),
    ("this is not toml", "target profile"),
])
def test_a_wrong_profile_is_one_line_and_exit_4(line: str, says: str, tmp_path: Path) -> None:
    profile = tmp_path / "grid.toml"
    profile.write_text(line + "\n")
    result = run(["--target-profile", str(profile)], tmp_path)
    assert result.returncode == 4, result.stdout[-2000:]
    errors = lines_of(result.stderr)
    assert len(errors) == 1 and says in errors[0], result.stderr
    assert "INTERNALERROR" not in result.stdout + result.stderr


def test_serve_refuses_a_port_in_use_and_a_missing_folder(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run(["serve", "--port", str(port), "--db", str(tmp_path / "g.sqlite")],
                     tmp_path)
    assert result.returncode == 4
    assert lines_of(result.stderr) == [
        f"opensim-conformance serve: port {port} on 127.0.0.1 is in use (choose another with "
        f"--port, or 0 for a free one)"]
    result = run(["serve", "--port", "0", "--db", str(tmp_path / "nowhere" / "g.sqlite")],
                 tmp_path)
    assert result.returncode == 4
    assert len(lines_of(result.stderr)) == 1 and "does not exist" in result.stderr


# ---------------------------------------------------------------- reports


def test_a_run_that_tests_nothing_leaves_the_last_reports_alone(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "allure-results").mkdir(parents=True)
    files = {reports / "results.json": '{"last": "run"}', reports / "report.html": "<p>last",
             reports / "junit.xml": "<testsuites/>",
             reports / "allure-results" / "last-result.json": "{}"}
    for path, text in files.items():
        path.write_text(text)
    for args in (["--requirement", "ASSET-NOPE"], ["--co", "-q"], ["-m", "no_such_marker"],
                 ["--target", "http://127.0.0.1:1"]):
        result = run(args, tmp_path)
        assert result.returncode in (2, 4, 5, 0), (args, result.returncode)
        for path, text in files.items():
            assert path.read_text() == text, (args, path)
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        ["results.json", "report.html", "junit.xml", "allure-results"]
        + ([".pytest_cache"] if (reports / ".pytest_cache").exists() else []))


def test_reports_of_a_run(tmp_path: Path) -> None:
    """Allure results replaced per run (or kept on request); results.json carries the
    tool and schema versions, the duration and the command line with the password
    redacted, and validates against its schema; the HTML report filters and shows no
    exchange of a passing test; the header says what is tested, as whom and how."""
    from importlib.metadata import version

    from conformance.resources import schema_violations

    stale = tmp_path / "reports" / "allure-results" / "stale-result.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    args = ["--requirement", "ASSET-GET-404", "--requirement", "XINV-GETITEM-UNKNOWN",
            "--password", "s3cret-word"]
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "opensim-conformance target: the embedded reference server" in result.stdout
    assert re.search(r"principal: [0-9a-f-]{36}; mode: writes .*; profile: none",
                     result.stdout)
    assert "site-packages" not in result.stdout
    assert re.search(r"^conformance/suites/asset/test_get\.py \.", result.stdout, re.M)
    reports = tmp_path / "reports"
    assert not stale.exists() and any((reports / "allure-results").iterdir())
    data = json.loads((reports / "results.json").read_text("utf-8"))
    assert schema_violations("results", data) == []
    assert data["tool"]["version"] == version("opensim-conformance")
    assert data["schema_version"] == 1 and data["duration"] > 0
    assert data["command"] == ["opensim-conformance", *args[:-1], "***"]
    assert "s3cret-word" not in (reports / "results.json").read_text("utf-8")
    page = (reports / "report.html").read_text("utf-8")
    assert "<script" not in page
    for choice in ("f-service-asset", "f-service-xinventory", "f-outcome-passed",
                   "f-level-documented", "f-level-interop"):
        assert f"<label for='{choice}'>" in page, choice
    assert ("#f-service-asset:checked~.filtered [data-service]:not([data-service='asset'])"
            in page)
    assert "data-service='asset' data-outcome='passed' data-level='documented'" in page
    assert "curl " not in page and "s3cret-word" not in page
    assert not list(reports.glob("ledger-*.jsonl")), "a ledger listing nothing left stays"
    assert not list(reports.glob(".*.tmp"))
    first_allure = set((reports / "allure-results").iterdir())
    again = run([*args[:2], "--keep-allure-results"], tmp_path)
    assert again.returncode == 0, again.stdout[-3000:]
    assert first_allure < set((reports / "allure-results").iterdir())


def test_the_results_schema_refuses_what_is_not_results() -> None:
    from conformance.resources import schema_violations

    assert schema_violations("results", {"suite": "opensim-conformance"})
    assert any("duration" in v for v in schema_violations("results", {
        "suite": "opensim-conformance", "schema_version": 1, "duration": "long"}))


def test_the_readme_names_only_paths_a_clone_has() -> None:
    """Every path the README names (in backticks, or as a link) exists in a clone; the
    CI job and every exit code are there."""
    text = (ROOT / "README.md").read_text("utf-8")
    tops = ("conformance/", "schemas/", "fixtures/", "profiles/", "tests/", "docs/",
            "benchmarks/", "shared/")
    named = set(re.findall(r"`([\w./-]+)`", text)) | set(re.findall(r"\]\(([\w./-]+)\)", text))
    for path in sorted(p for p in named if p.startswith(tops)):
        assert (ROOT / path).exists(), f"README names {path}, which a clone does not have"
    for line in re.findall(r"\|\s*`?(\w+/[\w./-]+\.\w+)", text):
        assert (ROOT / line).exists(), line
    assert "runs-on: ubuntu-latest" in text and "pipx run" in text and "pipx install" in text
    exit_codes = text[text.index("**Exit code.**"):]
    for code in ("0 when", "1 on", "2 when", "3 when", "4 for"):
        assert code in exit_codes, code


def test_ci_runs_the_readmes_test_command_and_stops_when_it_fails(tmp_path: Path) -> None:
    """.ci/run runs the README's test command as written, and a failure of any part of
    it ends the script with that failure (under ``set -e`` a failing command inside an
    ``&&`` list does not): shown with the line run against stand-ins that fail."""
    readme = (ROOT / "README.md").read_text("utf-8")
    command = re.findall(r"```sh\n(python3 -m venv .venv && [^\n]*pytest[^\n]*)\n```",
                         readme)
    assert len(command) == 1, command
    script = (ROOT / ".ci" / "run").read_text("utf-8")
    [line] = [line for line in script.splitlines() if line.startswith(command[0])]
    assert "set -euo pipefail" in script
    stand_in = line.replace(command[0], "true && false && true")
    result = subprocess.run(["bash", "-c", f"set -euo pipefail\n{stand_in}\necho on"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "on" not in result.stdout


def test_help_read_through_head_is_no_error(tmp_path: Path) -> None:
    result = subprocess.run(f"'{sys.executable}' -m conformance --help | head -40",
                            shell=True, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert len(result.stdout.splitlines()) == 40
    assert "run options:" in result.stdout and "requirements" in result.stdout
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


# ---------------------------------------------------------------- interrupted runs

#: A plugin that presses Ctrl-C (SIGINT to the run's own process) after the third test.
CTRL_C_AFTER_3 = '''
import signal

calls = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        calls.append(report.nodeid)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)
'''


def test_an_interrupted_run_says_so_everywhere_and_is_no_verdict(tmp_path: Path) -> None:
    """Ctrl-C: exit 130 (not 2, the target's), "INTERRUPTED" in red in the terminal,
    results.json marked ``interrupted`` (and valid), a red banner and no green verdict
    in the HTML report, the JUnit suite marked incomplete, the last complete run's
    allure results kept; and ``compare`` refuses it as a side."""
    from conformance.resources import schema_violations

    complete = run(["-q", "-m", "asset"], tmp_path)
    assert complete.returncode == 0, complete.stdout[-2000:]
    reports = tmp_path / "reports"
    full = tmp_path / "full.json"
    full.write_text((reports / "results.json").read_text("utf-8"), "utf-8")
    allure = set((reports / "allure-results").iterdir())
    (tmp_path / "ctrl_c_after_3.py").write_text(CTRL_C_AFTER_3, "utf-8")
    result = run(["-p", "ctrl_c_after_3", "-m", "asset"], tmp_path)
    assert result.returncode == 130, result.stdout[-3000:]
    assert "INTERRUPTED: the run is incomplete" in result.stdout
    data = json.loads((reports / "results.json").read_text("utf-8"))
    assert data["interrupted"] is True and schema_violations("results", data) == []
    assert 0 < len(data["requirements"]) < len(json.loads(full.read_text())["requirements"])
    page = (reports / "report.html").read_text("utf-8")
    assert "class='verdict incomplete'>opensim-conformance INTERRUPTED" in page
    assert "verdict passed" not in page
    junit = (reports / "junit.xml").read_text("utf-8")
    assert '<property name="incomplete"' in junit
    assert set((reports / "allure-results").iterdir()) == allure
    compared = run(["compare", str(full), str(reports / "results.json")], tmp_path)
    assert compared.returncode == 1, compared.stdout
    assert "incomplete" in compared.stdout and "interrupted" in compared.stdout


def test_reports_follow_the_options_and_junit_shows_the_requirement(tmp_path: Path) -> None:
    """--results-json elsewhere (the README's upgrade recipe) still leaves allure
    results; the JUnit suite is "opensim-conformance" and each test case's name carries
    its requirement ID (CI pages show no properties)."""
    elsewhere = tmp_path / "old.json"
    result = run(["-q", "--requirement", "ASSET-GET-404", "--results-json", str(elsewhere)],
                 tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    reports = tmp_path / "reports"
    assert elsewhere.is_file() and not (reports / "results.json").exists()
    assert any((reports / "allure-results").glob("*-result.json"))
    import lxml.etree

    suite = lxml.etree.parse(str(reports / "junit.xml")).find(".//testsuite")
    assert suite is not None and suite.get("name") == "opensim-conformance"
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names and all(str(name).startswith("ASSET-GET-404: test_") for name in names)


def test_the_ledgers_of_two_runs_started_in_one_second_never_mix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run's ledger has a name of its own (time, process, random), and the run
    reads (and removes) only its own and its workers'."""
    import os

    from conformance.commands import run as cli
    from conformance.plugin.reporting import ledger_files

    given: list[str] = []

    def main(args: list[str]) -> int:
        given.append(args[args.index("--ledger") + 1])
        return 0

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.pytest, "main", main)
    monkeypatch.setattr(cli.time, "strftime", lambda _: "20260101T000000")
    assert cli.run_suite([]) == 0 and cli.run_suite([]) == 0
    assert given[0] != given[1]
    assert all(f"ledger-20260101T000000-{os.getpid()}-" in name for name in given)

    ours = tmp_path / "ledger-20260101T000000-100-abcdef.jsonl"
    worker = tmp_path / "ledger-20260101T000000-100-abcdef-gw0.jsonl"
    theirs = tmp_path / "ledger-20260101T000000-100-abcdef0.jsonl"
    other = tmp_path / "ledger-20260101T000000-200-123456.jsonl"
    for path in (ours, worker, theirs, other):
        path.write_text("")
    assert ledger_files(ours) == [ours, worker]


def test_require_fails_a_run_that_did_not_test_a_named_service(tmp_path: Path) -> None:
    """CI that tests what the implementer has: --require ais,caps fails a run in which
    no requirement of a named service was tested (one line saying what to give)."""
    only_asset = ["-q", "--requirement", "ASSET-GET-404"]
    result = run([*only_asset, "--require", "asset,caps"], tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    assert ("opensim-conformance: --require asset,caps: no requirement of caps was tested"
            in result.stderr)
    assert "--login-uri" in result.stderr
    data = json.loads((tmp_path / "reports" / "results.json").read_text("utf-8"))
    assert data["required"] == {"asset": True, "caps": False}
    assert run([*only_asset, "--require", "asset"], tmp_path).returncode == 0
    wrong = run([*only_asset, "--require", "assets"], tmp_path)
    assert wrong.returncode == 4 and "--require assets: not a service" in wrong.stderr


# ---------------------------------------------------------------- small points


def test_a_mistyped_subcommand_is_one_line_and_runs_nothing(tmp_path: Path) -> None:
    result = run(["requirement"], tmp_path)
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "opensim-conformance: 'requirement' is no subcommand (did you mean requirements? "
        "subcommands: run, serve, cleanup, requirements, compare; see opensim-conformance "
        "--help)")
    assert result.stdout == "" and not (tmp_path / "reports").exists()


def test_a_marker_that_selects_nothing_is_said_and_exit_5(tmp_path: Path) -> None:
    result = run(["-m", "assets"], tmp_path)
    assert result.returncode == 5
    assert ("opensim-conformance: no test was run: -m 'assets': assets is no marker of the "
            "suite (markers: asset, xinventory, caps, ais, reads, writes, destructive) "
            "(exit 5)") in result.stderr
    assert not (tmp_path / "reports" / "junit.xml").exists()


@pytest.mark.parametrize(("given", "runs"), [
    ("asset-get-404", {"ASSET-GET-404"}),
    ("ASSET-FLAGS-*", {"ASSET-FLAGS-SINGLE", "ASSET-FLAGS-DEFAULT", "ASSET-FLAGS-COMMA",
                       "ASSET-FLAGS-WHITESPACE", "ASSET-FLAGS-SPACE-SEPARATED",
                       "ASSET-FLAGS-EMPTY", "ASSET-FLAGS-UNKNOWN"}),
])
def test_requirement_takes_any_case_and_globs(given: str, runs: set[str],
                                              tmp_path: Path) -> None:
    result = run(["-q", "--requirement", given], tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert set(outcomes(tmp_path / "reports" / "results.json")) == runs


def test_a_requirement_that_names_nothing_gets_a_hint(tmp_path: Path) -> None:
    result = run(["--requirement", "ASSET-GET-40"], tmp_path)
    assert result.returncode == 4
    assert "--requirement ASSET-GET-40: no such requirement (did you mean ASSET-GET-404" in (
        result.stderr + result.stdout)


def test_pytest_pyargs_leaves_no_cache_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "--pyargs",
                             "conformance.suites.asset", "-q", "--requirement",
                             "ASSET-GET-404"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    assert not (tmp_path / ".pytest_cache").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_readmes_ci_snippet_requires_the_services_pins_and_waits() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    snippet = text[text.index("```yaml"):]
    snippet = snippet[:snippet.index("```\n", 7)]
    assert "--require asset,xinventory,caps,ais" in snippet and "--login-uri" in snippet
    assert re.search(r"git\+https://github\.com/OWNER/opensim-conformance@\S+", snippet)
    assert "sleep" not in snippet and "--retry-connrefused" in snippet


def test_reports_bodies_keeps_only_the_last_runs(tmp_path: Path) -> None:
    import os

    from conformance.commands import run as cli

    folder = tmp_path / "bodies"
    folder.mkdir()
    old, new = folder / "request-old.bin", folder / "request-new.bin"
    old.write_bytes(b"\x00")
    new.write_bytes(b"\x01")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    cli._prune_bodies(folder, time.time() - 60)
    assert sorted(folder.iterdir()) == [new]


def test_an_interrupted_run_with_module_fixtures_still_open_keeps_its_reports(
        tmp_path: Path) -> None:
    """Ctrl-C inside an AIS3 module: its folder fixture is torn down after the run's
    cleanup and still reaches the embedded server; no traceback, the reports written."""
    (tmp_path / "ctrl_c_after_3.py").write_text(CTRL_C_AFTER_3, "utf-8")
    result = run(["-p", "ctrl_c_after_3", "-m", "ais"], tmp_path)
    assert result.returncode == 130, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "INTERNALERROR" not in result.stdout
    assert "a teardown failed" not in result.stderr  # the embedded server stops last
    data = json.loads((tmp_path / "reports" / "results.json").read_text("utf-8"))
    assert data["interrupted"] is True
    assert result.stdout.rstrip().splitlines()[-1].startswith(
        "opensim-conformance INTERRUPTED: the run is incomplete")
