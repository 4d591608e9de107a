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
