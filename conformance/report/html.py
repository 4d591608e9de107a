"""A self-contained HTML report: service x requirement matrix, each failure with its
spec quote, request, response and a curl line to reproduce."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


def write_html(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results), "utf-8")


def render(results: dict[str, Any]) -> str:
    rows = []
    for rid, entry in results["requirements"].items():
        rows.append(
            f"<tr class='{entry['outcome'].replace(' ', '-')}'><td>{esc(entry['service'])}</td>"
            f"<td>{esc(entry['section'])}</td><td><a href='#{esc(rid)}'>{esc(rid)}</a></td>"
            f"<td>{esc(entry['level'])}</td><td>{esc(entry['outcome'])}</td></tr>"
        )
    details = [detail(rid, entry) for rid, entry in results["requirements"].items()]
    summary = ", ".join(f"{n} {o}" for o, n in results["summary"].items())
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>opensim-conformance report</title>
<style>
body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px}} pre{{background:#f6f6f6;padding:8px;overflow:auto}}
.passed td:last-child{{background:#cfc}} .failed td:last-child,.error td:last-child,
.xpassed td:last-child{{background:#fcc}} .xfailed td:last-child{{background:#ffc}}
.not-tested td:last-child{{background:#eee}}
</style></head><body>
<h1>opensim-conformance</h1>
<p>Started {esc(results['started'])}. Target: {esc(str(results['target']['services']))}
{'(embedded reference server)' if results['target']['embedded'] else ''}</p>
<p>{esc(summary)}</p>
<table><tr><th>service</th><th>section</th><th>requirement</th><th>level</th><th>outcome</th></tr>
{''.join(rows)}</table>
{''.join(details)}
</body></html>
"""


def detail(rid: str, entry: dict[str, Any]) -> str:
    parts = [f"<h2 id='{esc(rid)}'>{esc(rid)}: {esc(entry['outcome'])}</h2>",
             f"<blockquote>{esc(entry['quote'])}<br><small>{esc(entry['source'])}, "
             f"{esc(entry['section'])} ({esc(entry['level'])})</small></blockquote>"]
    for test in entry["tests"]:
        parts.append(f"<h3>{esc(test['nodeid'])}: {esc(test['outcome'])}</h3>")
        if test["message"]:
            parts.append(f"<pre>{esc(test['message'])}</pre>")
        if test["outcome"] in ("failed", "error", "xpassed", "xfailed"):
            for exchange in test["transcript"]:
                parts.append(f"<pre>{esc(transcript_text(exchange))}</pre>")
    return "\n".join(parts)


def transcript_text(exchange: dict[str, Any]) -> str:
    lines = [f"{exchange['method']} {exchange['url']}"]
    lines += [f"{k}: {v}" for k, v in exchange["request_headers"].items()]
    if exchange["request_body"]:
        lines += ["", exchange["request_body"]]
    lines.append("")
    if exchange["error"]:
        lines.append(f"no response: {exchange['error']}")
    else:
        lines.append(f"HTTP {exchange['status']}")
        lines += [f"{k}: {v}" for k, v in exchange["headers"].items()]
        lines += ["", exchange["body"] or "(empty body)"]
    lines += ["", f"reproduce: {exchange['curl']}"]
    return "\n".join(lines)


def esc(text: str) -> str:
    return html.escape(str(text), quote=True)
