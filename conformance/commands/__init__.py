"""The subcommands of ``opensim-conformance``, one module each (``run``, ``serve``,
``cleanup``, ``requirements``, ``compare``; ``help`` writes --help), and what they
share: the registry, the usage error (exit 4) and printing to a reader that may stop
early."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

EXIT_USAGE = 4
#: A run cut short (Ctrl-C, SIGTERM): no verdict.
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Command:
    """A subcommand: ``"module:function"`` (imported when used, so a command starts
    without loading the others) taking its arguments and returning the exit code, and
    one line for --help."""

    function: str
    summary: str
    usage: str = ""

    def __call__(self, argv: list[str]) -> int:
        module, _, name = self.function.partition(":")
        function: Callable[[list[str]], int] = getattr(importlib.import_module(module), name)
        return int(function(argv))


#: Subcommands by name; anything else is a run (``run`` may be said).
COMMANDS: dict[str, Command] = {
    "run": Command("conformance.commands.run:run_suite", "run the suite (the default): "
                   "against --target URL, or the embedded reference server; reports in "
                   "reports/", "[options] [pytest options]"),
    "serve": Command("conformance.commands.serve:serve", "run the reference server (asset, "
                     "XInventory, login and capabilities over SQLite)",
                     "[--host H] [--port N] [--db FILE]"),
    "cleanup": Command("conformance.commands.cleanup:cleanup_command", "remove what an "
                       "earlier run left on a target, from its ledger",
                       "--ledger FILE [--allow-writes]"),
    "requirements": Command("conformance.commands.requirements:requirements_command",
                            "list the requirement catalogue",
                            "[--service S] [--level L] [--json]"),
    "compare": Command("conformance.commands.compare:command", "what changed between two "
                       "runs (an upgrade check): regressions, fixes, changed causes and "
                       "observations", "OLD.json NEW.json [--json FILE] [--html FILE]"),
}


def show(text: str) -> int:
    """Print ``text``; a reader that stops early (``| head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


class UsageParser(argparse.ArgumentParser):
    """argparse for the subcommands, with a usage error as one line and exit 4."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def usage_error(prog: str, message: str) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_USAGE
