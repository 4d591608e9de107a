"""``opensim-conformance --help`` and ``--version``: the tool's own options, read from
the option groups every room of the plugin registers (``--help-pytest`` shows pytest's)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

import pytest

from conformance import tool_version
from conformance.commands import COMMANDS
from conformance.pytest_entry import add_options


def version_line() -> str:
    return (f"opensim-conformance {tool_version()} (pytest {pytest.__version__}, "
            f"Python {sys.version.split()[0]})")


class _Group:
    def __init__(self, description: str) -> None:
        self.description = description
        self.options: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def addoption(self, *names: str, **attrs: Any) -> None:
        self.options.append((names, attrs))

    _addoption = addoption


class _OptionReader:
    """Stands in for pytest's parser: records what each room of the plugin registers."""

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {}

    def getgroup(self, name: str, description: str = "", after: str | None = None) -> _Group:
        group = self.groups.setdefault(name, _Group(description or name))
        group.description = group.description if group.description != name else (
            description or name)
        return group

    def addoption(self, *names: str, **attrs: Any) -> None:
        self.getgroup("general").addoption(*names, **attrs)

    def addini(self, *args: Any, **kwargs: Any) -> None:
        pass


def plugin_options() -> dict[str, _Group]:
    """The options of every room of the plugin, by group, in registration order."""
    reader = _OptionReader()
    add_options(reader)
    return {name: group for name, group in reader.groups.items() if group.options}


#: Options of the command itself (not of the pytest plugin).
COMMAND_OPTIONS = (
    (("--keep-allure-results",), "", "add this run's allure results to the earlier ones "
                                     "(default: reports/allure-results/ holds the last run)"),
    (("--help-pytest",), "", "everything pytest offers (-m, -k, -x, -n 2, ...); all of it "
                             "passes through"),
    (("--version",), "", "the versions of opensim-conformance and pytest"),
)


#: Options --help does not show: the login's URL is --login-uri (the viewer's word);
#: --login-url, which the per-service loop adds, works the same.
HIDDEN = ("--login-url",)
#: Run options shown first, in this order (the rest follow as the plugin adds them).
FIRST = ("--target", "--target-profile", "--read-only", "--allow-writes")


def help_text() -> str:
    width = 100
    lines = ["usage: opensim-conformance [run] [options] [pytest options]"]
    lines += [f"       opensim-conformance {name} {command.usage}".rstrip()
              for name, command in COMMANDS.items() if name != "run"]
    lines += ["", "A protocol conformance suite for the asset and inventory web APIs of "
                  "OpenSimulator-compatible grids.", "", "commands:"]
    for name, command in COMMANDS.items():
        lines += _entry(name + (" (default)" if name == "run" else ""), command.summary, width)
    for name, group in plugin_options().items():
        title = "run options" if name == "opensim-conformance" else group.description
        lines += ["", f"{title}:"]
        shown = [(names, attrs) for names, attrs in group.options
                 if attrs.get("help") != argparse.SUPPRESS and names[0] not in HIDDEN]
        shown.sort(key=lambda option: FIRST.index(option[0][0]) if option[0][0] in FIRST
                   else len(FIRST))
        service_urls = [names[0] for names, attrs in shown
                        if str(attrs.get("help", "")).startswith("URL of the ")]
        for names, attrs in shown:
            if names[0] in service_urls:
                if names[0] == service_urls[0]:
                    lines += _entry(", ".join(service_urls) + " URL",
                                    "one service's URL (overrides --target)", width)
                continue
            metavar = attrs.get("metavar") or ("" if attrs.get("action") in (
                "store_true", "store_false", "count") else "VALUE")
            lines += _entry(", ".join(names) + (f" {metavar}" if metavar else ""),
                            str(attrs.get("help", "")).replace("%%", "%"), width)
    lines += ["", "command options:"]
    for names, metavar, text in COMMAND_OPTIONS:
        lines += _entry(", ".join(names) + (f" {metavar}" if metavar else ""), text, width)
    lines += ["", "pytest options pass through: -m asset, -m 'not writes', -k NAME, -x, -q, -v, "
                  "-n 2 (pytest-xdist);",
              "see opensim-conformance --help-pytest.",
              "", "exit codes: 0 every requirement as expected; 1 an unexpected outcome (or a "
                  "--require service",
              "not tested); 2 the target does not answer or no service is at its path; 3 the "
              "suite itself erred;",
              "4 a usage error; 5 no test selected (-m, -k, --requirement); 130 interrupted "
              "(Ctrl-C, SIGTERM):", "the results are incomplete and no verdict."]
    return "\n".join(lines)


def _entry(name: str, text: str, width: int) -> list[str]:
    column = 30
    head = f"  {name}"
    body = textwrap.wrap(" ".join(text.split()), max(width - column, 30))
    if len(head) >= column - 1:
        heads = textwrap.wrap(name, width - 2, initial_indent="  ", subsequent_indent="  ",
                              break_on_hyphens=False)
        return heads + [" " * column + line for line in body]
    first, *rest = body or [""]
    return [head.ljust(column) + first] + [" " * column + line for line in rest]


