"""``opensim-conformance cleanup``: remove what an earlier run left on a target, from its
ledgers."""

from __future__ import annotations

from pathlib import Path

from conformance.cleanup import CleanupReport, clean_ledgers
from conformance.clients.http import use_tls
from conformance.commands import UsageParser, usage_error
from conformance.ledger import LedgerError, run_ledgers
from conformance.target import ProfileError, check_ca_bundle, load_profile


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

    try:
        profile = load_profile(args.target_profile)
        if args.ca_bundle:
            profile.ca_bundle = check_ca_bundle(args.ca_bundle, "--ca-bundle")
    except ProfileError as exc:
        return usage_error(prog, str(exc))
    profile.allow_writes = profile.allow_writes or args.allow_writes
    profile.insecure = profile.insecure or args.insecure
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
