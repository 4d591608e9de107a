"""The reference server: one ASGI app, a router per service, one SQLite database.

Services are classes; ``create_app`` takes them in a ``ReferenceConfig`` so the
self-tests can inject a fault by passing a subclass that overrides one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from conformance.reference.ais import AisService, AisSettings
from conformance.reference.asset import AssetService, AssetSettings
from conformance.reference.caps import CapsService, CapsSettings
from conformance.reference.db import open_database
from conformance.reference.xinventory import XInventoryService, XInventorySettings


@dataclass
class ReferenceConfig:
    """Which service classes serve, and their settings."""

    asset_service: type[AssetService] = AssetService
    asset_settings: AssetSettings = field(default_factory=AssetSettings)
    xinventory_service: type[XInventoryService] = XInventoryService
    xinventory_settings: XInventorySettings = field(default_factory=XInventorySettings)
    caps_service: type[CapsService] = CapsService
    caps_settings: CapsSettings = field(default_factory=CapsSettings)
    ais_service: type[AisService] = AisService
    ais_settings: AisSettings = field(default_factory=AisSettings)


def create_app(db_path: Path | str, config: ReferenceConfig | None = None) -> Starlette:
    config = config or ReferenceConfig()
    db = open_database(db_path, [config.asset_service.schema,
                                 config.xinventory_service.schema,
                                 config.ais_service.schema])
    routes: list[BaseRoute] = []
    routes += config.asset_service(db, config.asset_settings).routes()
    routes += config.xinventory_service(db, config.xinventory_settings).routes()
    # Login, seed capability and the viewer's inventory capabilities, over the same
    # inventory store; app.state.capabilities maps each capability name to its path.
    caps = config.caps_service(db, config.caps_settings)
    routes += caps.routes()
    capabilities: dict[str, str] = {}
    capabilities.update(caps.capabilities())
    # Inventory API v3 (InventoryAPIv3, LibraryAPIv3) over the same inventory store.
    ais = config.ais_service(db, config.ais_settings)
    routes += ais.routes()
    capabilities.update(ais.capabilities())
    app = Starlette(routes=routes)
    app.state.db = db
    app.state.capabilities = capabilities
    return app
