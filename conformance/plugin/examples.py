"""Generated examples (Hypothesis) that make verdicts reproducible.

Against a target that is not the embedded reference server, examples derive from a fixed
seed unless ``--hypothesis-seed N`` (or ``random``) asks for others, so two runs against
an unchanged server give identical verdicts. Against the embedded target each run draws a
fresh seed. The seed used is in the summary and in results.json. No example database is
kept, so nothing is written to the user's working directory (no ``.hypothesis/``).

Each generated test draws its examples within a time budget (``--budget SECONDS``, 3 by
default), so a distant target gets fewer examples rather than a longer run. Explicit
examples (``@example``, where every known fault is caught) and the replay of a failing
example always run; at least one generated example runs; once the budget is spent, the
remaining generated examples are drawn (so the sequence of examples stays that of the
seed) but not sent, and pass at once. Each test's results record how many generated
examples were checked and how many were left unsent.
"""

from __future__ import annotations

import functools
import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.control import current_build_context
from hypothesis.errors import StopTest, UnsatisfiedAssumption

from conformance.run import run_profile
from conformance.target import ProfileError

#: The seed of a run against a remote target when none is asked for.
FIXED_SEED = 0
SEED_KEY = pytest.StashKey[int]()
#: Seconds of generated examples per test when ``--budget`` is not given.
DEFAULT_BUDGET = 3.0
BUDGET_KEY = pytest.StashKey[float]()
EXAMPLES_KEY = pytest.StashKey["Budget"]()
PROFILE = "opensim-conformance"

settings.register_profile(PROFILE, database=None)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("opensim-conformance")
    group.addoption("--budget", dest="conformance_budget", metavar="SECONDS",
                    help=f"time for the generated examples of each test (default "
                         f"{DEFAULT_BUDGET:g}); explicit examples always run, and at least "
                         f"one generated example")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Choose the seed before Hypothesis's own plugin reads ``--hypothesis-seed``, and
    the budget of each generated test."""
    # Hypothesis keeps caches (unicode data, constants) in ./.hypothesis by default: keep
    # them out of the user's working directory unless the user chose a place.
    if not os.getenv("HYPOTHESIS_STORAGE_DIRECTORY"):
        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "opensim-conformance-hypothesis")
    workerinput = getattr(config, "workerinput", {})
    if "opensim_conformance_budget" in workerinput:
        config.stash[BUDGET_KEY] = float(workerinput["opensim_conformance_budget"])
    else:
        config.stash[BUDGET_KEY] = check_budget(config.getoption("conformance_budget", None))
    if "opensim_conformance_seed" in workerinput:
        seed = int(workerinput["opensim_conformance_seed"])
    else:
        seed = choose_seed(config.getoption("hypothesis_seed", None), remote_target(config))
    config.option.hypothesis_seed = str(seed)
    config.stash[SEED_KEY] = seed
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile(PROFILE)


def choose_seed(asked: str | None, remote: bool) -> int:
    if asked is None:
        return FIXED_SEED if remote else random.randrange(2**32)
    if asked.strip().lower() == "random":
        return random.randrange(2**32)
    try:
        return int(asked)
    except ValueError:
        raise pytest.UsageError(f"--hypothesis-seed takes a whole number or 'random', "
                                f"not {asked!r}") from None


def check_budget(value: str | None) -> float:
    """A number of seconds, 0 or more; none given: the default."""
    if value is None:
        return DEFAULT_BUDGET
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (0 <= seconds < math.inf):
        raise pytest.UsageError(f"--budget must be a number of seconds >= 0, not {value!r}")
    return seconds


def remote_target(config: pytest.Config) -> bool:
    """Whether the run goes to a target of the user's (any URL given at all)."""
    try:
        return not run_profile(config).embedded
    except ProfileError:
        return True  # the plugin reports the profile's error itself


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """xdist: every worker draws the controller's examples, within its budget."""
    config = node.config  # type: ignore[attr-defined]
    node.workerinput["opensim_conformance_seed"] = config.stash[SEED_KEY]  # type: ignore[attr-defined]
    node.workerinput["opensim_conformance_budget"] = config.stash[BUDGET_KEY]  # type: ignore[attr-defined]


def run_seed(config: pytest.Config) -> int:
    return config.stash[SEED_KEY]


def run_budget(config: pytest.Config) -> float:
    return config.stash[BUDGET_KEY]


@dataclass
class Budget:
    """The time budget of one generated test, and what it let through."""

    seconds: float
    started: float | None = None
    #: generated examples sent to the target
    checked: int = 0
    #: generated examples drawn after the budget was spent, and not sent
    unsent: int = 0
    failed: bool = False
    #: shrinking candidates of a failing example not sent (the budget was spent)
    shrinks_unsent: int = 0

    def spent(self, now: float) -> bool:
        return self.started is not None and now - self.started > self.seconds

    def around(self, test: Callable[..., Any]) -> Callable[..., Any]:
        """``test`` (Hypothesis's inner test) run for real within the budget."""

        @functools.wraps(test)
        def within_budget(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            now = time.monotonic()
            if current_build_context().is_final:
                # an explicit example, or the replay of a failing one
                self.started = now if self.started is None else self.started
                return test(*args, **kwargs)
            if self.checked and self.spent(now):
                # after a failure these are shrinking candidates: not examples unsent
                self.unsent += not self.failed
                self.shrinks_unsent += self.failed
                return None
            self.started = now if self.started is None else self.started
            self.checked += 1
            try:
                return test(*args, **kwargs)
            except (UnsatisfiedAssumption, StopTest):  # a rejected example, not a failure
                raise
            except BaseException:
                self.failed = True
                raise

        return within_budget

    def record(self) -> dict[str, int]:
        return {"checked": self.checked, "unsent": self.unsent}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A generated test's examples are drawn within the run's budget."""
    handle = getattr(getattr(item, "obj", None), "hypothesis", None)
    if handle is None or not hasattr(handle, "inner_test"):
        return (yield)
    budget = Budget(run_budget(item.config))
    item.stash[EXAMPLES_KEY] = budget
    test = handle.inner_test
    handle.inner_test = budget.around(test)
    try:
        return (yield)
    except BaseException as exc:
        if budget.shrinks_unsent:
            drop_explanations(exc)
        raise
    finally:
        handle.inner_test = test


def drop_explanations(exc: BaseException) -> None:
    """Remove Hypothesis's "Explanation:" notes (the lines only failing examples ran):
    shrinking candidates left unsent pass without running a line of the test, so the
    explanation would name lines every example runs."""
    notes = getattr(exc, "__notes__", None)
    if notes:
        kept: list[str] = []
        explaining = False
        for note in notes:
            explaining = note == "Explanation:" or (explaining and note.startswith(" "))
            if not explaining:
                kept.append(note)
        notes[:] = kept
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            drop_explanations(inner)


def examples_of(item: pytest.Item) -> dict[str, int] | None:
    """How many generated examples of the test were checked and left unsent (None: not
    a generated test, or it did not run)."""
    budget = item.stash.get(EXAMPLES_KEY, None)
    return None if budget is None else budget.record()
