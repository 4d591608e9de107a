"""How a run spreads its tests: over pytest-xdist workers, a module (an AIS3 test) each.

Against a target of the user's that is far away, most of a test's time is spent waiting
for answers. The run then spreads its modules over xdist workers without being asked:
before the session it times a few reads of the target (the round trip) and asks xdist
for as many workers as keep the cores busy (``workers_for``, through xdist's public
``pytest_xdist_auto_num_workers`` hook, as with ``-n auto``). A loopback or LAN target
(round trip under ``NEAR_MS``) and the embedded reference server run one test at a time
in one process: there the run is bound by CPU, and a worker costs seconds of it to start.
``-n N`` chooses the number of workers (``-n 0``: one test at a time, in one process).

Workers take whole test modules (``ModuleScheduling``, xdist's LoadScope scheduling with
a module as the unit): a module's tests share its fixtures' state (its folder, its
principal's objects). An AIS3 module is shared out test function by test function
(``scope_of``): its module fixture is a folder each worker makes and removes for itself,
and its largest module would otherwise hold one worker far longer than the rest.
Every worker acts as the run's principal and writes to the run's
one ledger (the main room), acts as the viewer the controller logged in once (the viewer
room), uses the embedded reference server the controller runs in a process of its own,
and keeps within the run's connection limit (``conformance.connections``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.clients.http import Recorder
from conformance.plugin.probes import (
    PROBE_TIMEOUT,
    configured,
    mode_refusal,
    preflight_once,
    probe_with,
)
from conformance.run import informational, run_profile
from conformance.target import ProfileError

#: Round trips (ms) under this run one test at a time: the suite is then bound by CPU.
NEAR_MS = 5.0
#: The CPU (ms) the suite spends on one request and its checks (measured on the
#: development machine): a worker waits the round trip and works this long per request.
CPU_MS = 6.0
#: The most workers a run takes by itself (each costs memory and a second or two of CPU
#: to start).
MOST_WORKERS = 8
#: How many reads time the round trip (the first also opens the connection).
PROBES = 3


@dataclass
class Choice:
    """How the run was spread: the round trip measured (ms), the workers, and why."""

    round_trip_ms: float | None
    workers: int
    reason: str

    def line(self) -> str:
        if self.workers > 1:
            return (f"opensim-conformance concurrency: {self.workers} xdist workers, whole "
                    f"modules each, AIS3 tests one by one ({self.reason})")
        return f"opensim-conformance concurrency: one test at a time ({self.reason})"

    def to_json(self) -> dict[str, Any]:
        rtt = None if self.round_trip_ms is None else round(self.round_trip_ms, 1)
        return {"round_trip_ms": rtt, "workers": self.workers, "reason": self.reason}


CHOICE = pytest.StashKey[Choice]()


def workers_for(round_trip_ms: float, cores: int | None = None) -> int:
    """Workers that keep the machine's cores busy when each request waits
    ``round_trip_ms``: a worker is busy CPU_MS of every CPU_MS + round trip. One under
    NEAR_MS."""
    if round_trip_ms < NEAR_MS:
        return 1
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    wanted = round(cores * (round_trip_ms + CPU_MS) / CPU_MS)
    return max(2, min(MOST_WORKERS, wanted))


def before_run(config: pytest.Config) -> None:
    """Choose the workers before xdist reads ``-n`` (in a ``pytest_cmdline_main`` wrapper,
    which runs before xdist's own): a run left to the suite gets ``-n auto``, which xdist
    resolves through ``pytest_xdist_auto_num_workers`` below."""
    choice = choose(config)
    if choice is None:
        return
    config.stash[CHOICE] = choice
    if choice.workers > 1 and getattr(config.option, "numprocesses", None) is None:
        config.option.numprocesses = "auto"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` in a conformance run: the workers chosen from the round trip (0, one
    process, when one test at a time is best)."""
    choice = config.stash.get(CHOICE, None)
    if choice is None:
        return None
    return choice.workers if choice.workers > 1 else 0


def choose(config: pytest.Config) -> Choice | None:
    """The run's concurrency; None when the run sends nothing (or xdist is off)."""
    if hasattr(config, "workerinput") or informational(config):
        return None
    option = config.option
    if not hasattr(option, "numprocesses"):
        return None  # xdist is not loaded (-p no:xdist): one process
    asked = option.numprocesses
    if getattr(option, "usepdb", False):
        return Choice(None, 1, "--pdb")
    if asked not in (None, "auto", "logical"):
        workers = int(asked)
        return Choice(None, max(1, workers), f"as asked with -n {workers}")
    if getattr(option, "tx", None) or getattr(option, "dist", "no") != "no":
        return None  # the user spread the run another way
    try:
        profile = run_profile(config)
    except ProfileError:
        return None  # the plugin reports it as a usage error
    if profile.embedded:
        return Choice(None, 1, "the embedded reference server; -n N to spread it")
    if mode_refusal(profile):
        return None  # the preflight refuses the run
    if config.getoption("preflight", None) and preflight_once(config, profile):
        return None  # the preflight ends the run: the target does not answer
    rtt = round_trip(profile)
    if rtt is None:
        return Choice(None, 1, "the target did not answer the timing reads")
    # No more workers than requests the run may have under way (--max-connections), nor
    # than requirements asked for (--requirement: their tests are in a module or two, and
    # a worker costs seconds to start), nor than --maxprocesses allows.
    workers = min(workers_for(rtt), profile.max_connections)
    asked_for = set(config.getoption("requirement", None) or [])
    if asked_for:
        workers = min(workers, len(asked_for))
    most = getattr(option, "maxprocesses", None)
    if most:
        workers = min(workers, int(most))
    workers = max(1, workers)
    near = f", under {NEAR_MS:g} ms" if workers == 1 else ""
    return Choice(rtt, workers, f"round trip {rtt:.0f} ms{near}; -n N to choose")


def round_trip(profile: Any) -> float | None:
    """The target's round trip (ms): the quickest of PROBES reads of the first service
    the run has a URL for, on one connection (the first read also connects)."""
    services = configured(profile)
    if not services:
        return None
    service, url = services[0]
    recorder = Recorder()
    timings = []
    with probe_with(url, profile, min(profile.timeout, PROBE_TIMEOUT), recorder) as send:
        for _ in range(PROBES):
            started = time.monotonic()
            if send(service) is not None:
                return None
            timings.append((time.monotonic() - started) * 1000)
    return min(timings[1:] or timings)


def workers_of(config: pytest.Config) -> int:
    """How many xdist workers the run has (1: none, one process)."""
    if hasattr(config, "workerinput"):
        return int(config.workerinput.get("workercount", 1))
    count = len(getattr(config.option, "tx", None) or [])
    return max(1, count) if getattr(config.option, "dist", "no") != "no" else 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: Any) -> None:
    """Workers of a run of the conformance suites only start without assertion
    rewriting: the suites carry no ``assert`` (their verdicts come from
    conformance.expect), and rewriting costs each worker about two seconds of CPU
    (pytest rewrites every module of a pytest plugin's distribution, Hypothesis's
    hundred among them). The controller passes ``--assert=plain`` to the workers it
    starts through PYTEST_ADDOPTS; a run of anything else keeps pytest's default."""
    if config.getoption("assertmode") != "rewrite" or not suites_only(config):
        return
    addopts = os.environ.get("PYTEST_ADDOPTS")
    config.stash[ADDOPTS] = addopts
    os.environ["PYTEST_ADDOPTS"] = f"{addopts or ''} --assert=plain".strip()


ADDOPTS = pytest.StashKey["str | None"]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodeready(node: Any) -> None:
    """Every worker has been started by now: PYTEST_ADDOPTS is the user's again."""
    config: pytest.Config = node.config
    if ADDOPTS not in config.stash:
        return
    addopts = config.stash[ADDOPTS]
    del config.stash[ADDOPTS]
    if addopts is None:
        os.environ.pop("PYTEST_ADDOPTS", None)
    else:
        os.environ["PYTEST_ADDOPTS"] = addopts


SUITES = Path(__file__).resolve().parents[1] / "suites"


def suite_path(arg: str, config: pytest.Config) -> bool:
    """Whether a command-line argument names the conformance suites or a part of them."""
    name = arg.split("::", 1)[0]
    if config.getoption("pyargs", False) and name.split(".")[:2] == ["conformance", "suites"]:
        return True
    path = Path(config.invocation_params.dir, name).resolve()
    return path == SUITES or SUITES in path.parents


def suites_only(config: pytest.Config) -> bool:
    """Whether the run's arguments name only the conformance suites."""
    return bool(config.args) and all(suite_path(arg, config) for arg in config.args)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The choice goes into results.json (in the controller)."""
    choice = config.stash.get(CHOICE, None)
    reporter = config.pluginmanager.getplugin("opensim-conformance-reporter")
    if choice is not None and reporter is not None:
        reporter.results.data["concurrency"] = choice.to_json()


def concurrency_line(config: pytest.Config) -> list[str]:
    """The run header's line on concurrency, when the suite chose it."""
    choice = config.stash.get(CHOICE, None)
    return [] if choice is None else [choice.line()]


#: The folders of conformance/suites/ whose modules are units of work.
SUITE_FOLDERS = [["asset"], ["xinventory"], ["caps"], ["ais"]]
#: The requests of a test (the suite's average), and of a generated test, when modules
#: are ordered by cost; a test marked ``requests(n)`` counts n.
TEST_REQUESTS = 7
GENERATED_REQUESTS = 60


def cost_of(item: pytest.Item) -> int:
    """About how many requests a test sends."""
    marker = item.get_closest_marker("requests")
    if marker is not None and marker.args:
        return int(marker.args[0])
    generated = hasattr(getattr(item, "obj", None), "hypothesis")
    return GENERATED_REQUESTS if generated else TEST_REQUESTS


#: Suites whose modules may be shared out test function by test function: their module
#: fixtures only make a folder under the avatar's inventory, which each worker makes and
#: removes for itself (an XInventory module's principal leaves an inventory no method
#: removes, so its tests stay on one worker; an asset module's too, for its shared asset).
SPLIT_FOLDERS = ("ais",)


def scope_of(nodeid: str, module: str) -> str:
    """The unit a worker takes: the test function (all its cases) in a module of
    ``SPLIT_FOLDERS``, where one module could otherwise hold a worker far longer than
    the rest of the run; the whole module elsewhere."""
    if module.replace("\\", "/").split("/")[-2:-1] in [[name] for name in SPLIT_FOLDERS]:
        return nodeid.split("[", 1)[0]
    return module


def module_of(nodeid: str) -> str | None:
    """The conformance module a test belongs to; None for a test of anything else."""
    module = nodeid.split("::", 1)[0]
    if module.replace("\\", "/").split("/")[-2:-1] not in SUITE_FOLDERS:
        return None
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Workers take whole conformance modules, unless the user chose another distribution
    than the default "load" (or "loadscope"); any other test is a unit of its own."""
    if config.getoption("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling  # xdist asked: it is there

    whole = suites_only(config)  # every test is one of a conformance module

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0] if whole else module_of(nodeid)
            if module is None:
                return nodeid
            return scope_of(nodeid, module)

    # Modules go out in the order the workers collected them: the costliest first.
    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers, the conformance modules in order of their cost (the requests
    their tests send, ``cost_of``), so the longest start first and none is left to run
    alone at the end. Every worker sorts alike; a module keeps its tests' order."""
    if not hasattr(config, "workerinput"):
        return
    cost: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        cost[module] = cost.get(module, 0) + cost_of(item)
    order = {module: rank for rank, module in
             enumerate(sorted(cost, key=lambda module: (-cost[module], module)))}
    items.sort(key=lambda item: order[item.nodeid.split("::", 1)[0]])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, Any, Any]:
    """Choose the workers before the session starts (and before xdist reads ``-n``)."""
    before_run(config)
    return (yield)
