"""The ``opensim-conformance`` command.

    opensim-conformance [pytest options]       run the suite (against --target URL, or the
                                               embedded reference server), writing reports/
    opensim-conformance serve [--port N] [--db FILE]
                                               run the reference server
    opensim-conformance cleanup --ledger FILE  remove what an earlier run left on a target
    opensim-conformance compare OLD.json NEW.json
                                               what changed between two runs
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

import pytest

from conformance.target import is_loopback, load_profile

REPORTS = Path("reports")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        return serve(args[1:])
    if args[:1] == ["cleanup"]:
        return cleanup_command(args[1:])
    if args[:1] == ["compare"]:
        from conformance.report.compare import command

        return command(args[1:])
    if args[:1] == ["run"]:
        args = args[1:]
    return run_suite(args)


def run_suite(args: list[str]) -> int:
    """Run the suite with the report files in reports/ (options given later win)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    defaults = [
        "--pyargs", "conformance.suites",
        "--junitxml", str(REPORTS / "junit.xml"),
        "--results-json", str(REPORTS / "results.json"),
        "--html-report", str(REPORTS / "report.html"),
        "--alluredir", str(REPORTS / "allure-results"),
        "--ledger", str(REPORTS / f"ledger-{stamp}.jsonl"),
        # This command imports the package before pytest marks the plugin for rewriting.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]
    return int(pytest.main(defaults + args))


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="opensim-conformance serve",
        description="Run the reference server: the asset and XInventory services over SQLite.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003, help="0 picks a free port")
    parser.add_argument("--db", type=Path, default=Path("reference.sqlite"),
                        help="the SQLite database file (created if missing)")
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

    import uvicorn

    from conformance.reference.app import ReferenceConfig, create_app
    from conformance.reference.asset import AssetSettings
    from conformance.reference.caps import CapsSettings
    from conformance.reference.xinventory import XInventorySettings

    reference = ReferenceConfig(
        asset_settings=AssetSettings(
            allow_remote_delete=not args.no_remote_delete,
            allow_remote_delete_all_types=not args.maptile_delete_only),
        xinventory_settings=XInventorySettings(allow_delete=not args.no_inventory_delete),
        caps_settings=CapsSettings(avatar=args.avatar, password=args.password),
    )
    app = create_app(args.db, reference)
    # Bound and listening before the URL is announced: a caller may connect at once.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(128)
    host, port = listener.getsockname()[:2]
    print(f"opensim-conformance reference server on http://{host}:{port} (database {args.db})",
          flush=True)
    print(f"login: http://{host}:{port}/ as avatar {args.avatar!r}, password "
          f"{args.password!r}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def cleanup_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="opensim-conformance cleanup",
        description="Remove the objects an earlier run created and could not remove.")
    parser.add_argument("--ledger", type=Path, required=True, action="append",
                        help="a run ledger (repeatable; workers' ledgers sit beside it)")
    parser.add_argument("--target-profile", type=Path, help="for credentials and timeout")
    parser.add_argument("--allow-writes", action="store_true",
                        help="needed when the objects are on a non-loopback target")
    args = parser.parse_args(argv)

    from conformance.cleanup import cleanup
    from conformance.ledger import Ledger

    profile = load_profile(args.target_profile)
    profile.allow_writes = profile.allow_writes or args.allow_writes
    left = 0
    for path in args.ledger:
        for ledger_path in sorted(path.parent.glob(f"{path.stem}*{path.suffix}")):
            ledger = Ledger(ledger_path)
            remote = [e for e in ledger.remaining() if not is_loopback(e.url)]
            if remote and not profile.allow_writes:
                print(f"{ledger_path}: {len(remote)} objects are on a non-loopback target; "
                      f"run again with --allow-writes to remove them")
                left += len(ledger.remaining())
                continue
            remaining = cleanup(profile, ledger)
            left += len(remaining)
            for entry in remaining:
                print(f"{ledger_path}: still there: {entry.service} {entry.kind} {entry.id} "
                      f"at {entry.url}")
    print(f"cleanup: {left} objects remain")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
