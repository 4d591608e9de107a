"""The requirement catalogue: stable IDs, each quoting the sentence it rests on."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

SERVICES = ("asset", "xinventory", "caps", "ais")
LEVELS = ("documented", "interop")


@dataclass(frozen=True)
class Requirement:
    id: str
    service: str
    section: str
    level: str
    source: str
    quote: str

    def cite(self) -> str:
        """The requirement as a failure report heads it."""
        return f'{self.id} ({self.level}; {self.source}, "{self.section}")\n  "{self.quote}"'


class CatalogueError(ValueError):
    pass


@cache
def load_catalogue() -> dict[str, Requirement]:
    """Every requirement by ID, in catalogue order."""
    text = resources.files("conformance").joinpath("requirements.toml").read_text("utf-8")
    return parse_catalogue(text)


def parse_catalogue(text: str) -> dict[str, Requirement]:
    catalogue: dict[str, Requirement] = {}
    for entry in tomllib.loads(text).get("requirement", []):
        try:
            requirement = Requirement(**entry)
        except TypeError as exc:
            raise CatalogueError(f"catalogue entry {entry.get('id', entry)!r}: {exc}") from exc
        if requirement.id in catalogue:
            raise CatalogueError(f"requirement {requirement.id} is listed twice")
        if requirement.service not in SERVICES:
            raise CatalogueError(f"{requirement.id}: unknown service {requirement.service!r}")
        if requirement.level not in LEVELS:
            raise CatalogueError(f"{requirement.id}: unknown level {requirement.level!r}")
        catalogue[requirement.id] = requirement
    return catalogue


def coverage_table(catalogue: dict[str, Requirement]) -> str:
    """The catalogue as the README's coverage table (markdown)."""
    lines = ["| requirement | service | section | level | source |", "|---|---|---|---|---|"]
    for requirement in catalogue.values():
        lines.append(f"| `{requirement.id}` | {requirement.service} | {requirement.section} "
                     f"| {requirement.level} | {requirement.source} |")
    return "\n".join(lines)


COVERAGE_START = "<!-- coverage:start -->"
COVERAGE_END = "<!-- coverage:end -->"


def with_coverage_table(readme: str, catalogue: dict[str, Requirement]) -> str:
    """The README text with its coverage block replaced by the catalogue's table."""
    head, rest = readme.split(COVERAGE_START, 1)
    _, tail = rest.split(COVERAGE_END, 1)
    return f"{head}{COVERAGE_START}\n{coverage_table(catalogue)}\n{COVERAGE_END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:  # python -m conformance.catalogue README.md: refresh the table
        readme = Path(sys.argv[1])
        readme.write_text(with_coverage_table(readme.read_text("utf-8"), load_catalogue()))
    else:
        print(coverage_table(load_catalogue()))
