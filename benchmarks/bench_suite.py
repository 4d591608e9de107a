"""How long the conformance suite takes, how many requests it sends and what it leaves
behind, against targets near and far. It measures and prints; it asserts nothing about
speed, and CI does not run it.

    .venv/bin/python benchmarks/bench_suite.py [--delays 0,10,50] [--repeat 1]
        [--json benchmarks/results.json] [--readme benchmarks/README.md] [-- PYTEST ARGS]

1. A target far away: for each delay, a fresh reference server (a fresh SQLite file) in
   a process of its own behind a DelayProxy (also at 0 ms, so every run takes the same
   path), and the whole suite as a user runs it (the ``opensim-conformance`` command,
   every report on), in a fresh process, against the proxy: once one test at a time
   (``-n 0``, serial) and once as the suite chooses by itself (default: xdist workers
   from the round trip). Each run gets its own server, so no run sees another's objects.
   Per run: the wall time, pytest's outcome line, the concurrency the suite chose, the
   objects the run's ledger lists as left behind, the allure results written (one per
   test), and the requests per requirement.
2. The embedded reference server: ``pytest`` from the checkout, serially and with
   ``-n 2``, ``--repeat`` times each.
3. The reference server's request rate over loopback (``--requests``; 0 skips it).

PYTEST ARGS after ``--`` go to every run of the suite (``-- --requirement ASSET-GET-200``
measures a subset).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.delay_proxy import DelayProxy  # noqa: E402
from conformance.ledger import ledger_summary, run_ledgers  # noqa: E402
from conformance.reference.app import create_app  # noqa: E402
from conformance.reference.process import ServerProcess  # noqa: E402
from conformance.reference.server import ServerThread  # noqa: E402
from conformance.wire.asset import build_asset  # noqa: E402

#: The two ways a user runs the suite against a target of theirs.
MODES = {"serial": ["-n", "0"], "default": []}
#: How many of the costliest requirements the table shows.
COSTLIEST = 10
#: The lines of pytest's output kept of a run that did not pass.
OUTPUT_TAIL = 60
#: pytest's last line: "412 passed, 2 skipped in 31.2s".
OUTCOME_LINE = re.compile(r"\b\d+ (passed|failed|skipped|error|errors|xfailed|xpassed|"
                          r"deselected|warnings?)\b.* in [\d.]+s")


# ---------------------------------------------------------------------- running


def run_pytest(command: list[str], cwd: Path, tmp: Path,
               timeout: float) -> tuple[float, int | None, str]:
    """Run ``command`` in a fresh process (its temporary files in ``tmp``): the wall
    time, the exit code (None when it ran out of time) and its stdout. A run out of time
    ends with its process group (its xdist workers and servers)."""
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("PYTEST_ADDOPTS", None)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        code = None
    return time.perf_counter() - started, code, output


def outcome_line(output: str, code: int | None) -> str:
    """pytest's outcome line, or what went wrong."""
    if code is None:
        return "ran out of time"
    lines = output.strip().splitlines()
    found = next((line.strip("= ") for line in reversed(lines) if OUTCOME_LINE.search(line)),
                 None)
    return found or (lines[-1] if lines else f"no output, exit {code}")


@contextlib.contextmanager
def far_target(delay_ms: float, folder: Path) -> Iterator[str]:
    """A fresh reference server in its own process behind a DelayProxy: the proxy's URL."""
    server = ServerProcess(str(folder / "reference.sqlite"))
    upstream = urlsplit(server.start())
    proxy = None
    try:
        proxy = DelayProxy(upstream.hostname or "127.0.0.1", upstream.port or 80, delay_ms)
        yield proxy.start()
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


def remote_run(delay_ms: float, mode: str, extra: list[str], timeout: float) -> dict[str, Any]:
    """One run of the whole suite against a fresh server ``delay_ms`` away."""
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        folder = Path(name)
        results, ledger = folder / "reports" / "results.json", folder / "ledger.jsonl"
        with far_target(delay_ms, folder) as url:
            # The command as a user runs it (reports/ in the working folder, every
            # report on); the ledger named, so that it stays when nothing is left.
            command = [sys.executable, "-m", "conformance", "--target", url, "--login-uri",
                       url, "-q", "--ledger", str(ledger), *MODES[mode], *extra]
            wall, code, output = run_pytest(command, folder, folder, timeout)
        data = json.loads(results.read_text("utf-8")) if results.is_file() else {}
        created, remaining = ledger_summary(run_ledgers(ledger))
        allure = len(list((folder / "reports" / "allure-results").glob("*-result.json")))
    left = Counter(f"{entry.service}/{entry.kind}" for entry in remaining)
    tests = unique_tests(data)
    return {
        "delay_ms": delay_ms,
        "mode": mode,
        "wall_s": round(wall, 2),
        "suite_s": data.get("duration"),  # the session alone, as results.json times it
        "exit_code": code,
        "outcome": outcome_line(output, code),
        "summary": data.get("summary", {}),
        "concurrency": data.get("concurrency"),
        "tests": len(tests),
        "allure_results": allure,
        "requests": sum(len(test["transcript"]) for test in tests),
        "created": created,
        "left_behind": len(remaining),
        "left_behind_by_kind": dict(sorted(left.items())),
        "requirements": requirement_costs(data),
        # what pytest said, when the run did not pass
        "output_tail": [] if code == 0 else output.strip().splitlines()[-OUTPUT_TAIL:],
    }


def unique_tests(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every test of a results.json once (a test of several requirements is listed
    under each)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in data.get("requirements", {}).values():
        for test in entry["tests"]:
            seen.setdefault((test["nodeid"], test["when"]), test)
    return list(seen.values())


def requirement_costs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per requirement: its tests, the requests in their transcripts (setup included),
    the sum of those requests' round trips (requests sent side by side overlap), and the
    time its tests took (the test calls, as results.json times them)."""
    costs = {}
    for rid, entry in data.get("requirements", {}).items():
        exchanges = [exchange for test in entry["tests"] for exchange in test["transcript"]]
        costs[rid] = {
            "tests": len(entry["tests"]),
            "requests": len(exchanges),
            "round_trips_s": round(sum(e.get("elapsed_ms") or 0 for e in exchanges) / 1000,
                                   2),
            "test_s": round(sum(test.get("duration") or 0 for test in entry["tests"]), 2),
        }
    return costs


def embedded_runs(label: str, args: list[str], extra: list[str], repeat: int,
                  timeout: float) -> dict[str, Any]:
    """``repeat`` runs of the suite against the embedded reference server from the
    checkout (``testpaths``), each in a fresh process."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, *extra]
    times, line, tails = [], "", []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-") as name:
            wall, code, output = run_pytest(command, ROOT, Path(name), timeout)
        times.append(round(wall, 2))
        line = outcome_line(output, code)
        print(f"  embedded {label:<8} {wall:7.1f} s  {line}", flush=True)
        if code != 0:
            tails.append(output.strip().splitlines()[-OUTPUT_TAIL:])
    return {"args": args, "times_s": times, "min_s": min(times),
            "median_s": round(statistics.median(times), 2), "outcome": line,
            "output_tails": tails}


# ---------------------------------------------------------------------- request rate


def rate(count: int, action: Callable[[int], None]) -> tuple[float, float]:
    """Requests per second and the median latency (ms) of ``count`` calls."""
    latencies = []
    started = time.perf_counter()
    for index in range(count):
        begun = time.perf_counter()
        action(index)
        latencies.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    return count / elapsed, statistics.median(latencies) * 1000


def server_rates(count: int) -> list[dict[str, Any]]:
    """The reference server's rate over loopback: ``count`` sequential POSTs of small
    assets, then a GET of each, from one keep-alive client."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder, \
            ServerThread(create_app(Path(folder) / "reference.sqlite")) as server, \
            requests.Session() as session:
        ids = [str(uuid.uuid4()) for _ in range(count)]
        bodies = [build_asset(asset_id, os.urandom(256), name="opensim-conformance bench")
                  for asset_id in ids]

        def post(index: int) -> None:
            reply = session.post(f"{server.url}/assets", data=bodies[index],
                                 headers={"Content-Type": "text/xml"}, timeout=10)
            if reply.status_code != 200:
                raise SystemExit(f"POST /assets answered {reply.status_code}")

        def get(index: int) -> None:
            reply = session.get(f"{server.url}/assets/{ids[index]}", timeout=10)
            if reply.status_code != 200:
                raise SystemExit(f"GET /assets answered {reply.status_code}")

        for label, action in (("POST /assets", post), ("GET /assets/{id}", get)):
            per_second, median_ms = rate(count, action)
            rows.append({"request": label, "per_second": round(per_second),
                         "median_ms": round(median_ms, 2)})
    return rows


# ---------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip()

    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git("rev-parse", "HEAD"),
        # other work in the checkout that the commit does not have
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def left_text(run: dict[str, Any] | None) -> str:
    if run is None:
        return "-"
    kinds = run["left_behind_by_kind"]
    text = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    return text if len(kinds) == 1 else f"{run['left_behind']}: {text}" if kinds else "0"


def table(report: dict[str, Any]) -> list[str]:
    """The table of far-away runs, the costliest requirements and the embedded line."""
    runs = {(run["delay_ms"], run["mode"]): run for run in report["remote"]}
    lines = [f"{'delay':>7} | {'serial s':>8} | {'default s':>9} | {'speedup':>7} | "
             f"{'workers':>7} | {'left behind serial':<24} | left behind default"]
    lines.append("-" * len(lines[0]))
    for delay in report["delays_ms"]:
        serial, default = runs.get((delay, "serial")), runs.get((delay, "default"))
        speedup = (f"{serial['wall_s'] / default['wall_s']:.2f}x"
                   if serial and default and default["wall_s"] else "-")
        workers = ((default or {}).get("concurrency") or {}).get("workers", "-")
        lines.append(
            f"{delay:>4g} ms | {serial['wall_s'] if serial else '-':>8} | "
            f"{default['wall_s'] if default else '-':>9} | {speedup:>7} | {workers:>7} | "
            f"{left_text(serial):<24} | {left_text(default)}")
    for run in report["remote"]:
        lines.append(f"  {run['delay_ms']:g} ms {run['mode']}: {run['outcome']}; "
                     f"{run['requests']} requests, {run['allure_results']} allure results "
                     f"for {run['tests']} tests")
    costliest = report.get("costliest")
    if costliest:
        lines += ["", f"the {len(costliest['rows'])} costliest requirements (serial run at "
                      f"{costliest['delay_ms']:g} ms, {costliest['wall_s']} s)"]
        lines.append(f"  {'requirement':<36} {'requests':>8} {'round trips':>11} "
                     f"{'test time':>9} {'of wall':>7}")
        for row in costliest["rows"]:
            lines.append(f"  {row['requirement']:<36} {row['requests']:>8} "
                         f"{row['round_trips_s']:>9.1f} s {row['test_s']:>7.1f} s "
                         f"{row['share_of_wall']:>7.1%}")
    embedded = report.get("embedded")
    if embedded:
        serial, parallel = embedded["serial"], embedded["-n 2"]
        lines += ["", f"embedded target ({len(serial['times_s'])} runs each, min / median): "
                      f"serial {serial['min_s']} / {serial['median_s']} s, -n 2 "
                      f"{parallel['min_s']} / {parallel['median_s']} s, serial / -n 2 = "
                      f"{embedded['ratio']:.2f}x (medians)",
                  f"  serial: {serial['outcome']}; -n 2: {parallel['outcome']}"]
    for row in report.get("server_rate", []):
        lines.append(f"reference server over loopback, {row['request']}: "
                     f"{row['per_second']} req/s, median {row['median_ms']} ms")
    return lines


def costliest(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The costliest requirements by requests, from the serial run at the largest delay."""
    serial = [run for run in runs if run["mode"] == "serial" and run["requirements"]]
    if not serial:
        return None
    run = max(serial, key=lambda run: run["delay_ms"])
    ranked = sorted(run["requirements"].items(), key=lambda item: -item[1]["requests"])
    rows = [{"requirement": rid, **cost,
             "share_of_wall": round(cost["test_s"] / run["wall_s"], 4)}
            for rid, cost in ranked[:COSTLIEST]]
    return {"delay_ms": run["delay_ms"], "wall_s": run["wall_s"], "rows": rows}


#: The markers around the "Measured" section of benchmarks/README.md.
MEASURED = re.compile(r"(<!-- measured:start -->\n).*?(<!-- measured:end -->)", re.S)


def measured_section(report: dict[str, Any]) -> str:
    """The README's "Measured" section: the machine, then the table as printed."""
    info = report["machine"]
    extra = " ".join(report["pytest_args"])
    dirty = " with uncommitted changes" if info["uncommitted_changes"] else ""
    return "\n".join([
        f"{info['date'][:10]}, {info['cores']} cores, Python {info['python']}, commit "
        f"`{info['commit'][:10]}`{dirty}{f', pytest arguments `{extra}`' if extra else ''}; "
        f"the benchmark took {report['elapsed_s']:.0f} s.",
        "", "```", *table(report), "```", ""])


def write_readme(path: Path, report: dict[str, Any]) -> None:
    text = path.read_text("utf-8")
    if not MEASURED.search(text):
        raise SystemExit(f"{path} has no <!-- measured:start --> ... end --> markers")
    section = measured_section(report)
    path.write_text(MEASURED.sub(lambda match: match[1] + section + match[2], text), "utf-8")


def write(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", "utf-8")


# ---------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [options] [-- PYTEST ARGS]")
    parser.add_argument("--delays", default="0,10,50",
                        help="delays (ms) of the far-away target, comma-separated")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per mode against the embedded target")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json",
                        help="where the results go (replaced)")
    parser.add_argument("--readme", type=Path, metavar="FILE",
                        help="also put the table into FILE's Measured section")
    parser.add_argument("--requests", type=int, default=500,
                        help="requests per method of the request rate (0: skip it)")
    parser.add_argument("--no-embedded", action="store_true",
                        help="skip the runs against the embedded target")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="the most seconds one run of the suite may take")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    delays = [float(text) for text in args.delays.split(",") if text.strip()]

    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": machine(),
        "command": ["benchmarks/bench_suite.py", *sys.argv[1:]],
        "pytest_args": extra,
        "delays_ms": delays,
        "remote": [],
    }
    info = report["machine"]
    print(f"python {info['python']}, {info['cores']} cores, {info['commit'][:10]}"
          f"{' (+ uncommitted changes)' if info['uncommitted_changes'] else ''}", flush=True)

    for delay in delays:
        for mode in MODES:
            run = remote_run(delay, mode, extra, args.timeout)
            report["remote"].append(run)
            choice = run["concurrency"] or {}
            print(f"  {delay:4g} ms {mode:<8} {run['wall_s']:7.1f} s  workers "
                  f"{choice.get('workers', '-')}  {run['requests']} requests  left "
                  f"{left_text(run)}  {run['outcome']}", flush=True)
            write(args.json, report)
    report["costliest"] = costliest(report["remote"])

    if not args.no_embedded:
        serial = embedded_runs("serial", [], extra, args.repeat, args.timeout)
        parallel = embedded_runs("-n 2", ["-n", "2"], extra, args.repeat, args.timeout)
        report["embedded"] = {"serial": serial, "-n 2": parallel,
                              "ratio": round(serial["median_s"] / parallel["median_s"], 2)}
        write(args.json, report)
    if args.requests > 0:
        report["server_rate"] = server_rates(args.requests)

    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    write(args.json, report)
    if args.readme:
        write_readme(args.readme, report)
    print("", *table(report), "", f"benchmark took {report['elapsed_s']:.0f} s; "
          f"written to {args.json}", sep="\n")


if __name__ == "__main__":
    main()
