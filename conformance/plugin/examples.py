"""Generated examples (Hypothesis) that make verdicts reproducible.

Against a target that is not the embedded reference server, examples derive from a fixed
seed unless ``--hypothesis-seed N`` (or ``random``) asks for others, so two runs against
an unchanged server give identical verdicts. Against the embedded target each run draws a
fresh seed. The seed used is in the summary and in results.json. No example database is
kept, so nothing is written to the user's working directory (no ``.hypothesis/``).
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

#: The seed of a run against a remote target when none is asked for.
FIXED_SEED = 0
SEED_KEY = pytest.StashKey[int]()
PROFILE = "opensim-conformance"

settings.register_profile(PROFILE, database=None)
# Hypothesis keeps caches (unicode data, constants) in ./.hypothesis by default: keep them
# out of the user's working directory unless the user chose a place.
if not os.getenv("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "opensim-conformance-hypothesis")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Choose the seed before Hypothesis's own plugin reads ``--hypothesis-seed``."""
    workerinput = getattr(config, "workerinput", {})
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


def remote_target(config: pytest.Config) -> bool:
    """Whether the run goes to a target of the user's (any URL given at all)."""
    from conformance.plugin import build_profile
    from conformance.target import ProfileError

    try:
        return not build_profile(config).embedded
    except ProfileError:
        return True  # the plugin reports the profile's error itself


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """xdist: every worker draws the controller's examples."""
    config = node.config  # type: ignore[attr-defined]
    node.workerinput["opensim_conformance_seed"] = config.stash[SEED_KEY]  # type: ignore[attr-defined]


def run_seed(config: pytest.Config) -> int:
    return config.stash[SEED_KEY]
