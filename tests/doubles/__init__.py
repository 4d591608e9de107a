"""Release doubles: variations of the reference server that behave as a named release of
a real server does (or as the wiki pages read literally), each beside the profile that
lists exactly its departures. ``tests/test_release_doubles.py`` runs the suite on each
with its profile and requires the expected failures and nothing else.

The service classes of each double live in the module of their service
(``tests/doubles/asset.py``, ``tests/doubles/xinventory.py``); this module puts them
together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reference.app import ReferenceConfig

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ReleaseDouble:
    name: str
    #: The profile whose expectations are the double's departures.
    profile: Path
    #: ReferenceConfig keyword arguments: the service classes and settings.
    services: dict[str, Any] = field(default_factory=dict)

    def config(self) -> ReferenceConfig:
        return ReferenceConfig(**self.services)


def release_doubles() -> list[ReleaseDouble]:
    from tests.doubles import asset, caps, xinventory

    return [
        ReleaseDouble("opensimulator-master", PROFILES / "opensimulator.toml",
                      {**asset.MASTER, **xinventory.MASTER, **caps.MASTER}),
        ReleaseDouble("opensimulator-0.9.2", PROFILES / "opensimulator-0.9.2.toml",
                      {**asset.RELEASE_0_9_2, **xinventory.RELEASE_0_9_2, **caps.RELEASE_0_9_2}),
        # 0.9.1 and 0.9.2 serve assets alike
        ReleaseDouble("opensimulator-0.9.1", PROFILES / "opensimulator-0.9.1.toml",
                      {**asset.RELEASE_0_9_2, **xinventory.RELEASE_0_9_1}),
        ReleaseDouble("wiki-literal", HERE / "wiki-literal.toml",
                      {**asset.WIKI_LITERAL, **xinventory.WIKI_LITERAL, **caps.WIKI_LITERAL}),
    ]
