"""``opensim-conformance compare OLD.json NEW.json``: what changed between two runs (an
upgrade check), from conformance/report/compare.py's comparison."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from conformance.report.compare import (
    FAILING_KINDS,
    KIND_NAMES,
    CompareError,
    compare_runs,
    failing_kinds,
    load_results,
    summary_lines,
    write_json,
)
from conformance.report.html import write_comparison_html


def command(argv: list[str]) -> int:
    """``opensim-conformance compare OLD.json NEW.json``: exit 1 on regressions (and on
    the kinds ``--fail-on`` names), 0 otherwise, 4 when a file cannot be read."""
    parser = argparse.ArgumentParser(
        prog="opensim-conformance compare",
        description="Compare two runs' results.json (e.g. before and after an upgrade): "
                    "regressions, fixes, changed causes, changed observations, "
                    "expectations, new and vanished requirements.")
    parser.add_argument("before", type=Path, help="results.json of the earlier run")
    parser.add_argument("after", type=Path, help="results.json of the later run")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="write the comparison as JSON (schemas/comparison.schema.json)")
    parser.add_argument("--html", type=Path, metavar="FILE",
                        help="write the comparison as a self-contained HTML page")
    parser.add_argument("--fail-on", action="append", default=[], metavar="KIND",
                        choices=[kind for kind in KIND_NAMES if kind not in FAILING_KINDS],
                        help="also exit 1 on this kind of change (repeatable), e.g. "
                             "changed-cause, changed-observation")
    parser.add_argument("--allow-not-tested", action="store_true",
                        help="a requirement judged before and not tested after (e.g. a run "
                             "without --login-uri) does not fail the comparison")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="an interrupted or stopped run does not by itself fail the "
                             "comparison (its changes still count)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 4 if exc.code else 0
    try:
        before, after = load_results(args.before), load_results(args.after)
    except CompareError as exc:
        print(f"opensim-conformance compare: {exc}", file=sys.stderr)
        return 4
    comparison = compare_runs(before, after)
    lines = summary_lines(comparison, f"{args.before} -> {args.after}")
    partial = [side for side in ("before", "after") if comparison[side]["incomplete"]]
    if partial and not args.allow_incomplete:
        lines.append(f"  the {' and '.join(partial)} run is incomplete: compare complete runs "
                     f"(or give --allow-incomplete)")
    try:
        for line in lines:
            print(line, flush=True)
    except BrokenPipeError:  # a reader that stops early (| head) is no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if args.json:
        write_json(comparison, args.json)
    if args.html:
        write_comparison_html(comparison, args.html, f"{args.before} → {args.after}")
    failing = failing_kinds(comparison, args.fail_on,
                            ["no-longer-tested"] if args.allow_not_tested else [])
    return 1 if failing or (partial and not args.allow_incomplete) else 0
