"""The ``opensim-conformance`` command (also ``python -m conformance``).

    opensim-conformance [run] [options] [pytest options]
                                    run the suite (against --target URL, or the embedded
                                    reference server), writing reports/
    opensim-conformance serve       run the reference server
    opensim-conformance cleanup     remove what an earlier run left on a target
    opensim-conformance requirements
                                    list the requirement catalogue

``--help`` shows the tool's own options (read from the plugin's option groups),
``--help-pytest`` everything pytest offers; every pytest option passes through.

Exit codes: 0 every requirement as expected; 1 an unexpected outcome (or a --require
service not tested); 2 the target does not answer (before or during the run) or no
service is at its documented path; 3 the suite itself erred; 4 a usage error; 5 no test
selected; 130 interrupted (Ctrl-C, SIGTERM): incomplete, no verdict.

This module dispatches; each subcommand is a module of conformance/commands/.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

from conformance.commands import COMMANDS, show, usage_error
from conformance.commands.help import help_text, version_line
from conformance.commands.run import run_suite

#: What the run was started with, as typed (results.json records it, redacted).
INVOKED: list[str] | None = None


def main(argv: list[str] | None = None) -> int:
    global INVOKED
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] and args[0] in COMMANDS and args[0] != "run":
        return COMMANDS[args[0]](args[1:])
    if args[:1] == ["run"]:
        args = args[1:]
    elif args[:1] and not_a_subcommand(args[0]):
        return usage_error("opensim-conformance", not_a_subcommand(args[0]) or "")
    if "--help-pytest" in args:
        return int(pytest.main(["--help", *[a for a in args if a != "--help-pytest"]]))
    if "-h" in args or "--help" in args:
        return show(help_text())
    if "--version" in args or "-V" in args:
        return show(version_line())
    INVOKED = args
    return run_suite(args)


def not_a_subcommand(word: str) -> str | None:
    """Why the first word, which is no option, path or test ID, is not taken for a run
    (``opensim-conformance requirement``, a typo); None when it may be a pytest
    argument."""
    if word.startswith("-") or "/" in word or "::" in word or "." in word or Path(word).exists():
        return None
    near = difflib.get_close_matches(word, list(COMMANDS), n=1)
    hint = f"did you mean {near[0]}? " if near else ""
    return (f"{word!r} is no subcommand ({hint}subcommands: {', '.join(COMMANDS)}; "
            f"see opensim-conformance --help)")


if __name__ == "__main__":
    from conformance import cli  # the module itself, not __main__: INVOKED lives there

    raise SystemExit(cli.main())
