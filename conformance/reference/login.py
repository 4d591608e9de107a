"""The reference server's login: XML-RPC ``login_to_simulator`` at the base URL and the
seed capability, as a viewer meets them on a grid.

The avatar is a principal of the shared XInventory store (its inventory is created with
the system folders as CREATEUSERINVENTORY makes them), and the library lives in the same
tables under OpenSimulator's library owner. Every URL handed out is built from the Host
header (and scheme) of the request that asked, so it keeps working behind a reverse
proxy or a port forward. Capability names map to path templates in
``app.state.capabilities`` (each service registers its own).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
import uuid
import xmlrpc.client
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.xinventory import (
    InventoryStore,
    Params,
    XInventoryService,
    viewer_folder_type,
)
from conformance.wire import llsd as wire
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xinventory import Folder, Item
from conformance.wire.xml import WireError, refuse_dtd

XMLRPC_TYPE = "text/xml"
#: OpenSimulator's library: owner and root folder.
LIBRARY_OWNER = "11111111-1111-0000-0000-000100bba000"
LIBRARY_ROOT = "00000112-000f-0000-0000-000100bba000"
LIBRARY_NAME = "OpenSim Library"
#: Path of the seed capability (``{agent_id}`` is the logged-in agent).
SEED_PATH = "/caps/{agent_id}/seed"
_NAMESPACE = uuid.UUID("6f70656e-7369-6d2d-636f-6e666f726d00")


@dataclass
class LoginSettings:
    """The avatar that may log in (``opensim-conformance serve --avatar/--password``)."""

    avatar: str = "Conformance Tester"
    password: str = "conformance"
    #: Ship the small library (owner and root as OpenSimulator's).
    library: bool = True
    #: Where the login places the avatar: the region's grid coordinates (OpenSimulator's
    #: default region sits at 1000, 1000) and its size in metres.
    region_location: tuple[int, int] = (1000, 1000)
    region_size: int = 256

    @property
    def first_last(self) -> tuple[str, str]:
        first, _, last = self.avatar.partition(" ")
        return first, last or "Resident"

    @property
    def agent_id(self) -> str:
        """A stable UUID per avatar name."""
        return str(uuid.uuid5(_NAMESPACE, self.avatar.lower()))


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


#: The library's folders (name, FolderType) and each folder's items (name, asset type,
#: inventory type).
LIBRARY_FOLDERS: tuple[tuple[str, int, tuple[tuple[str, int, int], ...]], ...] = (
    ("Notecards", 7, (("Welcome", 7, 7), ("Read me", 7, 7))),
    ("Textures", 0, (("Plywood", 0, 0), ("Blank", 0, 0))),
    ("Landmarks", 3, (("Home", 3, 3),)),
)


class LoginService:
    """login_to_simulator, the seed capability, and the avatar's and library's data."""

    seed_path: ClassVar[str] = SEED_PATH

    def __init__(self, db: sqlite3.Connection, settings: LoginSettings | None = None) -> None:
        self.settings = settings or LoginSettings()
        # The plain XInventory rules create the avatar's inventory (a fault injected into
        # the XInventory service does not reach the login).
        self.inventory = XInventoryService(db)
        self.store = InventoryStore(db)
        self.agent_id = self.settings.agent_id
        self.ensure_inventory()
        if self.settings.library:
            self.ensure_library()

    def routes(self) -> list[Route]:
        return [
            Route("/", self.login, methods=["POST"]),
            Route(self.seed_path, self.seed, methods=["POST"]),
        ]

    def capabilities(self) -> dict[str, str]:
        """Capability name -> path template this service serves (none: the seed is not
        granted through itself)."""
        return {}

    # ------------------------------------------------------------------ data

    def ensure_inventory(self) -> None:
        """The avatar's inventory with its system folders (CREATEUSERINVENTORY)."""
        self.inventory.create_user_inventory(Params({"PRINCIPAL": self.agent_id}))

    def ensure_library(self) -> None:
        if self.store.folder(LIBRARY_ROOT) is not None:
            return
        self.store.store_folder(Folder(id=LIBRARY_ROOT, parent_id=ZERO_UUID, owner=LIBRARY_OWNER,
                                       name=LIBRARY_NAME, type=8, version=1))
        for name, folder_type, items in LIBRARY_FOLDERS:
            folder_id = stable_id("library", name)
            self.store.store_folder(Folder(id=folder_id, parent_id=LIBRARY_ROOT,
                                           owner=LIBRARY_OWNER, name=name, type=folder_type,
                                           version=1 + len(items)))
            for item_name, asset_type, inv_type in items:
                self.store.store_item(Item(
                    id=stable_id("library", name, item_name), folder=folder_id,
                    owner=LIBRARY_OWNER, name=item_name, description=f"{item_name} (library)",
                    asset_id=stable_id("library-asset", name, item_name),
                    asset_type=asset_type, inv_type=inv_type, creator_id=LIBRARY_OWNER,
                    base_permissions=0x7FFFFFFF, current_permissions=0x7FFFFFFF,
                    next_permissions=0x7FFFFFFF, everyone_permissions=0x7FFFFFFF,
                    creation_date=1300000000))

    def root_folder(self) -> Folder | None:
        return self.inventory.root_folder(self.agent_id)

    # ------------------------------------------------------------------ URLs

    def base_url(self, request: Request) -> str:
        """scheme://host[:port] as the caller addressed this server (the Host header)."""
        host = request.headers.get("host") or (
            f"{request.url.hostname}:{request.url.port}" if request.url.port
            else str(request.url.hostname))
        return f"{request.url.scheme}://{host}"

    def capability_url(self, request: Request, template: str, agent_id: str) -> str:
        return self.base_url(request) + template.format(agent_id=agent_id)

    # ------------------------------------------------------------------ login

    async def login(self, request: Request) -> Response:
        body = await request.body()
        try:
            refuse_dtd(body)  # xmlrpc.client would expand what a DTD declares
        except WireError as exc:
            return Response(str(exc).encode(), status_code=400, media_type="text/plain")
        try:
            params, method = xmlrpc.client.loads(body)
        except Exception:  # xmlrpc raises ExpatError and others
            return self.fault(-32700, "parse error: not an XML-RPC request")
        if method != "login_to_simulator":
            return self.fault(-32601, f"unknown method {method}")
        values: dict[str, Any] = params[0] if params and isinstance(params[0], dict) else {}
        if not self.authenticates(values):
            return self.xmlrpc({"login": "false", "reason": "key",
                                "message": "Could not authenticate your avatar. "
                                           "Please check your username and password."})
        return self.xmlrpc(self.login_reply(request))

    def authenticates(self, values: dict[str, Any]) -> bool:
        first, last = self.settings.first_last
        name_ok = (str(values.get("first", "")).lower() == first.lower()
                   and str(values.get("last", "")).lower() == last.lower())
        return name_ok and self.password_matches(str(values.get("passwd", "")))

    def password_matches(self, passwd: str) -> bool:
        """``$1$`` + md5 of the password, as viewers send it (the plain text also works)."""
        digest = hashlib.md5(self.settings.password.encode("utf-8")).hexdigest()
        return passwd in (f"$1${digest}", self.settings.password)

    def login_reply(self, request: Request) -> dict[str, Any]:
        root = self.root_folder()
        first, last = self.settings.first_last
        skeleton = self.store.folders_where("owner = ?", self.agent_id)
        reply: dict[str, Any] = {
            "login": "true",
            "message": "Welcome to the opensim-conformance reference server",
            "first_name": f'"{first}"',
            "last_name": last,
            "agent_id": self.agent_id,
            "session_id": str(uuid.uuid4()),
            "secure_session_id": str(uuid.uuid4()),
            "circuit_code": secrets.randbelow(2**31 - 1) + 1,
            "seed_capability": self.capability_url(request, self.seed_path, self.agent_id),
            "inventory-root": [{"folder_id": root.id if root else ZERO_UUID}],
            "inventory-skeleton": [self.skeleton_entry(f) for f in skeleton],
            **self.region_fields(request),
        }
        if self.settings.library:
            library = self.store.folders_where("owner = ?", LIBRARY_OWNER)
            reply["inventory-lib-root"] = [{"folder_id": LIBRARY_ROOT}]
            reply["inventory-lib-owner"] = [{"agent_id": LIBRARY_OWNER}]
            reply["inventory-skel-lib"] = [self.skeleton_entry(f) for f in library]
        return reply

    def region_fields(self, request: Request) -> dict[str, Any]:
        """The region a client reads from the login reply before anything else (the
        viewer's process_login_success_response, hippolyzer's from_login_data): the
        simulator's address, the region's corner in metres (integers), where the avatar
        starts and looks, home, the server's clock and the maturity ratings. This server
        runs no UDP simulator: the address is this server's own with port 0 (no circuit
        to open, so no client waits for one: the suite's logout and the viewer's login
        check it), and a client goes on through the seed capability."""
        server = request.scope.get("server") or ("127.0.0.1", 0)
        x, y = (coordinate * self.settings.region_size
                for coordinate in self.settings.region_location)
        return {
            "sim_ip": str(server[0]),
            "sim_port": 0,
            "region_x": x,
            "region_y": y,
            "region_size_x": self.settings.region_size,
            "region_size_y": self.settings.region_size,
            "start_location": "last",
            "look_at": "[r1,r0,r0]",
            "home": f"{{'region_handle':[r{x},r{y}], 'position':[r128,r128,r22], "
                    "'look_at':[r1,r0,r0]}",
            "seconds_since_epoch": int(time.time()),
            "agent_access": "M",
            "agent_access_max": "A",
            "agent_region_access": "A",
            "login-flags": [{"ever_logged_in": "Y", "stipend_since_login": "N",
                             "gendered": "Y", "daylight_savings": "N"}],
        }

    def skeleton_entry(self, folder: Folder) -> dict[str, Any]:
        """A skeleton folder; the type as viewers know it (the root 8, never 9)."""
        return {"folder_id": folder.id, "parent_id": folder.parent_id, "name": folder.name,
                "type_default": viewer_folder_type(folder.type), "version": folder.version}

    def xmlrpc(self, value: dict[str, Any]) -> Response:
        body = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=False)
        return Response(body.encode("utf-8"), media_type=XMLRPC_TYPE)

    def fault(self, code: int, message: str) -> Response:
        body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True)
        return Response(body.encode("utf-8"), media_type=XMLRPC_TYPE)

    # ------------------------------------------------------------------ seed

    async def seed(self, request: Request) -> Response:
        """POST an LLSD array of capability names; the answer maps each one this server
        offers to its URL."""
        agent_id = request.path_params["agent_id"]
        if agent_id != self.agent_id:
            return Response(b"", status_code=404)
        try:
            names = wire.parse(await request.body(), request.headers.get("content-type")).value
        except ValueError:
            return Response(b"", status_code=400)
        if not isinstance(names, list):
            return Response(b"", status_code=400)
        return self.llsd(self.granted(request, [str(name) for name in names]))

    def granted(self, request: Request, names: list[str]) -> dict[str, str]:
        registry: dict[str, str] = getattr(request.app.state, "capabilities", {})
        return {name: self.capability_url(request, registry[name], self.agent_id)
                for name in names if name in registry}

    def llsd(self, value: Any, status: int = 200) -> Response:
        return Response(wire.format_xml(value), status_code=status, media_type=wire.XML_TYPE)
