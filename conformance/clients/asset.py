"""Client of the OpenSimulator asset service (GET/POST/DELETE /assets, /get_assets_exist)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.clients.http import Exchange, HttpClient
from conformance.clients.service import ServiceClient
from conformance.ledger import Entry, owned_name
from conformance.wire import asset as wire
from conformance.wire.xml import WireError

XML_HEADERS = {"Content-Type": "text/xml"}


@dataclass(eq=False)
class AssetClient(ServiceClient):
    principal: str

    def get(self, asset_id: str) -> Exchange:
        return self.http.request("GET", f"/assets/{asset_id}")

    def get_part(self, asset_id: str, part: str) -> Exchange:
        return self.http.request("GET", f"/assets/{asset_id}/{part}")

    def post(self, body: bytes, *, asset_id: str | None, path: str = "/assets") -> Exchange:
        """POST a document as it is; ``asset_id`` is the id it may create (for the ledger).
        OpenSimulator's region-side connector posts to ``/assets/``."""
        if asset_id:
            self.ledger.created(self.entry(asset_id))
        return self.http.request("POST", path, body=body, headers=XML_HEADERS)

    def store(self, asset_id: str | None = None, data: bytes = b"conformance",
              **fields: Any) -> tuple[str, Exchange]:
        """POST an asset the suite owns: a recognisable name, the run's principal as creator."""
        asset_id = asset_id or self.new_id()
        fields.setdefault("name", owned_name("asset"))
        fields.setdefault("creator_id", self.principal)
        return asset_id, self.post(wire.build_asset(asset_id, data, **fields), asset_id=asset_id)

    def delete(self, asset_id: str) -> Exchange:
        exchange = self.http.request("DELETE", f"/assets/{asset_id}")
        if exchange.status == 200:
            try:
                if wire.parse_boolean_reply(exchange.body):
                    self.ledger.removed(self.entry(asset_id))
            except WireError:
                pass
        return exchange

    def exist(self, asset_ids: Iterable[str]) -> Exchange:
        return self.exist_raw(wire.build_array_of_string(asset_ids))

    def exist_raw(self, body: bytes) -> Exchange:
        return self.http.request("POST", "/get_assets_exist", body=body, headers=XML_HEADERS,
                                 writes=False)

    def entry(self, asset_id: str) -> Entry:
        return Entry("asset", "asset", asset_id, self.http.base_url, self.principal)


def remove_asset(http: HttpClient, entry: Entry) -> bool:
    """DELETE the asset; it is gone when the target says true, or when it was never
    stored (a POST the target refused): GET answers 404."""
    exchange = http.request("DELETE", f"/assets/{entry.id}")
    try:
        if exchange.status == 200 and wire.parse_boolean_reply(exchange.body):
            return True
    except WireError:
        pass
    return http.request("GET", f"/assets/{entry.id}").status == 404
