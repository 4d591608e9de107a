"""A self-contained HTML report (one file, inline CSS, no script): a summary per
service, the service x requirement matrix grouped by spec section, then the details,
failures first: each with its spec quote, the cause, the request and response, and a
curl line to reproduce it. Passing tests are listed by name only.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from conformance.catalogue import LEVELS
from conformance.catalogue import SERVICES as CATALOGUE_SERVICES
from conformance.ledger import UNREMOVABLE
from conformance.report.changes import KINDS, describe
from conformance.report.results import (
    NOT_TESTED,
    OUTCOMES,
    UNEXPECTED,
    budget_text,
    group_causes,
    incomplete_line,
    write_atomically,
)

#: How many exchanges of one failing test the report shows (the last ones; the
#: results file has them all).
EXCHANGES_SHOWN = 5
#: Details sections, in the order a reader needs them.
GROUPS = (
    ("unexpected", "Unexpected outcomes", UNEXPECTED),
    ("expected", "Expected failures (target profile)", ("xfailed",)),
    ("passed", "Passed", ("passed",)),
    ("not-tested", "Not tested", (NOT_TESTED,)),
)

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em} caption{text-align:left;font-weight:bold}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th.section{background:#f0f0f0;font-weight:normal;font-style:italic}
td.count{text-align:right} td.quote{color:#555;font-size:.9em}
pre{background:#f6f6f6;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;
margin:.2em 0 .8em}
pre.curl{background:#222;color:#eee;user-select:all}
blockquote{border-left:4px solid #ccc;margin:.5em 0;padding:.2em 1em;color:#333}
blockquote footer{font-size:.85em;color:#666}
section.requirement{border:1px solid #ddd;border-radius:4px;padding:0 1em .5em;margin:1em 0}
h5{margin:.6em 0 0;font-size:.85em;text-transform:uppercase;color:#666}
p.cause{font-weight:bold;white-space:pre-wrap}
.badge,.outcome{padding:1px 6px;border-radius:3px;white-space:nowrap}
.failed,.error,.xpassed{background:#f8d0d0} .xfailed{background:#fbefc0}
.blocked{background:#fde0b8} .suite-error{background:#e0d0f8}
.passed{background:#d4f0d4} .not-tested,.skipped{background:#e8e8e8}
section.requirement,td.outcome-none{background:none}
ul.tests{margin:.2em 0;padding-left:1.5em;font-family:monospace;font-size:.9em}
.meta{color:#555}
p.incomplete{background:#c00;color:#fff;font-weight:bold;padding:.4em .8em}
"""


def write_html(results: dict[str, Any], path: Path) -> None:
    write_atomically(path, render(results))


def render(results: dict[str, Any]) -> str:
    requirements: dict[str, dict[str, Any]] = results["requirements"]
    body = [
        header(results),
        service_summary(results),
        causes(requirements),
        comparison_section(results.get("baseline")),
        filtered(requirements, [matrix(requirements),
                                *details(requirements, results.get("expectations", {}))]),
        cleanup(results.get("cleanup", {})),
    ]
    return ("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>opensim-conformance report</title>"
            f"<style>{CSS}{filter_css()}</style></head><body>\n"
            + "\n".join(part for part in body if part)
            + "\n</body></html>\n")


# ---------------------------------------------------------------- filter

#: What the filter chooses by: (attribute, every value it can have).
FILTERS = (("service", CATALOGUE_SERVICES), ("outcome", OUTCOMES), ("level", LEVELS))


def _filter_id(name: str, value: str) -> str:
    return f"f-{name}-{css(value)}"


@cache
def filter_css() -> str:
    """CSS only: a checked choice hides the rows and sections (``data-service``,
    ``data-outcome``, ``data-level``) of other values, and marks its label."""
    rules = ["input.filter{position:absolute;opacity:0;width:1px;height:1px}",
             ".filterbar{margin:1em 0} .filterbar span{margin-right:1.5em}",
             ".filterbar label{cursor:pointer;padding:1px 6px;border:1px solid #ccc;"
             "border-radius:3px;margin:0 2px}"]
    for name, values in FILTERS:
        rules.append(f"#f-{name}-all:checked~.filterbar label[for=f-{name}-all]"
                     "{background:#333;color:#fff}")
        for value in values:
            ident = _filter_id(name, value)
            rules.append(f"#{ident}:checked~.filtered [data-{name}]:not([data-{name}="
                         f"'{value}']){{display:none}}")
            rules.append(f"#{ident}:checked~.filterbar label[for={ident}]"
                         "{background:#333;color:#fff}")
    return "\n" + "\n".join(rules) + "\n"


def filtered(requirements: dict[str, dict[str, Any]], parts: list[str]) -> str:
    """``parts`` (the matrix and the details) after a filter by service, outcome and
    level: radio buttons and their labels, no script."""
    body = "\n".join(part for part in parts if part)
    if not requirements:
        return body
    entries = list(requirements.values())
    present = {name: {entry[name] for entry in entries} for name, _ in FILTERS}
    inputs, bar = [], []
    for name, values in FILTERS:
        shown = [value for value in values if value in present[name]]
        choices = [("all", f"f-{name}-all")] + [(v, _filter_id(name, v)) for v in shown]
        inputs += [f"<input type='radio' class='filter' name='f-{name}' id='{ident}'"
                   f"{' checked' if value == 'all' else ''}>" for value, ident in choices]
        labels = "".join(f"<label for='{ident}'>{esc(value)}</label>" for value, ident in choices)
        bar.append(f"<span>{name}: {labels}</span>")
    return ("".join(inputs) + "<p class='filterbar'>Show: " + "".join(bar) + "</p>\n"
            + f"<div class='filtered'>\n{body}\n</div>")


# ---------------------------------------------------------------- header and summaries


def header(results: dict[str, Any]) -> str:
    target = results["target"]
    if target["embedded"]:
        where = "the embedded reference server"
    else:
        urls = [f"{esc(service)} <code>{esc(url)}</code>"
                for service, url in target["services"].items() if url]
        where = ", ".join(urls) or "no service URL"
    unexpected = sum(n for outcome, n in results["summary"].items() if outcome in UNEXPECTED)
    incomplete = incomplete_line(results)
    verdict = (f"<p class='verdict failed'>{unexpected} requirement"
               f"{'s' if unexpected != 1 else ''} with an unexpected outcome</p>"
               if unexpected else
               "<p class='verdict passed'>Every tested requirement as expected</p>")
    if incomplete:  # a partial run is never a green page
        verdict = (f"<p class='verdict incomplete'>{esc(incomplete)}</p>\n"
                   + verdict.replace("<p class='verdict passed'>Every tested requirement",
                                     "<p class='verdict incomplete'>Every requirement "
                                     "reached"))
    mode = " (read-only)" if target.get("read_only") else ""
    if target.get("tls", {}).get("verify") is False:
        verdict = ("<p class='verdict incomplete'>TLS certificates were NOT verified "
                   "(--insecure)</p>\n" + verdict)
    concurrency = results.get("concurrency")
    side_by_side = (f" Concurrency: {esc(concurrency.get('workers', 1))} xdist worker(s), "
                    f"{esc(concurrency['reason'])}." if concurrency else "")
    seed = results.get("hypothesis_seed")
    generated = (f" Generated examples: seed {esc(seed)}{esc(budget_text(results))}."
                 if seed is not None else "")
    return (f"<h1>opensim-conformance report</h1>\n"
            f"<p class='meta'>Started {esc(results['started'])} against {where}{mode}; "
            f"principal <code>{esc(target.get('principal', ''))}</code>."
            f"{side_by_side}{generated}</p>\n"
            f"{verdict}\n<p>{badges(results['summary'])}</p>")


def badges(counts: dict[str, int]) -> str:
    return " ".join(f"<span class='badge {css(outcome)}'>{n} {esc(outcome)}</span>"
                    for outcome, n in counts.items())


def service_summary(results: dict[str, Any]) -> str:
    by_service: dict[str, dict[str, int]] = results.get("by_service", {})
    if not by_service:
        return "<h2>Summary</h2>\n<p>No requirement was tested.</p>"
    head = "".join(f"<th class='{css(outcome)}'>{esc(outcome)}</th>" for outcome in OUTCOMES)
    rows = []
    for service, counts in [*by_service.items(), ("all", results["summary"])]:
        cells = "".join(f"<td class='count'>{counts.get(outcome, '') or ''}</td>"
                        for outcome in OUTCOMES)
        rows.append(f"<tr><th>{esc(service)}</th><td class='count'>"
                    f"{sum(counts.values())}</td>{cells}</tr>")
    return ("<h2>Summary by service</h2>\n<table class='summary'><tr><th>service</th>"
            f"<th>requirements</th>{head}</tr>\n" + "\n".join(rows) + "</table>")


def causes(requirements: dict[str, dict[str, Any]]) -> str:
    """Unexpected outcomes by cause: the same cause across requirements shows once,
    with the requirements it hits (a server that answers 501 to everything is one line,
    not a card per requirement)."""
    groups = group_causes(requirements, UNEXPECTED)
    if not groups:
        return ""
    rows = []
    for outcome, cause, rids in groups:
        links = ", ".join(f"<a href='#{esc(rid)}'>{esc(rid)}</a>" for rid in rids)
        rows.append(f"<tr><td><span class='badge {css(outcome)}'>{esc(outcome)}</span></td>"
                    f"<td class='count'>{len(rids)}</td><td>{esc(cause)}</td>"
                    f"<td>{links}</td></tr>")
    return ("<h2 id='causes'>Unexpected outcomes by cause</h2>\n<p class='meta'>blocked: a "
            "step the test needs failed, so the requirement was not judged; suite-error: a "
            "bug of the suite itself, not the target's.</p>\n<table class='causes'><tr>"
            "<th>outcome</th><th>requirements</th><th>cause</th><th>which</th></tr>\n"
            + "\n".join(rows) + "</table>")


def comparison_section(comparison: dict[str, Any] | None, heading: str = "h2") -> str:
    """What changed since the baseline run: a row per change, most serious first."""
    if not comparison:
        return ""
    counts = ", ".join(f"{comparison['counts'][kind]} {name}" for kind, name in KINDS
                       if kind in comparison["counts"])
    where = esc(comparison.get("path", ""))
    parts = [f"<{heading} id='comparison'>Compared with {where or 'the earlier run'}</{heading}>",
             f"<p>{comparison['compared']} requirements in both runs: "
             f"{esc(counts or 'no change')}.</p>"]
    rows = []
    for kind, _ in KINDS:
        for change in (c for c in comparison["changes"] if c["kind"] == kind):
            css_class = "failed" if kind == "regression" else "passed" if kind == "fix" else ""
            rows.append(f"<tr><td><span class='badge {css_class}'>{esc(kind)}</span></td>"
                        f"<td>{esc(change['requirement'])}</td>"
                        f"<td>{esc(change.get('service', ''))}</td>"
                        f"<td>{esc(describe(change))}</td></tr>")
    if rows:
        parts.append("<table class='comparison'><tr><th>change</th><th>requirement</th>"
                     "<th>service</th><th>what</th></tr>\n" + "\n".join(rows) + "</table>")
    return "\n".join(parts)


def write_comparison_html(comparison: dict[str, Any], path: Path, label: str) -> None:
    """``opensim-conformance compare --html``: the comparison as a page of its own."""
    body = comparison_section({**comparison, "path": label}, heading="h1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
                    "<title>opensim-conformance comparison</title>"
                    f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n", "utf-8")


def matrix(requirements: dict[str, dict[str, Any]]) -> str:
    """Service x requirement: a table per service, a row group per spec section."""
    parts = ["<h2>Requirements</h2>"]
    for service, entries in grouped(requirements.values(), "service"):
        groups = []
        for section, rows in grouped(entries, "section"):
            lines = [f"<tr><th class='section' colspan='5'>{esc(section)}</th></tr>"]
            lines += [matrix_row(entry) for entry in rows]
            groups.append("<tbody>" + "\n".join(lines) + "</tbody>")
        parts.append(f"<table class='matrix' id='service-{esc(service)}'>"
                     f"<caption>{esc(service)}</caption><thead><tr><th>requirement</th>"
                     "<th>level</th><th>outcome</th><th>tests</th><th>spec</th></tr></thead>\n"
                     + "\n".join(groups) + "</table>")
    if len(parts) == 1:
        parts.append("<p>No requirement was tested.</p>")
    return "\n".join(parts)


def matrix_row(entry: dict[str, Any]) -> str:
    outcome = entry["outcome"]
    counts: dict[str, int] = {}
    for test in entry["tests"]:
        counts[test["outcome"]] = counts.get(test["outcome"], 0) + 1
    tests = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    quote = entry["quote"] if len(entry["quote"]) <= 110 else entry["quote"][:110] + "…"
    return (f"<tr {filter_data(entry)}><td><a href='#{esc(entry['id'])}'>"
            f"{esc(entry['id'])}</a></td>"
            f"<td>{esc(entry['level'])}</td>"
            f"<td class='outcome {css(outcome)}'>{esc(outcome)}</td>"
            f"<td>{esc(tests)}</td><td class='quote'>{esc(quote)}</td></tr>")


# ---------------------------------------------------------------- details


def details(requirements: dict[str, dict[str, Any]],
            expectations: dict[str, dict[str, str]]) -> list[str]:
    parts = []
    for anchor, title, outcomes in GROUPS:
        entries = [entry for entry in requirements.values() if entry["outcome"] in outcomes]
        if not entries:
            continue
        parts.append(f"<h2 id='{anchor}'>{esc(title)} ({len(entries)})</h2>")
        parts += [detail(entry, expectations.get(entry["id"])) for entry in entries]
    return parts


def detail(entry: dict[str, Any], expectation: dict[str, str] | None) -> str:
    rid, outcome = entry["id"], entry["outcome"]
    parts = [f"<section class='requirement' id='{esc(rid)}' {filter_data(entry)}>",
             f"<h3><span class='badge {css(outcome)}'>{esc(outcome)}</span> {esc(rid)} "
             f"<small class='meta'>{esc(entry['service'])} · {esc(entry['section'])} · "
             f"{esc(entry['level'])}</small></h3>",
             f"<blockquote class='quote'>{esc(entry['quote'])}<footer>{esc(entry['source'])}, "
             f"“{esc(entry['section'])}”</footer></blockquote>"]
    if expectation:
        parts.append(f"<p class='expectation'>The target profile expects this requirement to "
                     f"{esc(expectation['outcome'])}: {esc(expectation['reason'])}</p>")
    noted = dict.fromkeys(text for test in entry["tests"]
                          for text in test.get("observations", []))
    if noted:
        items = "".join(f"<li>{esc(text)}</li>" for text in noted)
        parts.append(f"<p>Observed on the target:</p><ul class='observations'>{items}</ul>")
    shown = [test for test in entry["tests"] if test["outcome"] in (*UNEXPECTED, "xfailed")]
    parts += [test_detail(test) for test in shown]
    rest = [test for test in entry["tests"] if test not in shown]
    if rest:
        label = "Other tests" if shown else "Tests"
        items = "".join(
            f"<li><span class='outcome {css(test['outcome'])}'>{esc(test['outcome'])}</span> "
            f"{esc(test['nodeid'])}"
            + (f" — {esc(test['message'])}" if test["outcome"] == "skipped" else "")
            + "</li>" for test in rest)
        parts.append(f"<p>{label}:</p><ul class='tests'>{items}</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def test_detail(test: dict[str, Any]) -> str:
    cause = test.get("cause") or first_line(test["message"])
    where = " (in setup)" if test.get("when") == "setup" else ""
    parts = [f"<div class='test {css(test['outcome'])}'>",
             f"<h4>{esc(test['nodeid'])}: {esc(test['outcome'])}{where}</h4>",
             f"<p class='cause'>{esc(cause)}</p>"]
    if test["outcome"] == "xfailed" and test["message"]:
        parts.append(f"<p class='meta'>{esc(test['message'])}</p>")
    examples = test.get("examples")
    if examples:
        unsent = (f", {examples['unsent']} drawn after the budget and not sent"
                  if examples["unsent"] else "")
        parts.append(f"<p class='meta'>Generated examples: {examples['checked']} "
                     f"checked{unsent}.</p>")
    transcript = test["transcript"]
    if len(transcript) > EXCHANGES_SHOWN:
        parts.append(f"<p class='meta'>The last {EXCHANGES_SHOWN} of {len(transcript)} "
                     f"exchanges (results.json has them all).</p>")
    if not transcript:
        parts.append("<p class='meta'>No request was sent.</p>")
    parts += [exchange_html(exchange) for exchange in transcript[-EXCHANGES_SHOWN:]]
    if test["outcome"] in UNEXPECTED and test["message"]:
        parts.append(f"<details><summary>full failure report</summary>"
                     f"<pre class='message'>{esc(test['message'])}</pre></details>")
    parts.append("</div>")
    return "\n".join(parts)


def exchange_html(exchange: dict[str, Any]) -> str:
    return ("<div class='exchange'>"
            f"<h5>Request</h5><pre class='request'>{esc(request_text(exchange))}</pre>"
            f"<h5>Response <small>({exchange.get('elapsed_ms', 0):g} ms)</small></h5>"
            f"<pre class='response'>{esc(response_text(exchange))}</pre>"
            f"<h5>Reproduce</h5><pre class='curl'>{esc(exchange['curl'])}</pre></div>")


def request_text(exchange: dict[str, Any]) -> str:
    lines = [f"{exchange['method']} {exchange['url']}"]
    lines += [f"{k}: {v}" for k, v in exchange["request_headers"].items()]
    if exchange["request_body"]:
        lines += ["", exchange["request_body"]]
    return "\n".join(lines)


def response_text(exchange: dict[str, Any]) -> str:
    if exchange["status"] is None:
        return f"no response: {exchange['error']}"
    status = f"HTTP {exchange['status']} {exchange.get('reason', '')}".rstrip()
    if exchange["error"]:
        status += f" (incomplete: {exchange['error']})"
    lines = [status, *(f"{k}: {v}" for k, v in exchange["headers"].items())]
    lines += ["", exchange["body"] or "(empty body)"]
    return "\n".join(lines)


# ---------------------------------------------------------------- cleanup


def cleanup(record: dict[str, Any]) -> str:
    if not record.get("created"):
        return ""
    remaining = record.get("remaining", [])
    if not remaining:
        return (f"<h2>Cleanup</h2>\n<p>All {record['created']} objects the suite created "
                f"were removed.</p>")
    rows = "".join(f"<tr><td>{esc(e['service'])}</td><td>{esc(e['kind'])}</td>"
                   f"<td><code>{esc(e['id'])}</code></td><td>{esc(e['url'])}</td>"
                   f"<td>{esc(UNREMOVABLE.get((e['service'], e['kind']), ''))}</td></tr>"
                   for e in remaining)
    # the run's own ledger (xdist workers' ledgers sit beside it, the command finds them)
    ledgers = record.get("ledger", "FILE")
    if all((e["service"], e["kind"]) in UNREMOVABLE for e in remaining):
        return (f"<h2>Cleanup</h2>\n<p>Everything removable was removed; {len(remaining)} "
                f"of {record['created']} objects the suite created cannot be removed by any "
                f"protocol (ledger <code>{esc(ledgers)}</code>):</p>"
                "<table class='remaining'><tr><th>service</th><th>kind</th><th>id</th>"
                f"<th>url</th><th>why it stays</th></tr>{rows}</table>")
    return (f"<h2>Cleanup</h2>\n<p class='failed'>{len(remaining)} of {record['created']} "
            f"objects the suite created remain on the target. Retry later:</p>"
            f"<pre class='curl'>{esc(f'opensim-conformance cleanup --ledger {ledgers}')}</pre>"
            "<table class='remaining'><tr><th>service</th><th>kind</th><th>id</th>"
            f"<th>url</th><th>why it stays</th></tr>{rows}</table>")


# ---------------------------------------------------------------- helpers


def grouped(entries: Iterable[dict[str, Any]], key: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Entries grouped by ``key``, groups in order of first appearance."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry[key], []).append(entry)
    return list(groups.items())


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def filter_data(entry: dict[str, Any]) -> str:
    """The attributes the filter reads."""
    return (f"data-service='{esc(entry['service'])}' data-outcome='{esc(entry['outcome'])}' "
            f"data-level='{esc(entry['level'])}'")


def css(outcome: str) -> str:
    return esc(outcome.replace(" ", "-"))


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)
