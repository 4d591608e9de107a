"""Timing of the conformance suite and of the reference server. It measures and
prints; it asserts nothing about speed.

    .venv/bin/python benchmarks/bench_suite.py [--repeat 3] [--requests 500] [--workers 2]

1. The whole suite (``pytest`` from the checkout: the conformance suites against the
   embedded reference server), serially and with ``-n WORKERS`` (pytest-xdist): the
   wall time of each run as a user sees it, interpreter start and collection included.
2. The reference server's request rate over loopback: REQUESTS sequential POSTs of
   small assets to /assets, then a GET of each, from one keep-alive client.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.reference.app import create_app  # noqa: E402
from conformance.reference.server import ServerThread  # noqa: E402
from conformance.wire.asset import build_asset  # noqa: E402


def time_suite(extra: list[str], repeat: int) -> tuple[list[float], str]:
    """Wall times of ``repeat`` runs of the whole suite, and the last run's pytest line."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    times, last = [], ""
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            env = {**os.environ, "TMPDIR": folder}  # ledgers and databases stay inside
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                  check=False)
            times.append(time.perf_counter() - started)
        lines = done.stdout.strip().splitlines()
        last = lines[-1] if lines else f"(no output, exit {done.returncode})"
        if done.returncode != 0:
            last = f"exit {done.returncode}: {last}"
    return times, last


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


def server_rates(count: int) -> list[tuple[str, float, float]]:
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

        rows.append(("POST /assets", *rate(count, post)))
        rows.append(("GET /assets/{id}", *rate(count, get)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the suite per mode")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (-n)")
    parser.add_argument("--requests", type=int, default=500, help="requests per method")
    parser.add_argument("--skip-suite", action="store_true", help="only the server rates")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {sys.platform}")
    if not args.skip_suite:
        print(f"\nwhole suite vs the embedded reference server ({args.repeat} runs each)")
        print(f"  {'mode':<12} {'min s':>7} {'median s':>9} {'max s':>7}  last run")
        for label, extra in (("serial", []), (f"-n {args.workers}", ["-n", str(args.workers)])):
            times, last = time_suite(extra, args.repeat)
            print(f"  {label:<12} {min(times):7.2f} {statistics.median(times):9.2f} "
                  f"{max(times):7.2f}  {last}", flush=True)

    print(f"\nreference server over loopback ({args.requests} sequential requests each, "
          f"one keep-alive client)")
    print(f"  {'request':<18} {'req/s':>8} {'median ms':>10}")
    for label, per_second, median_ms in server_rates(args.requests):
        print(f"  {label:<18} {per_second:8.0f} {median_ms:10.2f}")


if __name__ == "__main__":
    main()
