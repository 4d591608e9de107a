"""The requirement catalogue is traceable: every entry states what must hold, quotes its
source verbatim (the wiki page for documented entries, the project's own interop
reference docs/interop/<service>.md for interop ones), has a test, and every conformance
test names known requirements and its markers."""

from __future__ import annotations

import ast
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.catalogue import (
    SERVICES,
    CatalogueError,
    Requirement,
    load_catalogue,
    parse_catalogue,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SERVICE_MARKERS = {"asset", "xinventory", "caps", "ais"}
SIDE_EFFECTS = {"reads", "writes", "destructive"}


def normalise(text: str) -> str:
    """The text as read: whitespace collapsed (the seeds are wiki pages extracted to
    text, the interop reference is wrapped markdown) and markdown emphasis and code marks
    dropped."""
    return " ".join(text.replace("**", "").replace("`", "").split())


def entries(service: str, level: str) -> list[Requirement]:
    return [r for r in load_catalogue().values() if r.service == service and r.level == level]


def collect(*options: str) -> dict[str, dict[str, list[str]]]:
    """The conformance tests pytest collects with ``options``: node id -> its requirement
    IDs and marker names."""
    script = (
        "import json, sys, pytest\n"
        "class Collect:\n"
        "    items = {}\n"
        "    def pytest_collection_finish(self, session):\n"
        "        for item in session.items:\n"
        "            ids = [a for m in item.iter_markers('requirement') for a in m.args]\n"
        "            names = sorted({m.name for m in item.iter_markers()})\n"
        "            self.items[item.nodeid] = {'ids': ids, 'markers': names}\n"
        "c = Collect()\n"
        "pytest.main(['--collect-only', '-q', '--pyargs', 'conformance.suites',\n"
        "             '-p', 'no:cacheprovider', *sys.argv[1:]], plugins=[c])\n"
        "print(json.dumps(c.items))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *options], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parent)
    items: dict[str, dict[str, list[str]]] = json.loads(out.stdout.strip().splitlines()[-1])
    return items


@pytest.fixture(scope="module")
def collected() -> dict[str, dict[str, list[str]]]:
    """Every conformance test: node id -> its requirement IDs and marker names."""
    items = collect()
    assert items, "no conformance test was collected"
    return items


def test_every_requirement_has_a_test(collected: dict[str, dict[str, list[str]]]) -> None:
    tested = {rid for item in collected.values() for rid in item["ids"]}
    untested = [rid for rid in load_catalogue() if rid not in tested]
    assert not untested, f"catalogue entries with no test: {untested}"


def test_every_test_names_known_requirements_and_its_markers(
        collected: dict[str, dict[str, list[str]]]) -> None:
    catalogue = load_catalogue()
    problems = []
    for nodeid, item in collected.items():
        if not item["ids"]:
            problems.append(f"{nodeid}: no requirement marker")
        problems += [f"{nodeid}: unknown requirement {rid}" for rid in item["ids"]
                     if rid not in catalogue]
        services = SERVICE_MARKERS.intersection(item["markers"])
        if len(services) != 1:
            problems.append(f"{nodeid}: needs exactly one service marker, has {services}")
        elif any(catalogue[rid].service not in services for rid in item["ids"]
                 if rid in catalogue):
            problems.append(f"{nodeid}: its requirements belong to another service")
        if not SIDE_EFFECTS.intersection(item["markers"]):
            problems.append(f"{nodeid}: needs a side-effect marker (reads/writes/destructive)")
    assert not problems, "\n".join(problems)


def test_the_service_marker_comes_from_the_catalogue() -> None:
    """A module does not mark its tests with their service: the suites' conftest derives
    the marker from each test's requirements (above, every test has exactly the one its
    requirements belong to)."""
    by_hand = re.compile(r"pytest\.mark\.(" + "|".join(sorted(SERVICE_MARKERS)) + r")\b")
    declared = [f"{path.relative_to(ROOT)}:{number}"
                for path in sorted((ROOT / "conformance" / "suites").rglob("*.py"))
                for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                if by_hand.search(line)]
    assert not declared, f"service markers declared by hand: {declared}"


def test_a_service_marker_selects_its_services_tests(
        collected: dict[str, dict[str, list[str]]]) -> None:
    """``-m ais`` selects every test of an AIS3 requirement and no other: the marker is
    there before pytest selects."""
    selected = collect("-m", "ais")
    expected = {nodeid for nodeid, item in collected.items() if "ais" in item["markers"]}
    assert expected and set(selected) == expected


#: How close (difflib's ratio, text folded) a test's docstring may come to its
#: requirement's ``must`` before it counts as restating it.
RESTATES = 0.8


def restated_musts(path: Path, catalogue: dict[str, Requirement],
                   root: Path = ROOT) -> list[str]:
    """The tests of the module at ``path`` (below ``root``) whose docstring restates the
    ``must`` of a requirement it names."""
    def fold(text: str) -> str:
        return " ".join(text.lower().replace("``", "").split()).rstrip(".")

    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        doc = ast.get_docstring(node)
        ids = [arg.value for decorator in node.decorator_list
               if isinstance(decorator, ast.Call)
               and isinstance(decorator.func, ast.Attribute)
               and decorator.func.attr == "requirement"
               for arg in decorator.args if isinstance(arg, ast.Constant)]
        for rid in ids:
            if doc and rid in catalogue and difflib.SequenceMatcher(
                    None, fold(doc), fold(catalogue[rid].must)).ratio() >= RESTATES:
                found.append(f"{path.relative_to(root)}::{node.name} restates {rid}'s must")
    return found


def test_no_docstring_restates_its_requirements_must() -> None:
    """The catalogue's ``must`` says what a test checks (the report shows it); a test's
    docstring, where it has one, says only what the ``must`` does not (how the test goes
    about it), so that the two cannot drift apart."""
    catalogue = load_catalogue()
    restated = [problem for path in sorted((ROOT / "conformance" / "suites").rglob("test_*.py"))
                for problem in restated_musts(path, catalogue)]
    assert not restated, "\n".join(restated)


def test_a_docstring_that_restates_the_must_is_found(tmp_path: Path) -> None:
    catalogue = {"ASSET-X": Requirement("ASSET-X", "asset", "s", "documented", "a.txt", "q",
                                        must="GET of an unknown asset answers 404.")}
    source = ('import pytest\n\n@pytest.mark.requirement("ASSET-X")\n'
              'def test_a():\n    """GET of an unknown asset answers ``404``."""\n\n'
              '@pytest.mark.requirement("ASSET-X")\n'
              'def test_b():\n    """Asked twice, with a fresh ID each time."""\n')
    path = tmp_path / "test_restated_example.py"
    path.write_text(source, "utf-8")
    found = restated_musts(path, catalogue, tmp_path)
    assert len(found) == 1 and "::test_a restates ASSET-X" in found[0]


def test_every_requirement_states_what_must_hold() -> None:
    empty = [rid for rid, requirement in load_catalogue().items() if not requirement.must.strip()]
    assert not empty, f"entries without a must: {empty}"


@pytest.mark.parametrize("service", SERVICES)
def test_documented_requirements_rest_on_a_wiki_page(service: str) -> None:
    wrong = [f"{r.id}: {r.source}" for r in entries(service, "documented")
             if not r.source.endswith(".txt") or "/" in r.source]
    assert not wrong, f"documented entries must name a seed page (*.txt): {wrong}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the wiki pages (shared/seeds) are not beside "
                                               "the checkout")
@pytest.mark.parametrize("service", SERVICES)
def test_documented_quotes_stand_verbatim_in_the_wiki(service: str) -> None:
    problems = quotes_not_found(entries(service, "documented"), SEEDS)
    assert not problems, "\n".join(problems)


def quotes_not_found(requirements: Iterable[Requirement], folder: Path) -> list[str]:
    """Each requirement whose source (a file below ``folder``) is missing or does not
    hold its quote, whitespace folded."""
    problems = []
    for requirement in requirements:
        path = folder / requirement.source
        if not path.is_file():
            problems.append(f"{requirement.id}: {requirement.source} does not exist")
        elif normalise(requirement.quote) not in normalise(path.read_text("utf-8")):
            problems.append(f"{requirement.id}: quote not found in {requirement.source}: "
                            f"{requirement.quote!r}")
    return problems


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the wiki pages (shared/seeds) are not beside "
                                               "the checkout")
@pytest.mark.parametrize("service", SERVICES)
def test_quotes_name_their_place(service: str) -> None:
    """A quote that occurs more than once in its source carries the line where it starts
    (``line``), and every ``line`` given is where the quote starts."""
    problems = []
    for requirement in load_catalogue().values():
        if requirement.service != service:
            continue
        folder = SEEDS if requirement.level == "documented" else ROOT
        path = folder / requirement.source
        if not path.is_file():
            continue  # test_*_quotes_stand_verbatim_* says so
        problem = place_problem(requirement, path.read_text("utf-8"))
        if problem:
            problems.append(f"{requirement.id}: {problem}")
    assert not problems, "\n".join(problems)


def place_problem(requirement: Requirement, source: str) -> str | None:
    """Why ``requirement``'s quote does not name its place in ``source``, or None."""
    quote = normalise(requirement.quote)
    occurrences = normalise(source).count(quote)
    if requirement.line is None:
        if occurrences > 1:
            return (f"the quote occurs {occurrences} times in {requirement.source}: give "
                    f"the line where the one meant starts (line = N)")
        return None
    lines = source.splitlines()
    if not 1 <= requirement.line <= len(lines):
        return f"line {requirement.line} is not a line of {requirement.source}"
    first = normalise(lines[requirement.line - 1])
    following = normalise(" ".join(lines[requirement.line - 1:requirement.line + 20]))
    start = following.find(quote)
    if start < 0 or start > len(first):
        return f"the quote does not start on line {requirement.line} of {requirement.source}"
    return None


def test_a_line_that_does_not_hold_the_quote_is_named() -> None:
    source = "Status Codes\n200 OK\nStatus Codes\n404 Not found\n"
    at = parse_catalogue('[[requirement]]\nid = "X-Y"\nservice = "asset"\nsection = "s"\n'
                         'level = "documented"\nsource = "a.txt"\nquote = "Status Codes"\n'
                         'must = "m."\n')["X-Y"]
    assert "occurs 2 times" in (place_problem(at, source) or "")
    assert place_problem(replace(at, line=3), source) is None
    assert "does not start on line 2" in (place_problem(replace(at, line=2), source) or "")


@pytest.mark.parametrize("service", SERVICES)
def test_interop_requirements_rest_on_the_projects_interop_reference(service: str) -> None:
    """Interop entries cite docs/interop/<service>.md, which is part of every clone."""
    expected = f"docs/interop/{service}.md"
    wrong = [f"{r.id}: {r.source}" for r in entries(service, "interop") if r.source != expected]
    assert not wrong, f"interop entries must name {expected} as their source: {wrong}"
    if entries(service, "interop"):
        assert (ROOT / expected).is_file(), f"{expected} is named as a source but does not exist"


@pytest.mark.parametrize("service", SERVICES)
def test_interop_quotes_stand_verbatim_in_the_interop_reference(service: str) -> None:
    problems = quotes_not_found(entries(service, "interop"), ROOT)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service", SERVICES)
def test_interop_quotes_are_whole_sentences(service: str) -> None:
    """A quote the project writes itself is a sentence: a capital (or a METHOD name) first,
    a full stop last."""
    fragments = [f"{r.id}: {r.quote!r}" for r in entries(service, "interop")
                 if not (r.quote[:1].isupper() and r.quote.rstrip().endswith("."))]
    assert not fragments, "quotes that are not whole sentences:\n" + "\n".join(fragments)


def test_ids_are_section_based_and_name_their_service() -> None:
    prefixes = {"asset": "ASSET-", "xinventory": "XINV-", "caps": "CAPS-", "ais": "AIS-"}
    for requirement in load_catalogue().values():
        assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", requirement.id), requirement.id
        assert requirement.id.startswith(prefixes[requirement.service]), requirement.id


def test_a_duplicate_id_is_refused() -> None:
    entry = ('[[requirement]]\nid = "ASSET-X"\nservice = "asset"\nsection = "s"\n'
             'level = "documented"\nsource = "a.txt"\nquote = "q"\nmust = "m."\n')
    with pytest.raises(CatalogueError, match="twice"):
        parse_catalogue(entry + entry)


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(CatalogueError, match="level"):
        parse_catalogue('[[requirement]]\nid = "ASSET-X"\nservice = "asset"\nsection = "s"\n'
                        'level = "observed"\nsource = "a.txt"\nquote = "q"\nmust = "m."\n')


def test_an_entry_without_a_must_is_refused() -> None:
    with pytest.raises(CatalogueError, match="must"):
        parse_catalogue('[[requirement]]\nid = "ASSET-X"\nservice = "asset"\nsection = "s"\n'
                        'level = "documented"\nsource = "a.txt"\nquote = "q"\nmust = " "\n')


def test_the_readme_coverage_table_is_the_catalogue() -> None:
    from conformance.catalogue import with_coverage_table

    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    assert readme == with_coverage_table(readme, load_catalogue()), (
        "README.md's coverage table is stale: run python -m conformance.catalogue README.md")
