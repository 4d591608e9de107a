"""The reference server: one ASGI app, a router per service, one SQLite database.

Services are classes; ``create_app`` takes them in a ``ReferenceConfig`` so the
self-tests can inject a fault by passing a subclass that overrides one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference.ais import AisService, AisSettings
from conformance.reference.asset import AssetService, AssetSettings
from conformance.reference.caps import CapsService, CapsSettings
from conformance.reference.db import open_database
from conformance.reference.xinventory import XInventoryService, XInventorySettings

#: The largest request body the reference accepts (an asset's Data, base64, included).
MAX_BODY_SIZE = 32 << 20


class BodyLimit:
    """413 for a request body larger than ``limit``: at once when its Content-Length says
    so, else as soon as more has arrived. Past the limit the app sees the client gone
    (what arrived is not kept) and its answer, if any, is replaced by the 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0").strip()
        if not length.isdigit():
            await self.refuse(400, "Content-Length is not a number", scope, receive, send)
            return
        if int(length) > self.limit:
            await self.refuse(413, self.too_large(), scope, receive, send)
            return
        received = 0
        exceeded = False

        async def limited() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                exceeded = True
                return {"type": "http.disconnect"}
            return message

        async def unless_exceeded(message: Message) -> None:
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, limited, unless_exceeded)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await self.refuse(413, self.too_large(), scope, receive, send)

    def too_large(self) -> str:
        return f"the request body is larger than {self.limit} bytes"

    @staticmethod
    async def refuse(status: int, text: str, scope: Scope, receive: Receive,
                     send: Send) -> None:
        await PlainTextResponse(text, status, headers={"Connection": "close"})(
            scope, receive, send)


async def bad_request(request: Request, exc: Exception) -> Response:
    """A value the store cannot hold (an integer past SQLite's 64 bits, text that is not
    Unicode) is the client's error, whichever service met it: 400, never 500."""
    cause = ("an integer is out of range (64-bit)" if isinstance(exc, OverflowError)
             else "the text is not valid Unicode")
    return PlainTextResponse(cause, 400)


async def gone(request: Request, exc: Exception) -> Response:
    """The client went away (or sent too slowly) before its body arrived: nobody reads
    an answer."""
    return Response(status_code=400)


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
    #: The largest request body, in bytes: beyond, 413.
    max_body_size: int = MAX_BODY_SIZE


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
    app = Starlette(routes=routes,
                    middleware=[Middleware(BodyLimit, limit=config.max_body_size)],
                    exception_handlers={OverflowError: bad_request, UnicodeError: bad_request,
                                        ClientDisconnect: gone})
    app.state.db = db
    app.state.capabilities = capabilities
    return app
