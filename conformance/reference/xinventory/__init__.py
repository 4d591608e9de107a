"""The reference XInventory service: POST /xinventory, over SQLite.

Written as docs/interop/xinventory.md reads (the wiki, seeds/opensim-xinventory-service.txt,
documents only GETROOTFOLDER): one URI, the operation chosen by METHOD; ``<RESULT>``
True/False for writes and for every error; "not found" as the empty
``<ServerResponse />``; folder versions that go up whenever a folder's contents change.
Each METHOD is one small handler and each rule one small method, so a self-test can
break exactly one of them.

The service in layers of their concern: ``store`` (the tables shared with the login and
AIS3, and the folder types), ``params`` (the request form as OpenSimulator reads it),
``service`` (routes, dispatch and one handler per METHOD).
"""

from conformance.reference.xinventory.params import BadRequest, Params, Reply
from conformance.reference.xinventory.service import (
    XML_TYPE,
    XInventoryService,
    XInventorySettings,
)
from conformance.reference.xinventory.store import (
    LEGACY_ROOT_TYPE,
    SYSTEM_FOLDERS,
    VIEWER_ROOT_TYPE,
    InventoryStore,
    viewer_folder_type,
)
from conformance.wire.xinventory import Folder, Item

__all__ = ["LEGACY_ROOT_TYPE", "SYSTEM_FOLDERS", "VIEWER_ROOT_TYPE", "XML_TYPE",
           "BadRequest", "Folder", "InventoryStore", "Item", "Params", "Reply",
           "XInventoryService", "XInventorySettings", "viewer_folder_type"]
