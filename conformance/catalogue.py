"""The requirement catalogue: stable IDs, each quoting the sentence it rests on and
stating in one sentence what must hold. One TOML file per service in
``conformance/requirements/``."""

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
    #: One sentence: what has to hold (shown in failures next to the quote).
    must: str = ""
    #: The line of the source where the quote starts: required when the quote occurs
    #: more than once in its source, so that it names its place.
    line: int | None = None

    def cite(self) -> str:
        """The requirement as a failure report heads it."""
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        head = f'{self.id} ({self.level}; {where}, "{self.section}")'
        must = f"\n  must: {self.must}" if self.must else ""
        return f'{head}{must}\n  source says: "{self.quote}"'


class CatalogueError(ValueError):
    pass


@cache
def load_catalogue() -> dict[str, Requirement]:
    """Every requirement by ID, in catalogue order (services in ``SERVICES`` order)."""
    folder = resources.files("conformance").joinpath("requirements")
    catalogue: dict[str, Requirement] = {}
    for service in SERVICES:
        path = folder.joinpath(f"{service}.toml")
        if not path.is_file():
            continue
        for rid, requirement in parse_catalogue(path.read_text("utf-8")).items():
            if rid in catalogue:
                raise CatalogueError(f"requirement {rid} is listed twice")
            if requirement.service != service:
                raise CatalogueError(f"{rid} is a {requirement.service} requirement, listed "
                                     f"in {service}.toml")
            catalogue[rid] = requirement
    return catalogue


@dataclass(frozen=True)
class Observation:
    """What the suite records instead of judging (conformance/observations.toml)."""

    id: str
    service: str
    sentence: str


@cache
def load_observations() -> dict[str, Observation]:
    text = resources.files("conformance").joinpath("observations.toml").read_text("utf-8")
    observations: dict[str, Observation] = {}
    for entry in tomllib.loads(text).get("observation", []):
        observation = Observation(**entry)
        if observation.id in observations:
            raise CatalogueError(f"observation {observation.id} is listed twice")
        observations[observation.id] = observation
    return observations


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
        if not requirement.must.strip():
            raise CatalogueError(f"{requirement.id}: no must (one sentence of what has to "
                                 f"hold)")
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
