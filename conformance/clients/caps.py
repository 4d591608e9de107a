"""Client of the viewer's inventory capabilities (seeds/sl-inventory-api-caps.txt):
FetchInventoryDescendents2, FetchInventory2, FetchLibDescendents2 and FetchLib2, LLSD
over HTTP POST to the URLs the seed capability granted.

Requests are shaped as the Second Life viewer sends them (LLSD XML, booleans written 1
and 0, ``owner_id``, ``fetch_folders``, ``fetch_items`` and ``sort_order`` per folder);
``wiki_folder`` gives the wiki's shape (``folder_id`` only). They only read, so a
read-only run sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from conformance.clients.http import Exchange, HttpClient
from conformance.wire import llsd
from conformance.wire.ids import ZERO_UUID

DESCENDENTS = "FetchInventoryDescendents2"
ITEMS = "FetchInventory2"
LIB_DESCENDENTS = "FetchLibDescendents2"
LIB_ITEMS = "FetchLib2"
CAPABILITIES = (DESCENDENTS, ITEMS, LIB_DESCENDENTS, LIB_ITEMS)
LLSD_HEADERS = {"Content-Type": llsd.XML_TYPE, "Accept": llsd.VIEWER_ACCEPT}
#: The viewer sorts by name unless told otherwise (sort_order 1: by date).
SORT_ORDER = 0


def viewer_folder(folder_id: str, owner_id: str, *, fetch_folders: bool = True,
                  fetch_items: bool = True) -> dict[str, Any]:
    """One folder of a FetchInventoryDescendents2 request, as the viewer writes it."""
    return {"folder_id": llsd_uuid(folder_id), "owner_id": llsd_uuid(owner_id),
            "fetch_folders": fetch_folders, "fetch_items": fetch_items,
            "sort_order": SORT_ORDER}


def wiki_folder(folder_id: str) -> dict[str, Any]:
    """One folder as the wiki's LLIDL writes it: ``{folder_id: uuid}``."""
    return {"folder_id": llsd_uuid(folder_id)}


def llsd_uuid(text: str) -> Any:
    return uuid.UUID(text)


class CapsClient:
    """Sends requests to the capability URLs (name -> URL) of one agent."""

    def __init__(self, urls: dict[str, str], agent_id: str,
                 http_factory: Callable[[str], HttpClient]) -> None:
        self.urls = urls
        self.agent_id = agent_id
        self.http_factory = http_factory
        self.clients: dict[str, HttpClient] = {}

    def offers(self, name: str) -> bool:
        return name in self.urls

    def http(self, name: str) -> HttpClient:
        if name not in self.clients:
            self.clients[name] = self.http_factory(self.urls[name])
        return self.clients[name]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    # ------------------------------------------------------------------ raw

    def post(self, name: str, body: bytes, headers: dict[str, str] | None = None) -> Exchange:
        """POST ``body`` exactly as given (the capabilities only read)."""
        return self.http(name).request("POST", "", body=body,
                                       headers=LLSD_HEADERS if headers is None else headers,
                                       writes=False)

    def post_llsd(self, name: str, value: Any) -> Exchange:
        return self.post(name, llsd.format_xml(value))

    def get(self, name: str) -> Exchange:
        return self.http(name).request("GET", "", headers={"Accept": llsd.VIEWER_ACCEPT})

    # ------------------------------------------------------------------ calls

    def descendents(self, folders: Iterable[dict[str, Any]], *,
                    library: bool = False) -> Exchange:
        """FetchInventoryDescendents2 (FetchLibDescendents2 with ``library``)."""
        return self.post_llsd(LIB_DESCENDENTS if library else DESCENDENTS,
                              {"folders": list(folders)})

    def folder(self, folder_id: str, owner_id: str | None = None, *,
               library: bool = False) -> Exchange:
        """One folder, as the viewer asks for it."""
        return self.descendents([viewer_folder(folder_id, owner_id or self.agent_id)],
                                library=library)

    def items(self, item_ids: Iterable[str], owner_id: str | None = None, *,
              library: bool = False) -> Exchange:
        """FetchInventory2 (FetchLib2 with ``library``), as the viewer asks: a top-level
        ``agent_id`` and ``owner_id`` per item."""
        owner = llsd_uuid(owner_id or self.agent_id)
        value = {"agent_id": llsd_uuid(self.agent_id or ZERO_UUID),
                 "items": [{"owner_id": owner, "item_id": llsd_uuid(item_id)}
                           for item_id in item_ids]}
        return self.post_llsd(LIB_ITEMS if library else ITEMS, value)
