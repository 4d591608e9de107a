"""The reference Inventory API v3 (AIS3): the InventoryAPIv3 and LibraryAPIv3
capabilities, over the inventory tables XInventory uses (so a change made here shows in
XInventory and FetchInventoryDescendents2 at once).

Written as seeds/sl-inventory-api-v3-ais.txt reads: six resources (Category, its
children, links, items and categories, and Item), each method with its status, its
response keys and its errors; entity tags with If-Match / If-None-Match; ``depth``;
``tid`` (a replayed transaction is refused with 409 and changes nothing); ``simulate``
(the answer describes the change, nothing is written). Each method is one small handler
and each rule one small method, so a self-test can break exactly one of them.

:class:`AisService` is built in layers, each a module of its concern:

- ``base``: the request, the answer, errors, and the lookups (:class:`AisBase`);
- ``rendering``: category, item and link documents (:class:`AisRendering`);
- ``tree``: creating, copying, moving and removing (:class:`AisTree`);
- ``handlers``: one handler per resource and method (:class:`AisHandlers`);
- ``http``: routes, parameters, dispatch, media types, entity tags and preconditions,
  transactions and encoding (:class:`AisService`).

Every method is a seam: the faults of tests/faults/ais.py subclass :class:`AisService`
and override one by name.
"""

from conformance.reference.ais.base import (
    INVENTORY_CAP,
    LIBRARY_CAP,
    LIBRARY_OWNER,
    LIBRARY_ROOT,
    AisError,
    AisSettings,
    Answer,
    Call,
    ExistingCategory,
    Handler,
    is_link,
)
from conformance.reference.ais.http import AisService

__all__ = ["INVENTORY_CAP", "LIBRARY_CAP", "LIBRARY_OWNER", "LIBRARY_ROOT", "AisError",
           "AisService", "AisSettings", "Answer", "Call", "ExistingCategory", "Handler",
           "is_link"]
