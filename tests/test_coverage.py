"""The coverage ledgers (docs/coverage/<page>.md) keep every page and the catalogue in step:
each testable sentence and table row of a wiki page (shared/seeds/<page>.txt) has a row
naming the requirements that check it or the reason it cannot be tested, so that no
sentence is skipped silently.

A ledger's first markdown table has exactly the columns ``line | the page says | checked
by``:

- ``line``: the 1-based line of the page where the text starts; rows in ascending line
  order, one row per line at most;
- ``the page says``: text of the page in backticks, whitespace folded, starting on that
  line (it may run onto the following lines, and may be cut short with a trailing ``…``
  outside the backticks; a ``|`` of the page is written ``\\|``);
- ``checked by``: requirement IDs of the catalogue, comma separated, or
  ``excused: <reason>`` (a reason of at least three words).

Every documented requirement whose source is the page appears in its ledger, and every
page a documented requirement rests on has a ledger.

**The heuristic.** A line of the page that looks testable must lie within a row (the row
starts on it, or the row's text runs onto it). A line looks testable when it is

- an HTTP status line: a status code first (``404 Category not found``, or ``200``
  alone, as the AIS3 page writes its status lists);
- an HTTP header row: a header name first (``If-Match (optional) …``, ``ETag …``,
  ``Location …``, ``Destination …``, ``Content-Type …``, ``Accept …``);
- a parameter row: ``• name → description``;
- a schema row: an LLIDL field (``   agent_id        : uuid,``) or a table row naming a
  field and its type (``agent_id UUID …``, ``owner_id undef``);
- a field bullet: ``• Name - …``, ``• ID UUID …``, ``• METHOD is …``;
- a sample of the page: an XML declaration (``<?xml …``), a form body (``…METHOD=…``),
  an LLIDL request or response line (``-> {…``, ``<- {…``);
- a sentence with a word that binds: must, always, never, empty, will, should.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.catalogue import Requirement, load_catalogue

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
LEDGERS = ROOT / "docs" / "coverage"
COLUMNS = ["line", "the page says", "checked by"]
ELLIPSIS = "…"

HEADERS = ("If-None-Match", "If-Match", "ETag", "Location", "Destination", "Content-Type",
           "Content-Encoding", "Content-Location", "Accept", "Accept-Encoding")
TESTABLE = [
    ("status line", re.compile(r"^\s*[1-5]\d\d(\s|$)")),
    ("header row", re.compile(r"^(" + "|".join(re.escape(h) for h in HEADERS) + r")\s")),
    ("parameter row", re.compile(r"^\s*•\s*[A-Za-z_]+ →")),
    ("schema row", re.compile(r"^\s+[a-z_]+\s*:\s*(uuid|string|int|bool|&)")),
    ("schema row", re.compile(
        r"^[a-z_]+ (UUID|string|integer|int|bool|Map|array|Array|undef)\b")),
    ("field bullet", re.compile(r"^\s*•\s*[A-Z][A-Za-z]* (-|is\b|UUID\b)")),
    ("sample", re.compile(r"^\s*<\?xml|METHOD=|^(->|<-) ")),
    ("binding word", re.compile(r"\b(must|always|never|empty|will|should)\b", re.I)),
]


def fold(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Row:
    number: int  # the row's place in the table, 1-based
    line: str
    says: str | None  # the page's text, None when the cell is not text in backticks
    cut: bool  # cut short with a trailing …
    checked_by: str


def split_cells(row: str) -> list[str]:
    """The cells of a markdown table row; ``\\|`` is a pipe inside a cell."""
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", body)]


def first_table(markdown: str) -> list[list[str]] | None:
    """The first markdown table of the text: its header row and body rows, as cells."""
    lines = markdown.splitlines()
    for index, line in enumerate(lines[:-1]):
        if line.strip().startswith("|") and re.fullmatch(
                r"\|?(\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*\|?", lines[index + 1].strip()):
            table = [split_cells(line)]
            for following in lines[index + 2:]:
                if not following.strip().startswith("|"):
                    break
                table.append(split_cells(following))
            return table
    return None


CODE = re.compile(r"^(`+)\s?(.*?)\s?\1\s*(…)?$", re.S)


def parse_rows(table: list[list[str]]) -> list[Row]:
    rows = []
    for number, cells in enumerate(table[1:], start=1):
        cells = [*cells, "", "", ""][:3]
        match = CODE.match(cells[1])
        says = match.group(2) if match else None
        rows.append(Row(number, cells[0], says, bool(match and match.group(3)), cells[2]))
    return rows


def span(lines: list[str], start: int, says: str) -> int | None:
    """The last line (1-based) the text that starts on line ``start`` runs onto, or None
    when it does not start there."""
    quote = fold(says)
    first = fold(lines[start - 1])
    if not first:
        return None  # text starts on a line that holds text
    following = ""
    for end in range(start, min(len(lines), start + 40) + 1):
        following = fold(f"{following} {lines[end - 1]}")
        at = following.find(quote)
        if at >= 0:
            return end if at <= len(first) else None
    return None


def ledger_problems(ledger: str, page: str, page_name: str,
                    catalogue: dict[str, Requirement]) -> list[str]:
    """Why ``ledger`` is not a complete ledger of ``page`` (the seed ``page_name``)."""
    table = first_table(ledger)
    if table is None:
        return ["no markdown table"]
    if table[0] != COLUMNS:
        return [f"the first table's columns are {table[0]}, not {COLUMNS}"]
    lines = page.splitlines()
    problems: list[str] = []
    covered: set[int] = set()
    mentioned: set[str] = set()
    last = 0
    for row in parse_rows(table):
        where = f"row {row.number} (line {row.line})"
        if not row.line.isdigit() or not 1 <= int(row.line) <= len(lines):
            problems.append(f"{where}: the line is not a line of {page_name}")
            continue
        line = int(row.line)
        if line <= last:
            problems.append(f"{where}: rows must be in ascending line order, one per line")
        last = max(last, line)
        if row.says is None or not fold(row.says):
            problems.append(f"{where}: the page's text must be in backticks")
            continue
        end = span(lines, line, row.says)
        if end is None:
            problems.append(f"{where}: {row.says!r} does not start on line {line}")
        else:
            covered.update(range(line, end + 1))
        checked = row.checked_by.strip()
        if checked.startswith("excused:"):
            if len(checked.removeprefix("excused:").split()) < 3:
                problems.append(f"{where}: an excuse needs a reason of a few words")
            continue
        ids = [part.strip() for part in checked.split(",")]
        if not checked or not all(ids):
            problems.append(f"{where}: checked by names no requirement and no excuse")
            continue
        unknown = [rid for rid in ids if rid not in catalogue]
        if unknown:
            problems.append(f"{where}: unknown requirements {unknown}")
        mentioned.update(ids)
    for requirement in catalogue.values():
        if (requirement.level == "documented" and requirement.source == page_name
                and requirement.id not in mentioned):
            problems.append(f"{requirement.id} rests on {page_name} but is in no row")
    for number, text in enumerate(lines, start=1):
        if number in covered:
            continue
        kinds = [kind for kind, pattern in TESTABLE if pattern.search(text)]
        if kinds:
            problems.append(f"line {number} looks testable ({kinds[0]}) but has no row: "
                            f"{fold(text)[:80]!r}")
    return problems


def ledgers() -> list[Path]:
    return sorted(LEDGERS.glob("*.md")) if LEDGERS.is_dir() else []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the wiki pages (shared/seeds) are not beside "
                                               "the checkout")
@pytest.mark.parametrize("ledger", ledgers(), ids=lambda path: path.name)
def test_the_ledger_maps_every_testable_line_of_its_page(ledger: Path) -> None:
    page_name = f"{ledger.stem}.txt"
    page = SEEDS / page_name
    assert page.is_file(), f"{ledger.name}: no page {page_name} in {SEEDS}"
    text = ledger.read_text("utf-8")
    assert text.startswith(f"# Coverage: {page_name}\n"), (
        f"{ledger.name} must start with '# Coverage: {page_name}'")
    problems = ledger_problems(text, page.read_text("utf-8"), page_name, load_catalogue())
    assert not problems, f"{ledger.name}:\n" + "\n".join(problems)


def test_every_page_of_the_catalogue_has_a_ledger() -> None:
    pages = {r.source for r in load_catalogue().values() if r.level == "documented"}
    missing = sorted(page for page in pages
                     if not (LEDGERS / page.removesuffix(".txt")).with_suffix(".md").is_file())
    assert not missing, f"pages with no ledger in docs/coverage/: {missing}"


# The checker itself, on a page of its own.

PAGE = """Things
The answer must be empty.
404 Thing not found
   name      : string,
   count     : int,   (len(a) | len(b))
A description.

"""
CATALOGUE = {
    "X-EMPTY": Requirement("X-EMPTY", "asset", "s", "documented", "page.txt", "q", "m."),
    "X-404": Requirement("X-404", "asset", "s", "documented", "page.txt", "q", "m."),
    "X-COUNT": Requirement("X-COUNT", "asset", "s", "documented", "page.txt", "q", "m."),
}
GOOD = """# Coverage: page.txt

| line | the page says | checked by |
|---|---|---|
| 2 | `The answer must be empty.` | X-EMPTY |
| 3 | `404 Thing not` … | X-404 |
| 4 | `name : string, count : int, (len(a) \\| len(b))` | X-EMPTY, X-COUNT |
"""


def test_a_complete_ledger_has_no_problem() -> None:
    assert ledger_problems(GOOD, PAGE, "page.txt", CATALOGUE) == []


@pytest.mark.parametrize(("change", "problem"), [
    (("| 3 | `404", "| 1 | `404"), "ascending"),
    (("| 3 | `404 Thing not` …", "| 3 | 404 Thing not"), "backticks"),
    (("| 3 | `404 Thing not` …", "| 4 | `404 Thing not` …"), "does not start on line 4"),
    (("| 2 | `The answer", "| 1 | `The answer"), "does not start on line 1"),
    (("| 4 | `name", "| 7 | `name"), "does not start on line 7"),
    (("X-404 |\n| 4", "X-405 |\n| 4"), "unknown requirements ['X-405']"),
    (("| X-404 |", "| excused: no |"), "a reason of a few words"),
    (("| X-404 |", "| |"), "names no requirement"),
    (("| 4 | `name : string, count : int, (len(a) \\| len(b))` | X-EMPTY, X-COUNT |\n", ""),
     "line 4 looks testable (schema row)"),
    (("| 2 | `The answer must be empty.` | X-EMPTY |\n", ""), "line 2 looks testable"),
    (("X-EMPTY, X-COUNT", "X-EMPTY"), "X-COUNT rests on page.txt but is in no row"),
    (("| line | the page says | checked by |", "| line | text | checked by |"), "columns"),
])
def test_a_flaw_of_the_ledger_is_named(change: tuple[str, str], problem: str) -> None:
    old, new = change
    assert old in GOOD
    problems = ledger_problems(GOOD.replace(old, new), PAGE, "page.txt", CATALOGUE)
    assert any(problem in found for found in problems), problems


def test_a_row_covers_every_line_its_text_runs_onto() -> None:
    ledger = GOOD.replace("| 4 | `name : string, count : int, (len(a) \\| len(b))`",
                          "| 4 | `name : string,`")
    problems = ledger_problems(ledger, PAGE, "page.txt", CATALOGUE)
    assert problems == ["line 5 looks testable (schema row) but has no row: "
                        "'count : int, (len(a) | len(b))'"]
