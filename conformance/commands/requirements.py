"""``opensim-conformance requirements``: the requirement catalogue as a table or JSON."""

from __future__ import annotations

import json
import textwrap

from conformance.catalogue import LEVELS, SERVICES, load_catalogue
from conformance.commands import UsageParser, show


def requirements_command(argv: list[str]) -> int:
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
