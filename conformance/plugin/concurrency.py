"""How a run spreads its tests: modules side by side in threads of one process (lanes),
or over pytest-xdist workers (``-n N``).

Against a target of the user's that is far away, most of a test's time is spent waiting
for answers. The run then takes several modules side by side without being asked: before
the session it times a few reads of the target (the round trip) and runs as many modules
at once as keep one process's interpreter busy (``lanes_for``). Each module runs in one
thread, its tests one after the other (they share its fixtures' state); the session's
fixtures (the principal's clients, the viewer's login) are set up once for all. Threads
cost nothing to start; an xdist worker costs seconds of CPU, which on a small machine
eats what it saves. A loopback or LAN target (round trip under ``NEAR_MS``) and the
embedded reference server run one test at a time: there the run is bound by CPU.
``--lanes N`` chooses the number, ``--lanes 1`` one test at a time.

``-n N`` spreads the run over xdist workers instead (for many cores). Workers take whole
test modules; every worker acts as the run's principal and writes to the run's one
ledger (the main room), acts as the viewer the controller logged in once (the viewer
room), and uses the embedded reference server the controller runs in a process of its
own.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

#: Round trips (ms) under this run one test at a time: the suite is then bound by CPU.
NEAR_MS = 5.0
#: The CPU (ms) the suite spends on one request and its checks (measured on the
#: development machine): a lane waits the round trip and works this long per request.
CPU_MS = 6.0
#: The most lanes a run takes by itself (the most connections one target sees at once,
#: besides requests a test sends side by side itself).
MOST_LANES = 12
#: How many reads time the round trip (the first also opens the connection).
PROBES = 3


@dataclass
class Choice:
    """How the run was spread: the round trip measured (ms), the lanes, and why."""

    round_trip_ms: float | None
    lanes: int
    reason: str

    def line(self) -> str:
        if self.lanes > 1:
            return (f"opensim-conformance concurrency: {self.lanes} modules side by side "
                    f"({self.reason})")
        return f"opensim-conformance concurrency: one test at a time ({self.reason})"

    def to_json(self) -> dict[str, Any]:
        rtt = None if self.round_trip_ms is None else round(self.round_trip_ms, 1)
        return {"round_trip_ms": rtt, "lanes": self.lanes, "reason": self.reason}


CHOICE = pytest.StashKey[Choice]()


def lanes_for(round_trip_ms: float) -> int:
    """Lanes that keep one interpreter busy when each request waits ``round_trip_ms``:
    a lane is busy CPU_MS of every CPU_MS + round trip. One under NEAR_MS."""
    if round_trip_ms < NEAR_MS:
        return 1
    wanted = round((round_trip_ms + CPU_MS) / CPU_MS)
    return max(2, min(MOST_LANES, wanted))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, Any, Any]:
    """Choose the lanes before the session starts."""
    choice = choose(config)
    if choice is not None:
        config.stash[CHOICE] = choice
    return (yield)


def choose(config: pytest.Config) -> Choice | None:
    """The run's concurrency when the user left it to the suite; None when the user
    chose (``--lanes``, ``-n``, ``--dist``, ``--tx``) or the run sends nothing."""
    from conformance.plugin.preflight import informational, mode_refusal, preflight_once

    if hasattr(config, "workerinput") or informational(config):
        return None
    option = config.option
    if (getattr(option, "lanes", None) is not None
            or getattr(option, "numprocesses", None) is not None
            or getattr(option, "tx", None) or getattr(option, "dist", "no") != "no"
            or getattr(option, "usepdb", False)):
        return None
    from conformance.plugin import build_profile
    from conformance.target import ProfileError

    try:
        profile = build_profile(config)
    except ProfileError:
        return None  # the plugin reports it as a usage error
    if profile.embedded:
        return Choice(None, 1, "the embedded reference server")
    if mode_refusal(profile):
        return None  # the preflight refuses the run
    if config.getoption("preflight", None) and preflight_once(config, profile):
        return None  # the preflight ends the run: the target does not answer
    rtt = round_trip(profile)
    if rtt is None:
        return Choice(None, 1, "the target did not answer the timing reads")
    lanes = lanes_for(rtt)
    near = f", under {NEAR_MS:g} ms" if lanes == 1 else ""
    return Choice(rtt, lanes, f"round trip {rtt:.0f} ms{near}; --lanes N to choose")


def round_trip(profile: Any) -> float | None:
    """The target's round trip (ms): the quickest of PROBES reads of the first service
    the run has a URL for, on one connection (the first read also connects)."""
    from conformance.clients.http import Recorder
    from conformance.plugin.preflight import PROBE_TIMEOUT, configured, probe_with

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


def suites_only(config: pytest.Config) -> bool:
    """Whether the run's arguments name only the conformance suites."""
    from pathlib import Path

    suites = Path(__file__).resolve().parents[1] / "suites"
    if not config.args:
        return False
    for arg in config.args:
        name = arg.split("::", 1)[0]
        if config.getoption("pyargs") and name.split(".")[:2] == ["conformance", "suites"]:
            continue
        path = Path(config.invocation_params.dir, name).resolve()
        if path != suites and suites not in path.parents:
            return False
    return True


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Workers take whole modules, unless the user chose another distribution than the
    default "load"."""
    if config.getoption("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.replace("\\", "/").split("/")[-2:-1] not in SUITE_FOLDERS:
                return nodeid  # not a conformance test (a self-test): one test a unit
            return module

    # Modules go out in the order the workers collected them: the costliest first.
    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


#: The folders of conformance/suites/ whose modules are units of work.
SUITE_FOLDERS = [["asset"], ["xinventory"], ["caps"], ["ais"]]
#: A generated test counts as this many tests when modules are ordered by cost.
GENERATED_WEIGHT = 20


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers, the conformance modules in order of their cost (generated tests
    weigh most), so the longest start first and none is left to run alone at the end.
    Every worker sorts alike; a module keeps its tests' order."""
    if not hasattr(config, "workerinput"):
        return
    cost: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        generated = hasattr(getattr(item, "obj", None), "hypothesis")
        cost[module] = cost.get(module, 0) + (GENERATED_WEIGHT if generated else 1)
    order = {module: rank for rank, module in
             enumerate(sorted(cost, key=lambda module: (-cost[module], module)))}
    items.sort(key=lambda item: order[item.nodeid.split("::", 1)[0]])


# ---------------------------------------------------------------------- lanes


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance", "protocol conformance target")
    group.addoption("--lanes", type=int, metavar="N",
                    help="run N test modules side by side in threads of this process "
                         "(1: one after the other); by default chosen from the target's "
                         "round trip")


def lanes_of(config: pytest.Config) -> int:
    """How many modules this process runs side by side (1: one after the other)."""
    asked = config.getoption("lanes", None)
    if asked is not None:
        if asked < 1:
            raise pytest.UsageError(f"--lanes must be a whole number of 1 or more, not {asked}")
        return int(asked)
    choice = config.stash.get(CHOICE, None)
    return 1 if choice is None else max(1, choice.lanes)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """With more than one lane: the conformance modules side by side, each module's tests
    one after the other in one thread (they share its fixtures' state), the costliest
    modules first. Anything else (a self-test, an xdist worker) runs pytest's own loop."""
    lanes = lanes_of(session.config)
    if (lanes <= 1 or hasattr(session.config, "workerinput") or session.testsfailed
            or session.config.option.collectonly or len(session.items) < 2):
        return None
    modules = by_module(session.items)
    if len(modules) < 2 or not lanes_supported():
        return None
    run_in_lanes(session, modules, lanes)
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    if session.shouldstop:
        raise session.Interrupted(session.shouldstop)
    return True


def lanes_supported() -> bool:
    """Whether this pytest has the parts lanes adapt (its session's setup state, its
    fixture definitions' cache, its current-test variable): they are pytest's own, not
    its API, so a pytest that changed them runs one test at a time."""
    try:
        from _pytest import runner
        from _pytest.fixtures import FixtureDef
    except ImportError:
        return False
    probe = FixtureDef.__init__.__code__.co_names
    return (hasattr(runner, "SetupState") and hasattr(runner, "_update_current_test_var")
            and hasattr(FixtureDef, "execute") and "cached_result" in probe
            and "_finalizers" in probe)


def by_module(items: list[pytest.Item]) -> list[list[pytest.Item]]:
    """The items as their modules' runs, costliest module first (see ``module_cost``)."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    cost = {module: module_cost(tests) for module, tests in modules.items()}
    return [modules[module] for module in sorted(modules, key=lambda m: (-cost[m], m))]


def module_cost(items: list[pytest.Item]) -> int:
    return sum(GENERATED_WEIGHT if hasattr(getattr(item, "obj", None), "hypothesis") else 1
               for item in items)


class _SessionLevel:
    """A ``nextitem`` that keeps only the session set up: a lane that ends a module
    tears down the module (and its packages), never the session's fixtures, which
    other lanes go on using."""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session

    def listchain(self) -> list[pytest.Session]:
        return [self.session]


class LaneSetupState:
    """``session._setupstate`` while lanes run: each thread has its own stack of set-up
    nodes (pytest keeps one per session, for one test at a time)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.states: list[Any] = []

    def _state(self) -> Any:
        state = getattr(self._local, "state", None)
        if state is None:
            from _pytest.runner import SetupState

            state = self._local.state = SetupState()
            with self._lock:
                self.states.append(state)
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state(), name)


@contextlib.contextmanager
def one_setup_at_a_time() -> Iterator[None]:
    """Session-wide fixtures are set up once, by the first lane that needs them: the
    others wait and take the cached value (pytest's fixture cache is not made for two
    threads setting up one fixture)."""
    from _pytest.fixtures import FixtureDef

    lock = threading.RLock()
    execute = FixtureDef.execute

    def execute_once(self: Any, request: Any) -> Any:
        if self.scope in ("session", "package"):
            with lock:
                return execute(self, request)
        return execute(self, request)

    FixtureDef.execute = execute_once  # type: ignore[method-assign]
    try:
        yield
    finally:
        FixtureDef.execute = execute  # type: ignore[method-assign]


@contextlib.contextmanager
def fixtures_per_lane() -> Iterator[None]:
    """A fixture's value and finalizers kept per thread: pytest keeps them on the
    fixture's definition, one for the whole session, so two modules using one conftest
    fixture at once would take each other's values. Session-wide fixtures keep theirs
    on the definition, shared (``one_setup_at_a_time`` sets them up once)."""
    from _pytest.fixtures import FixtureDef

    local = threading.local()

    def slot(fixturedef: Any) -> dict[str, Any]:
        if fixturedef.scope in ("session", "package"):
            return fixturedef.__dict__  # type: ignore[no-any-return]
        store: dict[int, dict[str, Any]] = local.__dict__.setdefault("store", {})
        return store.setdefault(id(fixturedef), {"cached_result": None, "_finalizers": []})

    def per_lane(name: str) -> property:
        return property(lambda self: slot(self)[name],
                        lambda self, value: slot(self).__setitem__(name, value))

    definition: Any = FixtureDef
    for name in ("cached_result", "_finalizers"):
        setattr(definition, name, per_lane(name))
    try:
        yield
    finally:
        for name in ("cached_result", "_finalizers"):
            delattr(definition, name)


@contextlib.contextmanager
def current_test_per_lane() -> Iterator[None]:
    """PYTEST_CURRENT_TEST names one of the tests that run (pytest sets it for one at
    a time, and unsets it with a pop that fails once another lane has unset it)."""
    from _pytest import runner

    update = runner._update_current_test_var

    def update_lane(item: pytest.Item, when: Any) -> None:
        if when is None:
            os.environ.pop("PYTEST_CURRENT_TEST", None)
        else:
            update(item, when)

    runner._update_current_test_var = update_lane
    try:
        yield
    finally:
        runner._update_current_test_var = update


@contextlib.contextmanager
def one_parse_at_a_time() -> Iterator[None]:
    """``ast.parse`` one thread at a time: CPython before 3.11.8 and 3.12.1 keeps the
    AST converter's recursion depth per interpreter, not per thread, so two threads
    parsing at once fail with "AST constructor recursion depth mismatch"
    (python/cpython#106905). pytest parses source to show tracebacks, Hypothesis to
    describe examples."""
    import ast

    lock = threading.Lock()
    parse = ast.parse

    def parse_alone(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = parse_alone  # type: ignore[assignment]
    try:
        yield
    finally:
        ast.parse = parse


def run_in_lanes(session: pytest.Session, modules: list[list[pytest.Item]],
                 lanes: int) -> None:
    """Run each module in one thread, ``lanes`` threads at once; then tear down what
    each thread set up for the session."""
    hook = session.config.hook
    session_level = _SessionLevel(session)
    original = session._setupstate
    lane_states = LaneSetupState()
    session._setupstate = lane_states  # type: ignore[assignment]

    def run_module(items: list[pytest.Item]) -> None:
        for index, item in enumerate(items):
            if session.shouldfail or session.shouldstop:
                return
            nextitem = items[index + 1] if index + 1 < len(items) else session_level
            hook.pytest_runtest_protocol(item=item, nextitem=nextitem)

    try:
        with fixtures_per_lane(), one_setup_at_a_time(), one_parse_at_a_time(), \
                current_test_per_lane(), ThreadPoolExecutor(
                max_workers=min(lanes, len(modules)),
                thread_name_prefix="conformance-module") as pool:
            futures = [pool.submit(run_module, items) for items in modules]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                session.shouldstop = session.shouldstop or "interrupted"
                raise
            finally:
                for state in lane_states.states:
                    state.teardown_exact(None)
    finally:
        session._setupstate = original
