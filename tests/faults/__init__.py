"""The fault catalogue: each fault is a small override of one rule of the reference
server (a subclass of its service class) that must make the suite fail the named
requirement(s). ``tests/test_faults.py`` runs each and the session prints the kill rate.

A fault reads like this::

    @fault("asset", "ASSET-GET-404")
    class MissingAssetAnswers200(AssetService):
        \"\"\"GET of a missing asset answers 200 instead of 404.\"\"\"

        def not_found(self) -> Response:
            return Response(b"", status_code=200)
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.reference.app import ReferenceConfig


@dataclass(frozen=True)
class Fault:
    name: str
    service: str
    breaks: tuple[str, ...]
    override: type
    doc: str
    settings: dict[str, Any] = field(default_factory=dict)

    def config(self) -> ReferenceConfig:
        """The reference server with this fault injected."""
        fields: dict[str, Any] = {f"{self.service}_service": self.override, **self.settings}
        return ReferenceConfig(**fields)


FAULTS: list[Fault] = []


def fault(service: str, *breaks: str, **settings: Any) -> Callable[[type], type]:
    """Register the decorated service subclass as a fault breaking ``breaks``."""
    def register(cls: type) -> type:
        name = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()
        FAULTS.append(Fault(f"{service}:{name}", service, breaks, cls,
                            " ".join((cls.__doc__ or "").split()), settings))
        return cls
    return register


def all_faults() -> list[Fault]:
    """Every fault: importing each module of this package registers its faults."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return list(FAULTS)
