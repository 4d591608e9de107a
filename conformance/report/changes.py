"""The kinds of change between two runs (most serious first) and how each change is
said: in the terminal summary, ``opensim-conformance compare`` and the HTML reports."""

from __future__ import annotations

from typing import Any

#: Kinds of change, most serious first, with how summaries name them. Only regressions
#: fail a comparison unless asked (``fail_on``).
KINDS = (
    ("regression", "regressions"),
    ("fix", "fixes"),
    ("changed-cause", "changed causes"),
    ("changed-observation", "changed observations"),
    ("now-expected", "now expected"),
    ("no-longer-expected", "no longer expected"),
    ("no-longer-tested", "no longer tested"),
    ("changed-verdict", "other verdict changes"),
    ("new", "new requirements"),
    ("vanished", "vanished requirements"),
)
KIND_NAMES = tuple(kind for kind, _ in KINDS)
#: What the target did, whatever its profile expected: it passed the requirement, or
#: failed it. A regression is a requirement the target passed and now fails.
PASSING = ("passed", "xpassed")
FAILING = ("failed", "xfailed")


def describe(c: dict[str, Any]) -> str:
    if c["kind"] == "changed-observation":
        return seen_change(c)
    text = f"{c['before'] or 'absent'} -> {c['after'] or 'absent'}"
    if c["kind"] == "changed-cause" or (c.get("causes_after") and c["after"] in FAILING):
        text += f"; now: {'; '.join(c.get('causes_after') or []) or '-'}"
        if c["kind"] == "changed-cause":
            text += f"; before: {'; '.join(c.get('causes_before') or []) or '-'}"
    for seen in c.get("observations", []):
        text += f"; seen: {seen_change(seen)}"
    return text


def seen_change(c: dict[str, Any]) -> str:
    """An observation before and after; of two lists ("a, b, c"), what came and went."""
    before, after = c["seen_before"], c["seen_after"]
    if before and after and len(before) == len(after) == 1 and ", " in before[0] + after[0]:
        old, new = before[0].split(", "), after[0].split(", ")
        came = [x for x in new if x not in old]
        went = [x for x in old if x not in new]
        parts = ([f"+ {', '.join(came)}"] if came else []) + (
            [f"- {', '.join(went)}"] if went else [])
        return f"{c['observation']}: {'; '.join(parts)}"
    return f"{c['observation']}: {shown(before)} -> {shown(after)}"


def shown(values: list[str] | None) -> str:
    if values is None:
        return "(not seen)"
    return " | ".join(value or "(seen)" for value in values)
