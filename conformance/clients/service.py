"""What every client of a service holds: its HTTP client and the run's ledger, where it
notes what it creates (``conformance.cleanup`` removes it)."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.clients.http import HttpClient
from conformance.ledger import Ledger
from conformance.wire.ids import new_id


@dataclass(eq=False)
class ServiceClient:
    http: HttpClient
    ledger: Ledger

    new_id = staticmethod(new_id)
