"""``opensim-conformance serve``: the reference server (asset, XInventory, login and
capabilities over SQLite) on a socket that listens before its URL is announced."""

from __future__ import annotations

import contextlib
import errno
import socket
from pathlib import Path

import uvicorn

from conformance.commands import UsageParser, usage_error
from conformance.reference.app import ReferenceConfig, create_app
from conformance.reference.asset import AssetSettings
from conformance.reference.caps import CapsSettings
from conformance.reference.server import server_config
from conformance.reference.xinventory import XInventorySettings


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
