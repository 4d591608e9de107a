"""Faults of the reference XInventory service: each breaks one rule, and the suite must
fail the requirement(s) named."""

from __future__ import annotations

import html
import uuid
from dataclasses import replace

from lxml import etree

from conformance.reference.xinventory import (
    SYSTEM_FOLDERS,
    Folder,
    Item,
    Params,
    Reply,
    XInventoryService,
)
from conformance.wire import xinventory as wire
from conformance.wire.xinventory import ZERO_UUID, ServerData
from tests.faults import fault

# ---------------------------------------------------------------------- GETROOTFOLDER


@fault("xinventory", "XINV-GETROOTFOLDER-REQUEST")
class MethodMustComeFirst(XInventoryService):
    """Reads METHOD only when it is the first parameter of the body (the wiki sends it
    last)."""

    def parse_params(self, body: bytes) -> dict[str, str | list[str]]:
        params = super().parse_params(body)
        if not body.startswith(b"METHOD="):
            params.pop("METHOD", None)
        return params


@fault("xinventory", "XINV-GETROOTFOLDER-ELEMENTS")
class ListsWithoutTypeAttribute(XInventoryService):
    """Writes nested records without type="List", which OpenSimulator's client reads as
    text."""

    def render_data(self, data: ServerData) -> bytes:
        root = etree.fromstring(super().render_data(data))
        for element in root.iter():
            if "type" in element.attrib:
                del element.attrib["type"]
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class _RootReply(XInventoryService):
    def altered_root(self, root: Folder) -> Folder:
        return root

    def get_root_folder(self, params: Params) -> Reply:
        reply = super().get_root_folder(params)
        if isinstance(reply, dict) and "folder" in reply:
            root = wire.decode_folder(reply["folder"])
            reply["folder"] = self.encode_folder(self.altered_root(root))
        return reply


@fault("xinventory", "XINV-GETROOTFOLDER-PARENTID")
class RootParentIsItsOwner(_RootReply):
    """GETROOTFOLDER gives the root a ParentID (the owner's UUID) instead of UUID.Zero."""

    def altered_root(self, root: Folder) -> Folder:
        return replace(root, parent_id=root.owner)


@fault("xinventory", "XINV-GETROOTFOLDER-TYPE", "XINV-GETROOTFOLDER-TYPE-ROOT")
class RootIsAPlainFolder(XInventoryService):
    """Creates the root folder with Type -1."""

    root_type = -1


@fault("xinventory", "XINV-GETROOTFOLDER-TYPE")
class RootTypeIs8(XInventoryService):
    """Creates the root folder with Type 8 (FolderType.Root), not the wiki's 9."""

    root_type = 8


@fault("xinventory", "XINV-GETROOTFOLDER-NAME")
class RootNamedInventory(XInventoryService):
    """Names the root folder "Inventory"."""

    def create_folder(self, owner: str, parent_id: str, folder_type: int, name: str) -> Folder:
        if parent_id == ZERO_UUID:
            name = "Inventory"
        return super().create_folder(owner, parent_id, folder_type, name)


@fault("xinventory", "XINV-GETROOTFOLDER-OWNER")
class RootOwnedByNobody(_RootReply):
    """GETROOTFOLDER answers Owner UUID.Zero."""

    def altered_root(self, root: Folder) -> Folder:
        return replace(root, owner=ZERO_UUID)


@fault("xinventory", "XINV-GETROOTFOLDER-ID")
class RootIdChangesEveryCall(_RootReply):
    """GETROOTFOLDER answers a new random ID on every call."""

    def altered_root(self, root: Folder) -> Folder:
        return replace(root, id=str(uuid.uuid4()))


@fault("xinventory", "XINV-GETROOTFOLDER-UNKNOWN")
class UnknownPrincipalIsAnError(XInventoryService):
    """GETROOTFOLDER for a principal without inventory answers RESULT False."""

    def get_root_folder(self, params: Params) -> Reply:
        return super().get_root_folder(params) or False


# ---------------------------------------------------------------------- errors


@fault("xinventory", "XINV-ERR-NO-METHOD")
class MissingMethodMeansGetRootFolder(XInventoryService):
    """A request without METHOD is served as GETROOTFOLDER."""

    def dispatch(self, params: Params) -> Reply:
        params.values.setdefault("METHOD", "GETROOTFOLDER")
        return super().dispatch(params)


@fault("xinventory", "XINV-ERR-UNKNOWN-METHOD")
class UnknownMethodIsEmpty(XInventoryService):
    """An unknown METHOD answers the empty <ServerResponse /> instead of RESULT False."""

    def dispatch(self, params: Params) -> Reply:
        method = params.values.get("METHOD")
        if isinstance(method, str) and method not in self.methods:
            return {}
        return super().dispatch(params)


@fault("xinventory", "XINV-ERR-MISSING-PARAMETER")
class MissingPrincipalIsUnknownPrincipal(XInventoryService):
    """GETROOTFOLDER and GETINVENTORYSKELETON without PRINCIPAL answer as for an unknown
    principal, and CREATEUSERINVENTORY without it creates one for UUID.Zero."""

    def dispatch(self, params: Params) -> Reply:
        params.values.setdefault("PRINCIPAL", ZERO_UUID)
        return super().dispatch(params)


@fault("xinventory", "XINV-ERR-BAD-VALUE")
class UnreadableValuesBecomeZero(XInventoryService):
    """ADDFOLDER and ADDITEM read an unreadable ID, Type or Version as zero (TryParse)
    instead of refusing."""

    def build_folder(self, params: Params) -> Folder:
        return Folder(parent_id=params.try_uuid("ParentID"), type=params.try_integer("Type"),
                      version=max(params.try_integer("Version"), 0), name=params.text("Name"),
                      owner=params.try_uuid("Owner"), id=params.try_uuid("ID"))


@fault("xinventory", "XINV-ERR-MALFORMED-200")
class BodyMustBeUtf8(XInventoryService):
    """Decodes the body strictly as UTF-8: a body that is not crashes the handler (500)."""

    def parse_params(self, body: bytes) -> dict[str, str | list[str]]:
        return super().parse_params(body.decode("utf-8").encode("utf-8"))


# ---------------------------------------------------------------------- form encoding


@fault("xinventory", "XINV-FORM-ENCODING")
class PlusIsNotASpace(XInventoryService):
    """Decodes %XX escapes but keeps + as a plus sign."""

    def parse_params(self, body: bytes) -> dict[str, str | list[str]]:
        return super().parse_params(body.replace(b"+", b"%2B"))


@fault("xinventory", "XINV-FORM-LIST")
class ListsKeepTheirFirstValue(XInventoryService):
    """Reads only the first value of a KEY[] list."""

    def parse_params(self, body: bytes) -> dict[str, str | list[str]]:
        params = super().parse_params(body)
        return {key: value[:1] if isinstance(value, list) else value
                for key, value in params.items()}


# ---------------------------------------------------------------------- records


@fault("xinventory", "XINV-TEXT-ROUNDTRIP")
class WhitespaceOnlyDescriptionRefused(XInventoryService):
    """ADDITEM answers False for an item whose Description is only whitespace."""

    def add_item(self, params: Params) -> Reply:
        if "Description" in params and params.text("Description").isspace():
            return False
        return super().add_item(params)


@fault("xinventory", "XINV-TEXT-ROUNDTRIP")
class NamesEscapedTwice(XInventoryService):
    """Escapes names and descriptions before the XML writer escapes them again."""

    def encode_folder(self, folder: Folder) -> ServerData:
        return super().encode_folder(replace(folder, name=html.escape(folder.name)))

    def encode_item(self, item: Item) -> ServerData:
        return super().encode_item(replace(item, name=html.escape(item.name),
                                           description=html.escape(item.description)))


@fault("xinventory", "XINV-PERMISSIONS-RANGE")
class SignedPermissions(XInventoryService):
    """Writes permission masks as signed 32-bit numbers (2**32-1 becomes -1)."""

    def encode_item(self, item: Item) -> ServerData:
        record = super().encode_item(item)
        for name in ("BasePermissions", "CurrentPermissions", "NextPermissions",
                     "EveryOnePermissions", "GroupPermissions", "Flags"):
            value = int(record[name])
            record[name] = str(value - 2**32 if value >= 2**31 else value)
        return record


# ---------------------------------------------------------------------- user inventory


@fault("xinventory", "XINV-CREATEUSERINVENTORY-NEW")
class CreateAlwaysFalse(XInventoryService):
    """CREATEUSERINVENTORY creates the inventory but answers RESULT False."""

    def create_user_inventory(self, params: Params) -> Reply:
        super().create_user_inventory(params)
        return {"RESULT": "False"}


@fault("xinventory", "XINV-CREATEUSERINVENTORY-AGAIN")
class CreateAlwaysTrue(XInventoryService):
    """CREATEUSERINVENTORY answers True even when the root existed."""

    def create_user_inventory(self, params: Params) -> Reply:
        super().create_user_inventory(params)
        return {"RESULT": "True"}


@fault("xinventory", "XINV-CREATEUSERINVENTORY-SYSTEM-FOLDERS")
class NoLandmarksFolder(XInventoryService):
    """CREATEUSERINVENTORY makes no Landmarks folder."""

    system_folder_kinds = tuple(kind for kind in SYSTEM_FOLDERS if kind[1] != "Landmarks")


@fault("xinventory", "XINV-CREATEUSERINVENTORY-RECREATES")
class SystemFoldersOnlyWithANewRoot(XInventoryService):
    """CREATEUSERINVENTORY does nothing when the root exists (missing system folders stay
    missing)."""

    def create_user_inventory(self, params: Params) -> Reply:
        if self.root_folder(params.uuid("PRINCIPAL")) is not None:
            return {"RESULT": "False"}
        return super().create_user_inventory(params)


@fault("xinventory", "XINV-GETINVENTORYSKELETON")
class SkeletonOfTwoLevels(XInventoryService):
    """GETINVENTORYSKELETON lists the root and its children only."""

    def get_inventory_skeleton(self, params: Params) -> Reply:
        root = self.root_folder(params.uuid("PRINCIPAL"))
        folders = [root, *self.child_folders(root.id)] if root else []
        return {"FOLDERS": self.folder_list(folders)}


@fault("xinventory", "XINV-GETFOLDERFORTYPE-SYSTEM")
class FolderForTypeIgnoresType(XInventoryService):
    """GETFOLDERFORTYPE answers the root's first child whatever TYPE asks for."""

    def get_folder_for_type(self, params: Params) -> Reply:
        root = self.root_folder(params.try_uuid("PRINCIPAL"))
        children = self.child_folders(root.id) if root else []
        return {"folder": self.encode_folder(children[0])} if children else {}


@fault("xinventory", "XINV-GETFOLDERFORTYPE-ROOT")
class RootTypeIsNotLookedUp(XInventoryService):
    """GETFOLDERFORTYPE for the root's type searches the root's children (and finds
    nothing)."""

    def get_folder_for_type(self, params: Params) -> Reply:
        root = self.root_folder(params.try_uuid("PRINCIPAL"))
        if root is not None and params.try_integer("TYPE") == root.type:
            return {}
        return super().get_folder_for_type(params)


@fault("xinventory", "XINV-GETFOLDERFORTYPE-NONE")
class FolderForMissingTypeIsRoot(XInventoryService):
    """GETFOLDERFORTYPE falls back to the root when no folder has the type (and to a
    made-up root for an unknown principal)."""

    def get_folder_for_type(self, params: Params) -> Reply:
        reply = super().get_folder_for_type(params)
        if reply:
            return reply
        root = self.root_folder(params.try_uuid("PRINCIPAL"))
        return {"folder": self.encode_folder(root or Folder(
            id=str(uuid.uuid4()), parent_id=ZERO_UUID, owner=ZERO_UUID, name="My Inventory",
            type=self.root_type))}


# ---------------------------------------------------------------------- content


@fault("xinventory", "XINV-GETFOLDERCONTENT", "XINV-TREE-CONSISTENT")
class ContentVersionIsZero(XInventoryService):
    """GETFOLDERCONTENT answers VERSION 0 for every folder."""

    def get_folder_content(self, params: Params) -> Reply:
        reply = super().get_folder_content(params)
        assert isinstance(reply, dict)
        return {**reply, "VERSION": "0"}


@fault("xinventory", "XINV-GETFOLDERCONTENT-UNKNOWN")
class UnknownFolderHasVersionOne(XInventoryService):
    """GETFOLDERCONTENT of an unknown folder answers VERSION 1."""

    def folder_content(self, folder_id: str) -> ServerData:
        content = super().folder_content(folder_id)
        if self.store.folder(folder_id) is None:
            content["VERSION"] = "1"
        return content


@fault("xinventory", "XINV-GETMULTIPLEFOLDERSCONTENT")
class MultipleContentWithoutOwner(XInventoryService):
    """GETMULTIPLEFOLDERSCONTENT leaves OWNER out."""

    def get_multiple_folders_content(self, params: Params) -> Reply:
        reply = super().get_multiple_folders_content(params)
        if isinstance(reply, dict):
            for entry in reply.values():
                entry.pop("OWNER", None)
        return reply


@fault("xinventory", "XINV-GETMULTIPLEFOLDERSCONTENT-COUNT")
class CountIgnored(XInventoryService):
    """GETMULTIPLEFOLDERSCONTENT ignores COUNT."""

    def get_multiple_folders_content(self, params: Params) -> Reply:
        params.values["COUNT"] = str(len(params.text("FOLDERS").split(",")))
        return super().get_multiple_folders_content(params)


@fault("xinventory", "XINV-GETFOLDERITEMS")
class FolderItemsIncludeSubfolders(XInventoryService):
    """GETFOLDERITEMS also lists the items of the folder's sub-folders."""

    def get_folder_items(self, params: Params) -> Reply:
        folder_id = params.try_uuid("FOLDER")
        items = list(self.folder_items(folder_id))
        for child in self.child_folders(folder_id):
            items += self.folder_items(child.id)
        return {"ITEMS": self.item_list(items)}


# ---------------------------------------------------------------------- folders


@fault("xinventory", "XINV-ADDFOLDER-ROUNDTRIP")
class NewFoldersStartAtVersionOne(XInventoryService):
    """ADDFOLDER stores Version 1 whatever Version was sent."""

    def add_folder_record(self, folder: Folder) -> bool:
        return super().add_folder_record(replace(folder, version=1))


@fault("xinventory", "XINV-ADDFOLDER-EXISTING")
class AddFolderOverwrites(XInventoryService):
    """ADDFOLDER of an existing ID overwrites the folder and answers True."""

    def add_folder_record(self, folder: Folder) -> bool:
        if self.store.folder(folder.id) is not None:
            self.store_folder(folder)
            return True
        return super().add_folder_record(folder)


@fault("xinventory", "XINV-ADDFOLDER-SYSTEM-TYPE")
class AnyTypedFolderMayBeAdded(XInventoryService):
    """ADDFOLDER accepts a second system folder of a type under the root."""

    def may_add_typed_folder(self, folder: Folder) -> bool:
        return True


@fault("xinventory", "XINV-GETFOLDER-UNKNOWN")
class UnknownFolderIsAnError(XInventoryService):
    """GETFOLDER of an unknown ID answers RESULT False."""

    def get_folder(self, params: Params) -> Reply:
        return super().get_folder(params) or False


@fault("xinventory", "XINV-UPDATEFOLDER-APPLIES")
class EveryFolderIsASystemFolder(XInventoryService):
    """UPDATEFOLDER changes only the Version of any folder."""

    def is_system_update(self, existing: Folder, update: Folder) -> bool:
        return True


@fault("xinventory", "XINV-UPDATEFOLDER-VERSION")
class VersionMayGoDown(XInventoryService):
    """UPDATEFOLDER stores a lower Version."""

    def kept_version(self, existing: Folder, update: Folder) -> int:
        return update.version


@fault("xinventory", "XINV-UPDATEFOLDER-MISSING")
class UpdateOfMissingFolderFails(XInventoryService):
    """UPDATEFOLDER of a missing folder answers False instead of adding it."""

    def update_folder(self, params: Params) -> Reply:
        if self.store.folder(params.uuid("ID")) is None:
            return False
        return super().update_folder(params)


@fault("xinventory", "XINV-UPDATEFOLDER-SYSTEM")
class SystemFoldersMayBeRenamed(XInventoryService):
    """UPDATEFOLDER replaces a system folder entirely (name and parent too)."""

    def is_system_update(self, existing: Folder, update: Folder) -> bool:
        return False


@fault("xinventory", "XINV-MOVEFOLDER")
class MoveFolderDoesNothing(XInventoryService):
    """MOVEFOLDER answers True without moving the folder."""

    def move_folder(self, params: Params) -> Reply:
        return self.store.folder(params.try_uuid("ID")) is not None


@fault("xinventory", "XINV-DELETEFOLDERS-OUTSIDE-TRASH")
class DeleteAnywhere(XInventoryService):
    """DELETEFOLDERS (and PURGEFOLDER) delete outside Trash too."""

    def may_delete_in(self, folder_id: str, *, itself: bool = False) -> bool:
        return True


@fault("xinventory", "XINV-DELETEFOLDERS-IN-TRASH")
class DeleteLeavesTheContent(XInventoryService):
    """DELETEFOLDERS deletes the folder but leaves what was in it."""

    def delete_folder_tree(self, folder_id: str) -> None:
        self.store.delete_folder(folder_id)


@fault("xinventory", "XINV-PURGEFOLDER-OUTSIDE-TRASH")
class PurgeAnywhere(XInventoryService):
    """PURGEFOLDER empties any folder."""

    def purge_folder(self, params: Params) -> Reply:
        self.empty_folder(params.try_uuid("ID"))
        return True


@fault("xinventory", "XINV-PURGEFOLDER-TRASH")
class PurgeDeletesTheFolderToo(XInventoryService):
    """PURGEFOLDER deletes the purged folder itself."""

    def purge_folder(self, params: Params) -> Reply:
        purged = super().purge_folder(params)
        if purged is True:
            self.store.delete_folder(params.try_uuid("ID"))
        return purged


# ---------------------------------------------------------------------- items


@fault("xinventory", "XINV-ADDITEM-ROUNDTRIP")
class SalePriceNotKept(XInventoryService):
    """Items read back with SalePrice 0."""

    def encode_item(self, item: Item) -> ServerData:
        return super().encode_item(replace(item, sale_price=0))


@fault("xinventory", "XINV-ADDITEM-CREATOR")
class CreatorDataDropped(XInventoryService):
    """Items read back without their CreatorData."""

    def encode_item(self, item: Item) -> ServerData:
        return super().encode_item(replace(item, creator_data=""))


@fault("xinventory", "XINV-ADDITEM-REQUIRED")
class MissingItemFieldsDefaulted(XInventoryService):
    """ADDITEM fills in missing fields with defaults instead of refusing."""

    def build_item(self, params: Params) -> Item:
        defaults = wire.Item(id=ZERO_UUID, folder=ZERO_UUID, owner=ZERO_UUID, name="").fields()
        for name, value in defaults.items():
            params.values.setdefault(name, value)
        return super().build_item(params)


@fault("xinventory", "XINV-UPDATEITEM-APPLIES")
class DescriptionNotUpdated(XInventoryService):
    """UPDATEITEM keeps the old Description."""

    def keep_invariants(self, existing: Item, update: Item) -> Item:
        return replace(super().keep_invariants(existing, update),
                       description=existing.description)


@fault("xinventory", "XINV-UPDATEITEM-INVARIANTS")
class UpdateChangesEverything(XInventoryService):
    """UPDATEITEM stores Owner, Folder, the types and the creator as sent."""

    def keep_invariants(self, existing: Item, update: Item) -> Item:
        return update


@fault("xinventory", "XINV-UPDATEITEM-MISSING")
class UpdateOfMissingItemAdds(XInventoryService):
    """UPDATEITEM of a missing item adds it and answers True."""

    def update_item(self, params: Params) -> Reply:
        item = self.build_item(params)
        if self.store.item(item.id) is None:
            self.store_item(item)
            return True
        return super().update_item(params)


@fault("xinventory", "XINV-MOVEITEMS")
class MoveItemsDoesNothing(XInventoryService):
    """MOVEITEMS answers True without moving anything."""

    def move_item(self, item_id: str, destination: str) -> None:
        pass


@fault("xinventory", "XINV-DELETEITEMS")
class OnlyLinksAreDeleted(XInventoryService):
    """DELETEITEMS deletes only links (as with AllowDelete=false)."""

    def may_delete_item(self, item: Item) -> bool:
        return item.asset_type in (24, 25)


@fault("xinventory", "XINV-GETITEM-UNKNOWN")
class UnknownItemIsAnError(XInventoryService):
    """GETITEM of an unknown ID answers RESULT False."""

    def get_item(self, params: Params) -> Reply:
        return super().get_item(params) or False


@fault("xinventory", "XINV-GETMULTIPLEITEMS")
class MissingItemsLeftOut(XInventoryService):
    """GETMULTIPLEITEMS leaves out the slots of missing items."""

    def get_multiple_items(self, params: Params) -> Reply:
        reply = super().get_multiple_items(params)
        assert isinstance(reply, dict)
        found = [slot for slot in reply.values() if not wire.is_null_slot(slot)]
        return {f"item_{index}": slot for index, slot in enumerate(found)}


@fault("xinventory", "XINV-GETACTIVEGESTURES")
class AnyFlaggedItemIsAGesture(XInventoryService):
    """GETACTIVEGESTURES lists every item whose Flags have bit 1 set, gesture or not."""

    def is_active_gesture(self, item: Item) -> bool:
        return bool(item.flags & 1)


@fault("xinventory", "XINV-GETASSETPERMISSIONS")
class PermissionsOfOneItem(XInventoryService):
    """GETASSETPERMISSIONS answers the permissions of the first item only."""

    def asset_permissions(self, principal: str, asset_id: str) -> int:
        items = self.store.items_where("owner = ? AND asset_id = ?", principal, asset_id)
        return items[0].current_permissions if items else 0


# ---------------------------------------------------------------------- versions


@fault("xinventory", "XINV-VERSION-ITEM-STORE", "XINV-TREE-CONSISTENT")
class ItemStoreKeepsVersion(XInventoryService):
    """Adding or updating an item leaves its folder's version as it was."""

    def store_item(self, item: Item) -> None:
        self.store.store_item(item)


@fault("xinventory", "XINV-VERSION-ITEM-DELETE")
class ItemDeleteKeepsVersion(XInventoryService):
    """Deleting an item leaves its folder's version as it was."""

    def remove_item(self, item: Item) -> None:
        self.store.delete_item(item.id)


@fault("xinventory", "XINV-VERSION-ITEM-MOVE")
class ItemMoveBumpsDestinationOnly(XInventoryService):
    """Moving an item raises the destination's version but not the source's."""

    def move_item(self, item_id: str, destination: str) -> None:
        item = self.store.item(item_id)
        if item is not None:
            self.store.store_item(replace(item, folder=destination))
            self.bump_version(destination)


@fault("xinventory", "XINV-VERSION-FOLDER")
class FolderStoreKeepsParentVersion(XInventoryService):
    """Adding a folder leaves its parent's version as it was."""

    def store_folder(self, folder: Folder) -> None:
        self.store.store_folder(folder)


@fault("xinventory", "XINV-TREE-CONSISTENT")
class MovingIntoTrashDeletes(XInventoryService):
    """An item moved into a folder inside Trash is deleted instead of moved."""

    def move_item(self, item_id: str, destination: str) -> None:
        item = self.store.item(item_id)
        if item is not None and self.may_delete_in(destination, itself=True):
            self.remove_item(item)
            self.bump_version(destination)
            return
        super().move_item(item_id, destination)


# ---------------------------------------------------------------------- lenient parsing


@fault("xinventory", "XINV-ERR-MISSING-PARAMETER")
class AddFolderFillsInMissingFields(XInventoryService):
    """ADDFOLDER without Name, Type or Version stores the folder with defaults instead
    of answering False."""

    def build_folder(self, params: Params) -> Folder:
        defaults = {"Name": "", "Type": "-1", "Version": "1"}
        return super().build_folder(Params({**defaults, **params.values}))


@fault("xinventory", "XINV-ERR-BAD-VALUE")
class AddItemTakesUnreadableValuesAsZero(XInventoryService):
    """ADDITEM reads a value it cannot parse as zero or false (TryParse) and stores the
    item instead of answering False."""

    NUMBERS = ("AssetType", "InvType", "NextPermissions", "CurrentPermissions",
               "BasePermissions", "EveryOnePermissions", "GroupPermissions", "SalePrice",
               "SaleType", "Flags", "CreationDate")

    def build_item(self, params: Params) -> Item:
        values = dict(params.values)
        for key in ("AssetID", "GroupID"):
            if wire.canonical_uuid(str(values.get(key, ""))) is None:
                values[key] = ZERO_UUID
        for key in self.NUMBERS:
            if not str(values.get(key, "")).isdigit():
                values[key] = "0"
        if str(values.get("GroupOwned", "")).lower() not in ("true", "false"):
            values["GroupOwned"] = "False"
        return super().build_item(Params(values))


@fault("xinventory", "XINV-ERR-BAD-VALUE")
class NonUuidPrincipalIsTheZeroUuid(XInventoryService):
    """CREATEUSERINVENTORY reads a PRINCIPAL that is not a UUID as the zero UUID and
    creates an inventory for it."""

    def create_user_inventory(self, params: Params) -> Reply:
        values = {**params.values, "PRINCIPAL": params.try_uuid("PRINCIPAL")}
        return super().create_user_inventory(Params(values))


@fault("xinventory", "XINV-GETINVENTORYSKELETON")
class SkeletonCreatesAMissingInventory(XInventoryService):
    """GETINVENTORYSKELETON of a principal without inventory creates one on demand and
    lists it."""

    def get_inventory_skeleton(self, params: Params) -> Reply:
        self.create_user_inventory(params)
        return super().get_inventory_skeleton(params)
