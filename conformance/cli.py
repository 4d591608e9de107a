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
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import json
import os
import secrets
import shutil
import socket
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPORTS = Path("reports")
EXIT_USAGE = 4
#: A run cut short (Ctrl-C, SIGTERM): no verdict.
EXIT_INTERRUPTED = 130
#: What the run was started with, as typed (results.json records it, redacted).
INVOKED: list[str] | None = None


@dataclass(frozen=True)
class Command:
    """A subcommand: ``"module:function"`` (imported when used) taking its arguments
    and returning the exit code, and one line for --help."""

    function: str
    summary: str
    usage: str = ""

    def __call__(self, argv: list[str]) -> int:
        module, _, name = self.function.partition(":")
        function: Callable[[list[str]], int] = getattr(importlib.import_module(module), name)
        return int(function(argv))


#: Subcommands by name; anything else is a run (``run`` may be said).
COMMANDS: dict[str, Command] = {
    "run": Command("conformance.cli:run_suite", "run the suite (the default): against "
                   "--target URL, or the embedded reference server; reports in reports/",
                   "[options] [pytest options]"),
    "serve": Command("conformance.cli:serve", "run the reference server (asset, XInventory, "
                     "login and capabilities over SQLite)",
                     "[--host H] [--port N] [--db FILE]"),
    "cleanup": Command("conformance.cli:cleanup_command", "remove what an earlier run left "
                       "on a target, from its ledger", "--ledger FILE [--allow-writes]"),
    "requirements": Command("conformance.cli:requirements_command", "list the requirement "
                            "catalogue", "[--service S] [--level L] [--json]"),
    "compare": Command("conformance.report.compare:command", "what changed between two "
                       "runs (an upgrade check): regressions, fixes, changed causes and "
                       "observations", "OLD.json NEW.json [--json FILE] [--html FILE]"),
}


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
    import difflib

    if word.startswith("-") or "/" in word or "::" in word or "." in word or Path(word).exists():
        return None
    near = difflib.get_close_matches(word, list(COMMANDS), n=1)
    hint = f"did you mean {near[0]}? " if near else ""
    return (f"{word!r} is no subcommand ({hint}subcommands: {', '.join(COMMANDS)}; "
            f"see opensim-conformance --help)")


def show(text: str) -> int:
    """Print ``text``; a reader that stops early (``| head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def version_line() -> str:
    from conformance.report.results import tool_version

    return (f"opensim-conformance {tool_version()} (pytest {pytest.__version__}, "
            f"Python {sys.version.split()[0]})")


# ---------------------------------------------------------------------- help


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
    from conformance.pytest_entry import add_options

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


class UsageParser(argparse.ArgumentParser):
    """argparse for the subcommands, with a usage error as one line and exit 4."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def usage_error(prog: str, message: str) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_USAGE


# ---------------------------------------------------------------------- run


def run_suite(args: list[str]) -> int:
    """Run the suite with the reports in reports/ (options given later win).

    The reports of a run replace the last run's only when the run tested something: a
    run that collects nothing (or only lists tests) leaves them as they were. The allure
    results are written aside and replace the last run's at the end (or join them, with
    --keep-allure-results); results.json and the HTML report are written atomically by
    the plugin. A ledger that lists nothing left on the target is removed.
    """
    keep_allure = "--keep-allure-results" in args
    args = [arg for arg in args if arg != "--keep-allure-results"]
    wrong = wrong_option(args)
    if wrong:
        print(f"ERROR: {wrong}", file=sys.stderr)
        return EXIT_USAGE
    stamp = time.strftime("%Y%m%dT%H%M%S")
    # One run, one ledger: two runs started in the same second in the same folder must
    # never share one (each removes what its ledger lists at its end).
    run_id = f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
    aside = REPORTS / f".run-{run_id}"
    results = REPORTS / "results.json"
    junit = REPORTS / "junit.xml"
    ledger = REPORTS / f"ledger-{run_id}.jsonl"
    defaults = [
        "--pyargs", "conformance.suites",
        "--preflight",
        "--junitxml", str(junit),
        "-o", "junit_suite_name=opensim-conformance",
        "--results-json", str(results),
        "--html-report", str(REPORTS / "report.html"),
        "--alluredir", str(aside / "allure-results"),
        "--ledger", str(ledger),
        # Progress lines name the suite's modules as conformance/suites/..., also when
        # installed, and pytest's cache goes with the reports, not into the package.
        "--rootdir", str(Path(__file__).resolve().parents[1]),
        # This command imports the package before pytest marks the plugin for rewriting.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if not any(arg.endswith("no:cacheprovider") for arg in args):
        defaults += ["-o", f"cache_dir={(REPORTS / '.pytest_cache').resolve()}"]
    before = _stamp(results)
    kept_junit = aside / "junit-before.xml"
    if junit.is_file():
        aside.mkdir(parents=True, exist_ok=True)
        shutil.copy2(junit, kept_junit)
    code = EXIT_INTERRUPTED
    started = time.time()
    try:
        code = int(pytest.main(defaults + args))
    except KeyboardInterrupt:  # a second Ctrl-C, during the end of the run
        print(f"opensim-conformance: interrupted: the run is incomplete and no verdict "
              f"(exit {EXIT_INTERRUPTED})", file=sys.stderr)
    finally:
        # Something was tested when the run wrote allure results or results.json
        # (wherever --results-json put it); an interrupted run's allure results are
        # dropped, so reports/allure-results/ keeps the last complete run's.
        fresh = aside / "allure-results"
        tested = (fresh.is_dir() and any(fresh.iterdir())) or (
            _stamp(results) != before and _stamp(results) is not None)
        if tested:
            _prune_bodies(REPORTS / "bodies", started)
        if tested and code != EXIT_INTERRUPTED:
            _settle(aside, keep_allure)
        elif not tested and kept_junit.is_file():  # the last run's JUnit XML stays
            os.replace(kept_junit, junit)
        elif not tested:  # no 0-test JUnit XML, which CI would read as a pass
            with contextlib.suppress(OSError):
                junit.unlink()
        shutil.rmtree(aside, ignore_errors=True)
        _drop_empty_ledgers(ledger)
    return code


def _prune_bodies(folder: Path, started: float) -> None:
    """Keep in reports/bodies/ only the request bodies the last run's curl lines send
    (those it wrote or used again since it started)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < started - 1:
                path.unlink()


def _drop_empty_ledgers(ledger: Path) -> None:
    """Remove the run's ledgers when they list nothing left on the target."""
    from conformance.ledger import LedgerError, ledger_summary, run_ledgers

    files = run_ledgers(ledger)
    try:
        if ledger_summary(files)[1]:
            return
    except LedgerError:
        return
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink()


def wrong_option(args: list[str]) -> str | None:
    """What is wrong with the first malformed value of a URL option (--target,
    --login-uri, --…-url), --timeout, --principal, --agent, --max-connections or --budget, checked
    before any plugin reads it (one line, where pytest's parser would print its usage);
    None when all are well-formed."""
    from conformance.target import ProfileError, check_timeout, check_url, check_uuid

    def seconds(value: str, what: str) -> object:
        try:
            return check_timeout(float(value), what)
        except ValueError:
            raise ProfileError(f"{what} must be a number of seconds > 0, not {value!r}") from None

    def whole_number(value: str, what: str) -> object:
        if not value.strip().isdigit() or int(value) < 1:
            raise ProfileError(f"{what} must be a whole number of 1 or more, not {value!r}")
        return int(value)

    def budget(value: str, what: str) -> object:
        from conformance.plugin.examples import check_budget

        try:
            return check_budget(value)
        except pytest.UsageError as exc:
            raise ProfileError(str(exc)) from None

    for index, arg in enumerate(args):
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name in ("--target", "--login-uri") or (name.startswith("--")
                                                   and name.endswith("-url")):
            check: Callable[[str, str], object] = check_url
        elif name == "--timeout":
            check = seconds
        elif name in ("--principal", "--agent"):
            check = check_uuid
        elif name == "--max-connections":
            check = whole_number
        elif name == "--budget":
            check = budget
        else:
            continue
        if not equals:
            if index + 1 >= len(args) or args[index + 1].startswith("--"):
                return f"{name} needs a value"
            value = args[index + 1]
        try:
            check(value, name)
        except ProfileError as exc:
            return str(exc)
    return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_ino


def _settle(aside: Path, keep_allure: bool) -> None:
    """Move a run's allure results from ``aside`` into reports/."""
    fresh = aside / "allure-results"
    if not fresh.is_dir():
        return
    target = REPORTS / "allure-results"
    if keep_allure and target.is_dir():
        for path in fresh.iterdir():
            os.replace(path, target / path.name)
        return
    old = REPORTS / f".allure-old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------- serve


def serve(argv: list[str]) -> int:
    prog = "opensim-conformance serve"
    parser = UsageParser(
        prog=prog,
        description="Run the reference server: the asset and XInventory services, the "
                    "viewer's login and inventory capabilities, over SQLite.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003, help="0 picks a free port")
    parser.add_argument("--db", type=Path, default=Path("reference.sqlite"),
                        help="the SQLite database file (created if missing; its folder "
                             "must exist)")
    parser.add_argument("--no-remote-delete", action="store_true",
                        help="DELETE /assets always answers false (AllowRemoteDelete=false)")
    parser.add_argument("--maptile-delete-only", action="store_true",
                        help="only Maptile assets may be deleted "
                             "(AllowRemoteDeleteAllTypes=false)")
    parser.add_argument("--no-inventory-delete", action="store_true",
                        help="XInventory deletes only links (AllowDelete=false)")
    parser.add_argument("--avatar", default="Conformance Tester",
                        help="the avatar that logs in (login_to_simulator at the base URL)")
    parser.add_argument("--password", default="conformance", help="the avatar's password")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        return usage_error(prog, f"--port {args.port}: not a port number (0-65535)")
    folder = args.db.resolve().parent
    if not folder.is_dir():
        return usage_error(prog, f"--db {args.db}: the folder {folder} does not exist")
    if args.db.is_dir():
        return usage_error(prog, f"--db {args.db}: is a folder, not a database file")

    # Bound and listening before the URL is announced: a caller may connect at once.
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((args.host, args.port))
        listener.listen(128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return usage_error(prog, f"port {args.port} on {args.host} is in use "
                                     f"(choose another with --port, or 0 for a free one)")
        return usage_error(prog, f"cannot listen on {args.host}:{args.port}: "
                                 f"{exc.strerror or exc}")

    import uvicorn

    from conformance.reference.app import ReferenceConfig, create_app
    from conformance.reference.asset import AssetSettings
    from conformance.reference.caps import CapsSettings
    from conformance.reference.server import server_config
    from conformance.reference.xinventory import XInventorySettings

    reference = ReferenceConfig(
        asset_settings=AssetSettings(
            allow_remote_delete=not args.no_remote_delete,
            allow_remote_delete_all_types=not args.maptile_delete_only),
        xinventory_settings=XInventorySettings(allow_delete=not args.no_inventory_delete),
        caps_settings=CapsSettings(avatar=args.avatar, password=args.password),
    )
    try:
        app = create_app(args.db, reference)
    except Exception as exc:  # a file that is not a database, a read-only folder
        listener.close()
        return usage_error(prog, f"--db {args.db}: cannot be used as the database "
                                 f"({type(exc).__name__}: {exc})")
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"opensim-conformance reference server on http://{shown}:{port} (database {args.db})",
          flush=True)
    print(f"login: http://{shown}:{port}/ as avatar {args.avatar!r}, password "
          f"{args.password!r}", flush=True)
    config = server_config(app)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[listener])
    return 0


# ---------------------------------------------------------------------- cleanup


def cleanup_command(argv: list[str]) -> int:
    prog = "opensim-conformance cleanup"
    parser = UsageParser(
        prog=prog,
        description="Remove the objects an earlier run created and could not remove. "
                    "Exit 0 when everything removable is gone (what no protocol can "
                    "remove is listed as such), 1 when something removable remains.")
    parser.add_argument("--ledger", type=Path, required=True, action="append",
                        help="a run's ledger, as the run's summary names it (repeatable); "
                             "its xdist workers' ledgers beside it are included")
    parser.add_argument("--target-profile", type=Path, help="for credentials and timeout")
    parser.add_argument("--allow-writes", action="store_true",
                        help="needed when the objects are on a non-loopback target")
    parser.add_argument("--ca-bundle", metavar="FILE",
                        help="TLS: trust the certificate authorities of this PEM file")
    parser.add_argument("--insecure", action="store_true",
                        help="TLS: do not verify certificates")
    args = parser.parse_args(argv)

    from conformance.cleanup import CleanupReport, clean_ledgers
    from conformance.ledger import LedgerError, run_ledgers
    from conformance.target import ProfileError, check_ca_bundle, load_profile

    try:
        profile = load_profile(args.target_profile)
        if args.ca_bundle:
            profile.ca_bundle = check_ca_bundle(args.ca_bundle, "--ca-bundle")
    except ProfileError as exc:
        return usage_error(prog, str(exc))
    profile.allow_writes = profile.allow_writes or args.allow_writes
    profile.insecure = profile.insecure or args.insecure
    from conformance.clients.http import use_tls

    use_tls(profile.tls_verify())
    files: list[Path] = []
    for path in args.ledger:
        found = run_ledgers(path)
        if not found:
            return usage_error(prog, f"--ledger {path}: no such ledger")
        files += [f for f in found if f not in files]
    try:
        report: CleanupReport = clean_ledgers(profile, files)
    except LedgerError as exc:
        return usage_error(prog, str(exc))
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


# ---------------------------------------------------------------------- requirements


def requirements_command(argv: list[str]) -> int:
    from conformance.catalogue import LEVELS, SERVICES, load_catalogue

    parser = UsageParser(prog="opensim-conformance requirements",
                         description="List the requirement catalogue: ID, service, section, "
                                     "level, source, and what must hold.")
    parser.add_argument("--service", choices=SERVICES, help="only this service's")
    parser.add_argument("--level", choices=LEVELS, help="only this level's")
    parser.add_argument("--json", action="store_true",
                        help="as a JSON list (with the quoted source sentence)")
    args = parser.parse_args(argv)
    entries = [r for r in load_catalogue().values()
               if (args.service is None or r.service == args.service)
               and (args.level is None or r.level == args.level)]
    if args.json:
        return show(json.dumps([r.__dict__ for r in entries], indent=2))
    widths = [max([len(getattr(r, key)) for r in entries] + [len(key)])
              for key in ("id", "service", "section", "level")]
    head = ("ID", "service", "section", "level")
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  source"]
    for r in entries:
        cells = (r.id, r.service, r.section, r.level)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                     + f"  {r.source}")
        if r.must:
            lines.append(textwrap.fill(r.must, 100, initial_indent="    must: ",
                                       subsequent_indent="          "))
    lines.append(f"{len(entries)} requirements")
    return show("\n".join(lines))


if __name__ == "__main__":
    from conformance import cli  # the module itself, not __main__: INVOKED lives there

    raise SystemExit(cli.main())
