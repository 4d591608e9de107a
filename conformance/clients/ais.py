"""Client of Inventory API v3 (AIS3): the InventoryAPIv3 and LibraryAPIv3 capabilities
(seeds/sl-inventory-api-v3-ais.txt). Requests go as the Second Life viewer sends them:
LLSD XML bodies, ``Accept`` and ``Content-Type: application/llsd+xml`` on every request
(GET and DELETE included), the transaction id as ``tid`` in the query.

AIS3 chooses the ids of what it creates, so the ledger names the one folder the suite
owns by its unique name before the request that creates it goes out; everything else
the suite creates lives inside that folder and goes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from conformance.clients.http import Exchange, HttpClient
from conformance.clients.service import ServiceClient
from conformance.ledger import Entry
from conformance.wire import ais as wire
from conformance.wire.xml import WireError

#: Ledger kinds: a category the suite named (found again by its unique name under the
#: root) and a special category the suite created with PUT.
NAMED_CATEGORY = "named-category"
SPECIAL_CATEGORY = "special-category"


@dataclass(eq=False)
class AisClient(ServiceClient):
    """Sends AIS3 requests to one capability URL on behalf of ``agent_id``."""

    agent_id: str

    @property
    def url(self) -> str:
        return self.http.base_url

    # ------------------------------------------------------------------ raw

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None,
                body: Any = None, raw: bytes | None = None,
                headers: Mapping[str, str] | None = None, writes: bool | None = None,
                query_text: str | None = None) -> Exchange:
        """One request: ``body`` (plain data) written as the viewer writes LLSD, or
        ``raw`` bytes as given; ``query`` as ``?k=v&…`` (``query_text`` verbatim)."""
        sent = dict(wire.HEADERS)
        sent.update(headers or {})
        payload = raw if raw is not None else (
            wire.encode(wire.request_value(body)) if body is not None else b"")
        if query_text is None and query:
            query_text = "&".join(f"{key}={quote(str(value), safe='*,')}"
                                  for key, value in query.items() if value is not None)
        target = path + (f"?{query_text}" if query_text else "")
        return self.http.request(method, target, body=payload, headers=sent, writes=writes)

    @staticmethod
    def params(*, tid: str | None = None, depth: int | str | None = None,
               simulate: str | None = None) -> dict[str, Any]:
        return {"tid": tid, "depth": depth, "simulate": simulate}

    # ------------------------------------------------------------------ Category

    def get_category(self, category: str, part: str = "", *, depth: int | str | None = None,
                     headers: Mapping[str, str] | None = None) -> Exchange:
        """GET /category/{category}[/children|/links|/items|/categories]."""
        return self.request("GET", category_path(category, part),
                            query=self.params(depth=depth), headers=headers)

    def create(self, parent: str, body: Any, *, tid: str | None = None,
               simulate: str | None = None, headers: Mapping[str, str] | None = None,
               raw: bytes | None = None) -> Exchange:
        """POST /category/{parent}: create the categories, items and links of ``body``."""
        return self.request("POST", category_path(parent), body=body, raw=raw,
                            query=self.params(tid=tid, simulate=simulate), headers=headers)

    def create_named_category(self, parent: str, name: str, **kwargs: Any) -> Exchange:
        """POST one category the suite owns, named ``name`` (a unique name: the ledger
        lists it before the request goes out)."""
        self.ledger.created(self.entry(NAMED_CATEGORY, name))
        return self.create(parent, {"categories": [wire.category_body(name, parent)]},
                           **kwargs)

    def put_category(self, category: str, *, creates: bool, tid: str | None = None,
                     simulate: str | None = None,
                     headers: Mapping[str, str] | None = None) -> Exchange:
        """PUT /category/{special}: create a missing special category (``creates``: the
        agent has none, so the ledger lists it; a PUT of an existing one creates nothing)."""
        if creates:
            self.ledger.created(self.entry(SPECIAL_CATEGORY, category))
        return self.request("PUT", category_path(category), headers=headers,
                            query=self.params(tid=tid, simulate=simulate))

    def patch_category(self, category: str, body: Any, *, tid: str | None = None,
                       simulate: str | None = None,
                       headers: Mapping[str, str] | None = None) -> Exchange:
        return self.request("PATCH", category_path(category), body=body,
                            query=self.params(tid=tid, simulate=simulate), headers=headers)

    def copy_category(self, category: str, destination: str, *, tid: str | None = None,
                      simulate: str | None = None, depth: int | None = None,
                      headers: Mapping[str, str] | None = None,
                      query_text: str | None = None) -> Exchange:
        sent = {"Destination": destination, **(headers or {})}
        return self.request("COPY", category_path(category), headers=sent, writes=True,
                            query=self.params(tid=tid, simulate=simulate, depth=depth),
                            query_text=query_text)

    def move_category(self, category: str, destination: str, *,
                      tid: str | None = None) -> Exchange:
        return self.request("MOVE", category_path(category), writes=True,
                            headers={"Destination": destination},
                            query=self.params(tid=tid))

    def delete_category(self, category: str, part: str = "", *, tid: str | None = None,
                        simulate: str | None = None,
                        headers: Mapping[str, str] | None = None) -> Exchange:
        """DELETE /category/{category}[/children|/links|/items|/categories]."""
        return self.request("DELETE", category_path(category, part), headers=headers,
                            query=self.params(tid=tid, simulate=simulate))

    def put_links(self, category: str, links: Any, *, tid: str | None = None,
                  simulate: str | None = None, raw: bytes | None = None) -> Exchange:
        """PUT /category/{category}/links with a bare LLSD array, as the viewer slams
        a folder's links."""
        return self.request("PUT", category_path(category, "links"), body=links, raw=raw,
                            query=self.params(tid=tid, simulate=simulate))

    # ------------------------------------------------------------------ Item

    def get_item(self, item: str, headers: Mapping[str, str] | None = None) -> Exchange:
        return self.request("GET", f"/item/{item}", headers=headers)

    def patch_item(self, item: str, body: Any, *, tid: str | None = None,
                   simulate: str | None = None,
                   headers: Mapping[str, str] | None = None) -> Exchange:
        return self.request("PATCH", f"/item/{item}", body=body, headers=headers,
                            query=self.params(tid=tid, simulate=simulate))

    def copy_item(self, item: str, destination: str, *, tid: str | None = None) -> Exchange:
        return self.request("COPY", f"/item/{item}", writes=True,
                            headers={"Destination": destination}, query=self.params(tid=tid))

    def move_item(self, item: str, destination: str, *, tid: str | None = None) -> Exchange:
        return self.request("MOVE", f"/item/{item}", writes=True,
                            headers={"Destination": destination}, query=self.params(tid=tid))

    def delete_item(self, item: str, *, tid: str | None = None,
                    simulate: str | None = None) -> Exchange:
        return self.request("DELETE", f"/item/{item}",
                            query=self.params(tid=tid, simulate=simulate))

    # ------------------------------------------------------------------ ledger

    def entry(self, kind: str, name: str) -> Entry:
        return Entry("ais", kind, name, self.url, self.agent_id)


def category_path(category: str, part: str = "") -> str:
    return f"/category/{category}" + (f"/{part}" if part else "")


# ---------------------------------------------------------------------- cleanup


def remove_ais_object(http: HttpClient, entry: Entry) -> bool:
    """Remove a category the suite created: by its unique name under the root (and all
    it holds), or a special category it created with PUT. Gone when nothing by that
    name remains."""
    headers = dict(wire.HEADERS)

    def named() -> list[str] | None:
        reply = http.request("GET", "/category/root/children", headers=headers)
        if reply.status != 200:
            return None
        try:
            document = wire.decode(reply.body)
        except WireError:
            return None
        return [uid for uid, child in wire.embedded(document, "categories").items()
                if isinstance(child, dict) and child.get("name") == entry.id]

    if entry.kind == SPECIAL_CATEGORY:
        reply = http.request("DELETE", category_path(entry.id), headers=headers)
        return reply.status in (200, 404, 410)
    if entry.kind != NAMED_CATEGORY:
        return False
    found = named()
    if found is None:
        return False
    for uid in found:
        http.request("DELETE", category_path(uid), headers=headers)
    return named() == []
