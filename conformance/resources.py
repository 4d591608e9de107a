"""Files shipped with the suite: JSON Schemas and fixtures.

In a wheel they live inside the package (``conformance/schemas``, ``conformance/fixtures``);
in a checkout they are the top-level ``schemas/`` and ``fixtures/`` folders.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``schemas`` or ``fixtures``, installed or in a checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the suite's {name}/ folder is missing (looked beside {_PACKAGE})")


def fixture_path(*parts: str) -> Path:
    return resource_dir("fixtures").joinpath(*parts)


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(resource_dir("schemas").glob("*.schema.json")):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text("utf-8")))))
    # crawled once here, not again at every reference a validation follows
    return Registry().with_resources(resources).crawl()


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """A validator for ``schemas/{name}.schema.json`` (references between schemas resolve)."""
    schema: dict[str, Any] = _registry().contents(f"{name}.schema.json")
    return Draft202012Validator(schema, registry=_registry())


def schema_violations(name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the schema, each naming the field."""
    errors = sorted(schema_validator(name).iter_errors(instance), key=lambda e: list(e.path))
    return [
        f"{'/'.join(str(p) for p in error.path) or '(document)'}: {error.message}"
        for error in errors
    ]
