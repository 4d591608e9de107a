"""The ``pytest11`` entry point: the conformance options, and nothing else until the run
is one of the conformance suites.

Installing opensim-conformance beside another project must not change that project's
pytest runs (its Hypothesis settings, its ``--junitxml``, its xdist scheduling, files in
the temp folder). So this module only adds the options; the machinery
(``conformance.plugin`` and its rooms) is loaded when the run names the conformance
suites (``--pyargs conformance.suites``, a path into conformance/suites/, or this
project's own ``testpaths``) or when a conformance option is given.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

#: The plugin's rooms, each with its options (``add_options``), fixtures and hooks.
ROOMS = ("conformance.plugin", "conformance.plugin.viewer", "conformance.plugin.ais",
         "conformance.plugin.junit", "conformance.plugin.examples",
         "conformance.plugin.preflight", "conformance.plugin.concurrency")
#: The conformance suites' folder.
SUITES = Path(__file__).resolve().parent / "suites"
#: Option destinations the rooms registered, with their defaults.
_OPTIONS: dict[str, Any] = {}


class _Recording:
    """A parser (or group) that notes each option's destination and default."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def getgroup(self, *args: Any, **kwargs: Any) -> _Recording:
        return _Recording(self.inner.getgroup(*args, **kwargs))

    def addoption(self, *names: str, **attrs: Any) -> None:
        self.inner.addoption(*names, **attrs)
        dest = attrs.get("dest") or names[0].lstrip("-").replace("-", "_")
        default = attrs.get("default")
        _OPTIONS.setdefault(dest, [] if attrs.get("action") == "append" and default is None
                            else default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def add_options(parser: Any) -> None:
    """Every room's options (also read by ``opensim-conformance --help``)."""
    for name in ROOMS:
        add = getattr(importlib.import_module(name), "add_options", None)
        if add is not None:
            add(parser)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(_Recording(parser))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> None:
    """Load the machinery for a conformance run (options are parsed by now; the tests
    are not yet collected, and no session hook has run)."""
    if conformance_run_wanted(early_config):
        load_machinery(early_config.pluginmanager)


def load_machinery(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register every room, the main one first (modules this one already imported for
    their options: registered as they are, not imported again)."""
    for name in ROOMS:
        if pluginmanager.get_plugin(name) is None and not pluginmanager.is_blocked(name):
            pluginmanager.register(importlib.import_module(name), name)


def conformance_run_wanted(config: pytest.Config) -> bool:
    """Whether the run names the conformance suites, or gives a conformance option."""
    namespace = config.known_args_namespace
    for dest, default in _OPTIONS.items():
        if getattr(namespace, dest, default) not in (default, None):
            return True
    paths = list(getattr(namespace, "file_or_dir", None) or [])
    if not paths:
        paths = [str(path) for path in config.getini("testpaths")]
    pyargs = bool(getattr(namespace, "pyargs", False))
    return any(names_suites(arg, config.invocation_params.dir, pyargs) for arg in paths)


def names_suites(arg: str, invocation_dir: Path, pyargs: bool) -> bool:
    """Whether a command-line argument names the conformance suites or a part of them."""
    name = arg.split("::", 1)[0]
    if pyargs and name.split(".")[:2] == ["conformance", "suites"]:
        return True
    try:
        path = Path(invocation_dir, name).resolve()
    except (OSError, ValueError):
        return False
    return path == SUITES or SUITES in path.parents
