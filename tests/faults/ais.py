"""Faults of the reference AIS3 service: each breaks one rule, and the suite must fail
the requirement(s) named."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from starlette.responses import Response

from conformance.reference.ais import (
    AisError,
    AisService,
    Answer,
    Call,
    ExistingCategory,
    Handler,
    is_link,
)
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item
from tests.faults import fault

# ---------------------------------------------------------------------- Category GET


@fault("ais", "AIS-CATEGORY-GET")
class CategoryWithoutBaseUri(AisService):
    """GET /category/{id} leaves _base_uri out of the categoryResponse."""

    def get_category(self, call: Call, name: str) -> Answer:
        answer = super().get_category(call, name)
        answer.document.pop("_base_uri", None)
        return answer


@fault("ais", "AIS-CATEGORY-GET-404")
class UnknownCategoryIsAnEmptyMap(AisService):
    """GET of an unknown category answers 200 with an empty map."""

    def get_category(self, call: Call, name: str) -> Answer:
        try:
            return super().get_category(call, name)
        except AisError:
            return Answer(200, {})


@fault("ais", "AIS-CATEGORY-SPECIAL")
class TrashIsTheRoot(AisService):
    """/category/trash resolves to the root."""

    def resolve(self, call: Call, name: str) -> str | None:
        return super().resolve(call, "root" if name == "trash" else name)


@fault("ais", "AIS-CATEGORY-SPECIAL")
class OnlyRootIsSpecial(AisService):
    """/category/trash (and every special name but root) answers 404, though the agent
    has the folder."""

    def resolve(self, call: Call, name: str) -> str | None:
        if name in wire.SPECIAL_CATEGORIES and name != "root":
            return None
        return super().resolve(call, name)


# ---------------------------------------------------------------------- Category POST


@fault("ais", "AIS-CATEGORY-POST")
class PostIgnoresTheName(AisService):
    """POST creates every category as "New Folder", whatever name was sent."""

    def create_category(self, call: Call, parent_id: str, entry: dict[str, Any],
                        touched: dict[str, int]) -> str:
        return super().create_category(call, parent_id, {**entry, "name": "New Folder"},
                                       touched)


@fault("ais", "AIS-CATEGORY-POST-LOCATION")
class PostLocationIsTheParent(AisService):
    """The Location of a POST names the parent category, not its children."""

    def post_category(self, call: Call, name: str) -> Answer:
        answer = super().post_category(call, name)
        answer.headers["Location"] = answer.headers["Location"].removesuffix("/children")
        return answer


@fault("ais", "AIS-CATEGORY-POST-ITEMS")
class PostedItemsAreUnnamed(AisService):
    """POST creates every item as "New Note", whatever name was sent."""

    def create_item(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        return super().create_item(call, parent_id, {**entry, "name": "New Note"}, touched)


@fault("ais", "AIS-CATEGORY-POST-LINKS")
class LinksPointNowhere(AisService):
    """POST stores links with a zero linked_id."""

    def create_link(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        return super().create_link(call, parent_id, {**entry, "linked_id": ZERO_UUID}, touched)


@fault("ais", "AIS-CATEGORY-POST-404")
class PostToUnknownCategoryIs201(AisService):
    """POST to a category that does not exist answers 201 with nothing created."""

    def post_category(self, call: Call, name: str) -> Answer:
        try:
            return super().post_category(call, name)
        except AisError as error:
            if error.status != 404:
                raise
            return Answer(201, {"_created_categories": [], "_created_items": []})


@fault("ais", "AIS-CATEGORY-POST-400")
class PostReadsAnyBodyAsEmpty(AisService):
    """POST reads a body that is not newEmbeddedChildren as an empty one (201)."""

    def entries(self, body: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = body.get(key, []) if isinstance(body, dict) else []
        return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []

    def read_body(self, call: Call) -> Any:
        body = super().read_body(call)
        return body if isinstance(body, dict) or call.method != "POST" else {}


# ---------------------------------------------------------------------- tid


@fault("ais", "AIS-TID-409")
class TransactionsAreForgotten(AisService):
    """The transaction id is never remembered: a replay is carried out again."""

    def seen_transaction(self, owner: str, tid: str) -> bool:
        return False


# ---------------------------------------------------------------------- Category PUT


@fault("ais", "AIS-CATEGORY-PUT")
class PutWithoutLocation(AisService):
    """PUT creates the special category but answers without a Location."""

    def put_category(self, call: Call, name: str) -> Answer:
        answer = super().put_category(call, name)
        answer.headers.pop("Location", None)
        return answer


@fault("ais", "AIS-CATEGORY-PUT-409")
class PutOfExistingIs200(AisService):
    """PUT of an existing special category answers 200 instead of 409."""

    def put_category(self, call: Call, name: str) -> Answer:
        try:
            return super().put_category(call, name)
        except ExistingCategory as existing:
            return Answer(200, existing.document)


@fault("ais", "AIS-CATEGORY-PUT-409")
class PutOfExistingAddsAnother(AisService):
    """PUT of an existing special category answers 409 with it, but adds a second
    category of its type under the root."""

    def put_category(self, call: Call, name: str) -> Answer:
        try:
            return super().put_category(call, name)
        except ExistingCategory as existing:
            root = self.root_id(call.owner)
            folder_type = wire.SPECIAL_CATEGORIES.get(name)
            if root is not None and folder_type is not None:
                self.store.store_folder(Folder(id=str(uuid.uuid4()), parent_id=root,
                                               owner=call.owner, name=name, type=folder_type,
                                               version=1))
            return Answer(409, existing.document)  # answered, not raised: the write stays


# ---------------------------------------------------------------------- Category PATCH


@fault("ais", "AIS-CATEGORY-PATCH")
class PatchIgnoresTheName(AisService):
    """PATCH of a category answers 200 and changes nothing."""

    def patch_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        document = self.category_document(call, folder)
        document["_updated_categories"] = []
        document["_updated_category_versions"] = {}
        return Answer(200, document)


@fault("ais", "AIS-CATEGORY-PATCH-404")
class PatchOfUnknownCategoryIs200(AisService):
    """PATCH of a category that does not exist answers 200."""

    def patch_category(self, call: Call, name: str) -> Answer:
        try:
            return super().patch_category(call, name)
        except AisError as error:
            if error.status != 404:
                raise
            return Answer(200, {})


@fault("ais", "AIS-CATEGORY-PATCH-400")
class PatchStoresAnyNameAsText(AisService):
    """PATCH stores a name that is not a string as its text."""

    def read_body(self, call: Call) -> Any:
        body = super().read_body(call)
        if isinstance(body, dict) and "name" in body:
            body["name"] = str(body["name"])
        return body


# ---------------------------------------------------------------------- Category COPY


@fault("ais", "AIS-CATEGORY-COPY")
class CopyLeavesSubfoldersBehind(AisService):
    """COPY copies the category and its items but no subcategories."""

    def copies_subfolders(self, call: Call) -> bool:
        return False


@fault("ais", "AIS-CATEGORY-COPY-404", "AIS-ITEM-COPY", "AIS-CATEGORY-MOVE")
class UnknownDestinationIsTheRoot(AisService):
    """COPY or MOVE to a Destination that does not exist goes to the root."""

    def destination(self, call: Call) -> Folder:
        try:
            return super().destination(call)
        except AisError:
            return self.category(replace(call, owner=call.agent), "root")


@fault("ais", "AIS-CATEGORY-COPY-410")
class DeletedCategoriesAreUnknown(AisService):
    """A deleted category is not remembered: COPY of it answers 404, not 410."""

    def was_removed(self, object_id: str) -> bool:
        return False


# ---------------------------------------------------------------------- Category DELETE


@fault("ais", "AIS-CATEGORY-DELETE")
class DeleteOrphansTheContents(AisService):
    """DELETE of a category removes the category alone; what it held stays."""

    def remove_tree(self, folder: Folder, removed: dict[str, Any],
                    touched: dict[str, int]) -> None:
        self.store.delete_folder(folder.id)
        self.mark_removed(folder.id, "category", folder.owner)
        removed["_categories_removed"].append(uuid.UUID(folder.id))
        self.bump(folder.parent_id, touched)


@fault("ais", "AIS-CATEGORY-DELETE-410", "AIS-PARTS-DELETE-410")
class GoneCategoryIs404(AisService):
    """DELETE of a category that is gone answers 404 instead of 410."""

    def gone_category(self, call: Call, name: str) -> Folder:
        return self.category(call, name)

    def was_removed(self, object_id: str) -> bool:
        return False


@fault("ais", "AIS-CATEGORY-MOVE")
class MoveMovesNothing(AisService):
    """MOVE of a category answers 200 and leaves the category where it was."""

    def move_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        self.destination(call)
        document = self.category_document(call, folder)
        document["_updated_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = {}
        return Answer(200, document)


# ---------------------------------------------------------------------- parts


@fault("ais", "AIS-CHILDREN-GET")
class ChildrenWithoutLinks(AisService):
    """GET /children leaves the links out of _embedded."""

    def get_children(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, self.children_levels(call),
                                                  ("categories", "items")))


@fault("ais", "AIS-CHILDREN-DELETE")
class DeleteChildrenDeletesTheCategory(AisService):
    """DELETE /children deletes the category itself too."""

    def delete_category(self, call: Call, name: str) -> Answer:
        if self.part_of(call) == "children":
            call = replace(call, path_part="")
        return super().delete_category(call, name)


@fault("ais", "AIS-LINKS-GET")
class LinksShowsItems(AisService):
    """GET /links embeds the items instead of the links."""

    def get_links(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("items",)))


@fault("ais", "AIS-LINKS-PUT")
class PutLinksAppends(AisService):
    """PUT /links adds the new links and keeps the old ones."""

    def remove_item(self, item: Item, removed: dict[str, Any], touched: dict[str, int],
                    key: str = "_category_items_removed") -> None:
        if self._putting_links:
            return
        super().remove_item(item, removed, touched, key)

    _putting_links = False

    def put_links(self, call: Call, name: str) -> Answer:
        self._putting_links = True
        try:
            return super().put_links(call, name)
        finally:
            self._putting_links = False


@fault("ais", "AIS-LINKS-PUT-400")
class PutLinksReadsAnythingAsNoLinks(AisService):
    """PUT /links with a body that is not an array removes every link (201)."""

    def read_body(self, call: Call) -> Any:
        body = super().read_body(call)
        return body if isinstance(body, list | dict) else []


@fault("ais", "AIS-LINKS-DELETE")
class DeleteLinksDeletesItems(AisService):
    """DELETE /links removes the items as well."""

    def delete_category(self, call: Call, name: str) -> Answer:
        if self.part_of(call) == "links":
            call = replace(call, path_part="items")
        return super().delete_category(call, name)


@fault("ais", "AIS-ITEMS-GET")
class ItemsWithoutLinks(AisService):
    """GET /items leaves the links out."""

    def get_items(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("items",)))


@fault("ais", "AIS-ITEMS-DELETE")
class DeleteItemsKeepsLinks(AisService):
    """DELETE /items removes the items and keeps the links."""

    def delete_category(self, call: Call, name: str) -> Answer:
        if self.part_of(call) != "items":
            return super().delete_category(call, name)
        folder = self.gone_category(call, name)
        removed, touched = self.removal(), dict[str, int]()
        for item in self.store.items_where("folder = ?", folder.id):
            if not is_link(item):
                self.store.delete_item(item.id)
                removed["_category_items_removed"].append(uuid.UUID(item.id))
        return self.removal_answer(removed, touched)


@fault("ais", "AIS-CATEGORIES-GET")
class CategoriesShowsItems(AisService):
    """GET /categories embeds the items too."""

    def get_categories(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, self.children_levels(call),
                                                  ("categories", "items")))


@fault("ais", "AIS-CATEGORIES-DELETE")
class DeleteCategoriesEmptiesTheCategory(AisService):
    """DELETE /categories removes the items and links as well."""

    def delete_category(self, call: Call, name: str) -> Answer:
        if self.part_of(call) == "categories":
            call = replace(call, path_part="children")
        return super().delete_category(call, name)


@fault("ais", "AIS-NONE-STATUS")
class CopyOfChildrenIs200(AisService):
    """COPY /children (NONE on the wiki) is implemented, answering 200 instead of 201."""

    def part_methods(self, part: str) -> tuple[str, ...]:
        return (*super().part_methods(part), "COPY")

    def handler(self, resource: str, method: str) -> Handler:
        if method == "COPY" and resource != "category" and resource != "item":
            return lambda call, name: Answer(200, self.category_document(
                call, self.category(call, name)))
        return super().handler(resource, method)


# ---------------------------------------------------------------------- Item


@fault("ais", "AIS-NONE-410")
class GoneSourcesAre400(AisService):
    """COPY and MOVE of a deleted source (a category's part, a category, an item)
    answer 400 instead of 410."""

    def dispatch(self, call: Call, params: dict[str, str]) -> Answer:
        try:
            return super().dispatch(call, params)
        except AisError as error:
            if error.status == 410 and call.method in ("COPY", "MOVE"):
                raise AisError(400, "invalid request", **error.context) from error
            raise


@fault("ais", "AIS-NONE-412")
class NoneMethodsIgnoreIfMatch(AisService):
    """PUT, COPY and MOVE of a category's parts ignore If-Match."""

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        if resource in ("children", "links", "items", "categories") and \
                call.method in ("PUT", "COPY", "MOVE"):
            return
        super().check_preconditions(call, resource, target)


@fault("ais", "AIS-NONE-403")
class PartCopyIgnoresPermissions(AisService):
    """COPY of a category's children or items copies items without copy permission."""

    def check_part_copyable(self, categories: list[Folder], items: list[Item]) -> None:
        return None


@fault("ais", "AIS-NONE-STATUS", "AIS-ITEM-COPY")
class CopiesWithoutLocation(AisService):
    """The 201 of COPY of a part or of an item carries no Location."""

    def copy_part(self, call: Call, name: str) -> Answer:
        answer = super().copy_part(call, name)
        answer.headers.pop("Location", None)
        return answer

    def copy_item(self, call: Call, item_id: str) -> Answer:
        answer = super().copy_item(call, item_id)
        answer.headers.pop("Location", None)
        return answer


@fault("ais", "AIS-ITEM-GET")
class ItemWithoutLinks(AisService):
    """GET /item/{id} leaves _links out of the item and the link."""

    def get_item(self, call: Call, item_id: str) -> Answer:
        answer = super().get_item(call, item_id)
        answer.document.pop("_links", None)
        return answer


@fault("ais", "AIS-ITEM-GET-404")
class UnknownItemIsAnEmptyMap(AisService):
    """GET of an unknown item answers 200 with an empty map."""

    def get_item(self, call: Call, item_id: str) -> Answer:
        try:
            return super().get_item(call, item_id)
        except AisError:
            return Answer(200, {})


@fault("ais", "AIS-ITEM-PATCH")
class ItemPatchIgnoresTheDescription(AisService):
    """PATCH of an item changes the name and ignores desc."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        return super().apply_item_patch(call, item, {k: v for k, v in body.items()
                                                     if k != "desc"})


@fault("ais", "AIS-ITEM-PATCH-FIELDS")
class ItemPatchIgnoresSaleInfo(AisService):
    """PATCH of an item leaves sale_info as it was."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        return super().apply_item_patch(call, item, {k: v for k, v in body.items()
                                                     if k != "sale_info"})


@fault("ais", "AIS-ITEM-PATCH-FIELDS")
class ItemPatchIgnoresPermissionsAndAsset(AisService):
    """PATCH of an item leaves the permission masks, the flags and asset_id as they
    were."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        kept = {"permissions", "asset_id", "flags"}
        return super().apply_item_patch(call, item, {k: v for k, v in body.items()
                                                     if is_link(item) or k not in kept})


@fault("ais", "AIS-LINK-PATCH")
class LinkPatchKeepsTheTarget(AisService):
    """PATCH of a link changes its name and description but not linked_id."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        return super().apply_item_patch(call, item, {k: v for k, v in body.items()
                                                     if k != "linked_id"})


@fault("ais", "AIS-ITEM-GET")
class LinksWithoutBrokenFlag(AisService):
    """A linkResponse leaves out _broken."""

    def link_document(self, call: Call, link: Item) -> dict[str, Any]:
        document = super().link_document(call, link)
        document.pop("_broken", None)
        return document


@fault("ais", "AIS-ITEM-GET")
class FolderLinksEmbedNothing(AisService):
    """A link to a category embeds no target and names none in _links."""

    def link_document(self, call: Call, link: Item) -> dict[str, Any]:
        document = super().link_document(call, link)
        if link.asset_type == wire.LINK_FOLDER_TYPE:
            document.pop("_embedded", None)
            document["_links"].pop("category", None)
        return document


@fault("ais", "AIS-CATEGORY-GET")
class CategoryLinksWithoutChildren(AisService):
    """A category's _links lacks children (the table does not mark it optional)."""

    def category_links(self, folder: Folder) -> dict[str, Any]:
        links = super().category_links(folder)
        links.pop("children", None)
        return links


@fault("ais", "AIS-ITEM-DELETE")
class UpdateResultWithoutCode(AisService):
    """The itemDeleteResponse carries an _update_result without code and message."""

    def delete_item(self, call: Call, item_id: str) -> Answer:
        answer = super().delete_item(call, item_id)
        answer.document["_update_result"] = {"success": True}
        return answer


@fault("ais", "AIS-NONE-STATUS")
class PartMoveWithoutUpdatedCategories(AisService):
    """MOVE of a category's children or categories answers without
    _updated_categories."""

    def move_part(self, call: Call, name: str) -> Answer:
        answer = super().move_part(call, name)
        answer.document.pop("_updated_categories", None)
        return answer


@fault("ais", "AIS-ITEM-PATCH-404")
class PatchOfUnknownItemIs200(AisService):
    """PATCH of an item that does not exist answers 200."""

    def patch_item(self, call: Call, item_id: str) -> Answer:
        try:
            return super().patch_item(call, item_id)
        except AisError as error:
            if error.status != 404:
                raise
            return Answer(200, {})


@fault("ais", "AIS-ITEM-PATCH-400")
class ItemPatchStoresAnyNameAsText(AisService):
    """PATCH of an item stores a name that is not a string as its text."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        if "name" in body:
            body = {**body, "name": str(body["name"])}
        return super().apply_item_patch(call, item, body)


@fault("ais", "AIS-ITEM-COPY")
class ItemCopyLandsBesideTheOriginal(AisService):
    """COPY of an item puts the copy in the original's folder, not the Destination."""

    def copy_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        self.destination(call)
        touched: dict[str, int] = {}
        copy_id = self.copy_one(call, item, item.folder, touched)
        document = self.object_document(call, self.store.item(copy_id) or item)
        document["_created_items"] = [uuid.UUID(copy_id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document)


@fault("ais", "AIS-ITEM-MOVE")
class ItemMoveMovesNothing(AisService):
    """MOVE of an item answers 200 and leaves it where it was."""

    def move_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        self.destination(call)
        document = self.object_document(call, item)
        document["_updated_items"] = [uuid.UUID(item.id)]
        document["_updated_category_versions"] = {}
        return Answer(200, document)


@fault("ais", "AIS-ITEM-DELETE")
class ItemDeleteKeepsTheItem(AisService):
    """DELETE of an item answers 200 and removes nothing."""

    def delete_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        removed = self.removal()
        removed["_category_items_removed"].append(uuid.UUID(item.id))
        return self.removal_answer(removed, {})


@fault("ais", "AIS-ITEM-DELETE-410")
class GoneItemIs404(AisService):
    """DELETE of an item that is gone answers 404 instead of 410."""

    def delete_item(self, call: Call, item_id: str) -> Answer:
        try:
            return super().delete_item(call, item_id)
        except AisError as error:
            if error.status != 410:
                raise
            raise AisError(404, "item not found", **error.context) from error


@fault("ais", "AIS-ITEM-DELETE-410")
class NeverExistingItemDeleteIs404(AisService):
    """DELETE of an item id that never existed answers 404 (a deleted one still 410)."""

    def delete_item(self, call: Call, item_id: str) -> Answer:
        uid = canonical_uuid(item_id)
        if uid and self.store.item(uid) is None and not self.was_removed(uid):
            raise AisError(404, "item not found", item_id=uid)
        return super().delete_item(call, item_id)


@fault("ais", "AIS-ITEM-DELETE-410", "AIS-NONE-410")
class GoneItemNamesTheZeroId(AisService):
    """errorItemGone names the zero UUID, not the item."""

    def error_answer(self, error: AisError) -> Answer:
        if error.status == 410 and "item_id" in error.context:
            error.context["item_id"] = ZERO_UUID
        return super().error_answer(error)


@fault("ais", "AIS-CATEGORY-SPECIAL")
class PartsTakeUuidsOnly(AisService):
    """/category/{special}/children (and the other parts) answer 404: only the category
    itself resolves special names."""

    def resolve(self, call: Call, name: str) -> str | None:
        if call.path_part and canonical_uuid(name) is None:
            return None
        return super().resolve(call, name)


@fault("ais", "AIS-CATEGORY-SPECIAL")
class DestinationTakesUuidsOnly(AisService):
    """A special name as the Destination of COPY answers 404."""

    def destination(self, call: Call) -> Folder:
        name = call.headers.get("destination", "").strip().rstrip("/").rsplit("/", 1)[-1]
        if name in wire.SPECIAL_CATEGORIES:
            raise AisError(404, "destination category not found")
        return super().destination(call)


# ---------------------------------------------------------------------- ETags


@fault("ais", "AIS-ETAG-GET")
class NoETag(AisService):
    """GET answers without an ETag header."""

    def conditional_get(self, call: Call, resource: str, target: str,
                        handler: Handler) -> Answer:
        answer = super().conditional_get(call, resource, target, handler)
        if answer.status == 200:
            answer.headers.pop("ETag", None)
        return answer


@fault("ais", "AIS-ETAG-304")
class IfNoneMatchIgnored(AisService):
    """If-None-Match is ignored: the current tag answers 200 with the body."""

    def none_match(self, call: Call, tag: str | None) -> bool:
        return False


@fault("ais", "AIS-ETAG-IF-MATCH-GET")
class IfMatchIgnoredOnGet(AisService):
    """GET ignores If-Match: a stale tag answers 200."""

    def conditional_get(self, call: Call, resource: str, target: str,
                        handler: Handler) -> Answer:
        headers = {k: v for k, v in call.headers.items() if k != "if-match"}
        return super().conditional_get(replace(call, headers=headers), resource, target,
                                       handler)


@fault("ais", "AIS-ETAG-IF-MATCH-WRITE")
class IfMatchIgnoredOnWrites(AisService):
    """Writes ignore If-Match: a stale tag lets the write through (a 200 where 412 is
    due)."""

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        return None


@fault("ais", "AIS-ETAG-IF-MATCH-WRITE")
class IfMatchRefusesEveryWrite(AisService):
    """A write with any If-Match is refused with 412, the current tag included."""

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        if call.headers.get("if-match"):
            raise AisError(412, "precondition failed", etags=[], condition="If-Match")
        super().check_preconditions(call, resource, target)


@fault("ais", "AIS-ETAG-IF-MATCH-GET")
class IfMatchIgnoredOnParts(AisService):
    """GET of /children, /items and /categories ignores If-Match (the category itself
    heeds it)."""

    def conditional_get(self, call: Call, resource: str, target: str,
                        handler: Handler) -> Answer:
        if resource != "category":
            call = replace(call, headers={k: v for k, v in call.headers.items()
                                          if k != "if-match"})
        return super().conditional_get(call, resource, target, handler)


@fault("ais", "AIS-ETAG-IF-MATCH-GET")
class IfMatchReadsTheFirstTagOnly(AisService):
    """If-Match with several tags is compared by its first tag only."""

    def check_if_match(self, call: Call, tag: str | None) -> None:
        tags = wire.etag_list(call.headers.get("if-match"))[:1]
        if tags and "*" not in tags and tag not in tags:
            raise AisError(412, "precondition failed", etags=tags, etag=tag or "",
                           condition="If-Match")


@fault("ais", "AIS-ETAG-IF-MATCH-GET")
class PreconditionTagsAsText(AisService):
    """errorPreconditionFailed.etags is one string of the tags, not an array."""

    def error_answer(self, error: AisError) -> Answer:
        if isinstance(error.context.get("etags"), list):
            error.context["etags"] = ", ".join(error.context["etags"])
        return super().error_answer(error)


@fault("ais", "AIS-ETAG-IF-NONE-MATCH-GET")
class AnyIfNoneMatchIs304(AisService):
    """Any If-None-Match answers 304, whatever tags it holds."""

    def none_match(self, call: Call, tag: str | None) -> bool:
        return bool(wire.etag_list(call.headers.get("if-none-match")))


@fault("ais", "AIS-ETAG-IF-NONE-MATCH-WRITE")
class WritesIgnoreIfNoneMatch(AisService):
    """Writes heed If-Match only: a matching If-None-Match lets the write through."""

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        if call.headers.get("if-match"):
            self.check_if_match(call, self.current_tag(call, resource, target))


@fault("ais", "AIS-ETAG-WRITE-HEADER")
class NoETagOnWriteAnswers(AisService):
    """The 200 of PATCH and the 201 of COPY carry no ETag."""

    def tag_written(self, call: Call, resource: str, target: str, answer: Answer) -> None:
        return None


@fault("ais", "AIS-ETAG-WRITE-HEADER")
class WritesAnswerTheOldTag(AisService):
    """The ETag of a write's answer is the tag the resource had before the write."""

    def write(self, call: Call, resource: str, target: str, handler: Handler) -> Answer:
        old = self.current_tag(call, resource, target)
        answer = super().write(call, resource, target, handler)
        if "ETag" in answer.headers and old is not None:
            answer.headers["ETag"] = old
        return answer


@fault("ais", "AIS-ETAG-WRITE-HEADER")
class RefusedWritesWithoutETag(AisService):
    """The 412 of a write carries no ETag."""

    def check_preconditions(self, call: Call, resource: str, target: str) -> None:
        try:
            super().check_preconditions(call, resource, target)
        except AisError as error:
            error.context["etag"] = ""
            raise


@fault("ais", "AIS-ETAG-CHANGES")
class ETagNeverChanges(AisService):
    """Every representation has the same ETag."""

    def etag(self, document: Any) -> str:
        return '"1"'


# ---------------------------------------------------------------------- depth


@fault("ais", "AIS-DEPTH-PATTERN")
class StarIsRefused(AisService):
    """depth=* and an empty depth answer 400."""

    def valid_depth(self, depth: str) -> bool:
        return depth.isdigit()


@fault("ais", "AIS-DEPTH-PATTERN")
class InvalidDepthIsIgnored(AisService):
    """A depth that breaks the pattern is ignored (200) instead of refused."""

    def read_parameters(self, call: Call) -> None:
        if not wire.DEPTH_PATTERN.match(call.query.get("depth", "")):
            call.query.pop("depth")
        super().read_parameters(call)


@fault("ais", "AIS-DEPTH-TREE")
class ChildrenOneLevelShort(AisService):
    """/children?depth=N embeds N levels, one short of the direct children and N more."""

    def children_levels(self, call: Call) -> int | None:
        return call.depth


# ---------------------------------------------------------------------- simulate


@fault("ais", "AIS-DEPTH-CATEGORIES")
class CategoriesIgnoreDepth(AisService):
    """/categories embeds one level whatever the depth."""

    def get_categories(self, call: Call, name: str) -> Answer:
        call.depth = 0
        return super().get_categories(call, name)


@fault("ais", "AIS-SIMULATE")
class SimulateWrites(AisService):
    """simulate=1 writes the change anyway."""

    def discard(self, call: Call) -> None:
        self.db.execute("RELEASE ais_write")


# ---------------------------------------------------------------------- bookkeeping


@fault("ais", "AIS-SIMULATE")
class AnySimulateSimulates(AisService):
    """Any simulate parameter, simulate=0, false or empty too, skips the write."""

    def simulates(self, value: str) -> bool:
        return True


@fault("ais", "AIS-EMBEDDED-MAPS")
class EmbeddedArrays(AisService):
    """_embedded collections are arrays of objects, not maps keyed by UUID."""

    def keyed(self, pairs: Any) -> Any:
        return [value for _, value in pairs]


@fault("ais", "AIS-CREATED-IDS")
class CreatedLinksUnlisted(AisService):
    """POST leaves the links it created out of _created_items."""

    def post_category(self, call: Call, name: str) -> Answer:
        answer = super().post_category(call, name)
        links = set(wire.embedded(wire.plain(answer.document), "links"))
        answer.document["_created_items"] = [i for i in answer.document["_created_items"]
                                             if str(i) not in links]
        return answer


@fault("ais", "AIS-UPDATED-VERSIONS")
class VersionsAsAnArray(AisService):
    """_updated_category_versions is an array of ids, not a map id -> version."""

    def versions(self, touched: dict[str, int]) -> Any:
        return [uuid.UUID(folder_id) for folder_id in super().versions(touched)]


@fault("ais", "AIS-UPDATED-VERSIONS")
class VersionsListDeletedFolders(AisService):
    """_updated_category_versions also lists folders the request deleted."""

    def versions(self, touched: dict[str, int]) -> dict[str, int]:
        return dict(touched)


@fault("ais", "AIS-REMOVED-IDS")
class RemovalCountIsZero(AisService):
    """_total_items_removed is always 0."""

    def removal_answer(self, removed: dict[str, Any], touched: dict[str, int]) -> Answer:
        removed["_total_items_removed"] = 0
        return super().removal_answer(removed, touched)


@fault("ais", "AIS-REMOVED-IDS")
class BrokenLinksListedButKept(AisService):
    """Links to a deleted item are listed in _broken_links_removed but stay."""

    def remove_item(self, item: Item, removed: dict[str, Any], touched: dict[str, int],
                    key: str = "_category_items_removed") -> None:
        if key == "_broken_links_removed":
            removed[key].append(uuid.UUID(item.id))
            return
        super().remove_item(item, removed, touched, key)


# ---------------------------------------------------------------------- interop


@fault("ais", "AIS-PATCH-VIEWER-FORMS")
class CategoryPatchRefusesUnknownKeys(AisService):
    """PATCH of a category refuses keys beyond modifyCategory's name (the viewer's
    item_id, parent_id, type) with 400."""

    def patch_category(self, call: Call, name: str) -> Answer:
        body = self.read_body(call)
        if isinstance(body, dict) and set(body) - {"name"}:
            raise AisError(400, "unknown keys", category_id=self.category(call, name).id)
        return super().patch_category(call, name)


@fault("ais", "AIS-PATCH-VIEWER-FORMS")
class ItemPatchRefusesWordTypes(AisService):
    """PATCH of an item refuses type and inv_type written as words, and binary flags."""

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        if any(isinstance(body.get(k), str | bytes) for k in ("type", "inv_type", "flags")):
            raise AisError(400, "type, inv_type and flags must be integers", item_id=item.id)
        return super().apply_item_patch(call, item, body)


@fault("ais", "AIS-CONTENT-TYPE-CHARSET")
class ContentTypeComparedWhole(AisService):
    """A Content-Type with a charset parameter is refused with 415."""

    def check_media_type(self, call: Call) -> None:
        if call.body.strip() and call.headers.get("content-type") not in self.media_types():
            raise AisError(415, "unsupported media type")


@fault("ais", "AIS-LIBRARY-GET")
class LibraryChildrenNotEmbedded(AisService):
    """LibraryAPIv3 answers /children with the category alone, nothing embedded."""

    def get_children(self, call: Call, name: str) -> Answer:
        if not call.library:
            return super().get_children(call, name)
        return Answer(200, self.category_document(call, self.category(call, name)))


@fault("ais", "AIS-LIBRARY-COPY")
class LibraryCopyRefused(AisService):
    """COPY on LibraryAPIv3 is refused with 403."""

    def copy_category(self, call: Call, name: str) -> Answer:
        if call.library:
            raise AisError(403, "the library is read-only")
        return super().copy_category(call, name)


@fault("ais", "AIS-SHARED-STORE")
class OwnVersionCounter(AisService):
    """AIS3 reports a category version of its own, one above the shared store's."""

    def category_document(self, call: Call, folder: Folder, levels: int | None = 0,
                          parts: tuple[str, ...] = ("categories", "items", "links")
                          ) -> dict[str, Any]:
        return super().category_document(call, replace(folder, version=folder.version + 1),
                                          levels, parts)


@fault("ais", "AIS-TREE-CONSISTENT")
class CopyKeepsTheDestinationVersion(AisService):
    """COPY adds the copy to the Destination without raising its version."""

    def copy_tree(self, call: Call, source: Folder, parent_id: str, subfolders: bool,
                  touched: dict[str, int], categories: list[str], items: list[str]) -> str:
        return super().copy_tree(call, source, parent_id, subfolders, {}, categories, items)


@fault("ais", "AIS-DEPTH-TREE")
class CategoryDepthStarIsOneLevel(AisService):
    """GET /category/{id}?depth=* embeds only the direct children."""

    def get_category(self, call: Call, name: str) -> Answer:
        return super().get_category(replace(call, depth=1 if call.depth is None
                                            else call.depth), name)


@fault("ais", "AIS-CATEGORY-COPY-403")
class CopyIgnoresPermissions(AisService):
    """COPY copies items their owner may not copy."""

    def check_copyable(self, folder: Folder) -> None:
        return None


@fault("ais", "AIS-MEDIA-415")
class AnyMediaTypeIsRead(AisService):
    """A body of any Content-Type is read as LLSD."""

    def media_types(self) -> tuple[str, ...]:
        return (*super().media_types(), "application/x-opensim-conformance-unknown")


@fault("ais", "AIS-JSON-BODY")
class JsonBodiesRefused(AisService):
    """A JSON body answers 415: only LLSD is read."""

    def media_types(self) -> tuple[str, ...]:
        return tuple(t for t in super().media_types() if t != wire.JSON_TYPE)


@fault("ais", "AIS-ACCEPT")
class JsonLabelledLlsd(AisService):
    """Asked for JSON, the answer is JSON labelled application/llsd+xml."""

    def render_json(self, answer: Answer) -> Response:
        response = super().render_json(answer)
        response.headers["content-type"] = wire.CONTENT_TYPE
        return response


@fault("ais", "AIS-SIMULATE-PATTERN")
class AnySimulateValueIsFalse(AisService):
    """A simulate value outside the pattern is read as false and the write is made."""

    def read_parameters(self, call: Call) -> None:
        if not wire.SIMULATE_PATTERN.match(call.query.get("simulate", "")):
            call.query["simulate"] = "0"
        super().read_parameters(call)


@fault("ais", "AIS-ORPHANS")
class OrphansListEverything(AisService):
    """GET /orphans lists every item of the agent, parent or not."""

    def get_orphans(self, call: Call, _: str) -> Answer:
        answer = super().get_orphans(call, _)
        for item in self.store.items_where("owner = ?", call.owner):
            answer.document["_embedded"]["items"][item.id] = self.object_document(call, item)
        return answer


@fault("ais", "AIS-CATEGORY-PUT-404")
class PutOfUnknownCategoryIs200(AisService):
    """PUT /category/{uuid} of a category that does not exist answers 200."""

    def put_category(self, call: Call, name: str) -> Answer:
        try:
            return super().put_category(call, name)
        except AisError as error:
            if error.status != 404:
                raise
            return Answer(200, {})


@fault("ais", "AIS-LINKS-PUT-404")
class PutLinksOfUnknownCategoryIs201(AisService):
    """PUT /links of a category that does not exist answers 201 with nothing done."""

    def put_links(self, call: Call, name: str) -> Answer:
        try:
            return super().put_links(call, name)
        except AisError as error:
            if error.status != 404:
                raise
            return Answer(201, {"_created_items": []})


@fault("ais", "AIS-VARY-HEADER")
class NoVary(AisService):
    """Answers carry no Vary header."""

    def global_headers(self) -> dict[str, str]:
        return {}


@fault("ais", "AIS-CHILDREN-SUBSET")
class SubsetSplitAtEveryComma(AisService):
    """The query is split at every comma, so children=a,b keeps only a."""

    def parse_query(self, query: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for term in query.replace(",", "&").split("&"):
            key, _, value = term.partition("=")
            result.setdefault(key, value)
        return result


@fault("ais", "AIS-NONE-STATUS")
class MovePartMovesNothing(AisService):
    """MOVE of a category's part answers 200 and moves nothing."""

    def move_part(self, call: Call, name: str) -> Answer:
        source = self.category(call, name)
        self.destination(call)
        document = self.category_document(call, source, 1)
        document["_updated_category_versions"] = {}
        return Answer(200, document)


@fault("ais", "AIS-CATEGORY-POST")
class PostCreatesNothingFromTheViewersShape(AisService):
    """POST answers 201 but creates no category whose entry holds category_id (the
    viewer's create shape: category_id null and parent_id), so _created_categories is
    empty; the minimal entry {name, type_default} still creates."""

    def read_body(self, call: Call) -> Any:
        body = super().read_body(call)
        if call.method == "POST" and isinstance(body, dict) and isinstance(
                body.get("categories"), list):
            body = {**body, "categories": [entry for entry in body["categories"]
                                           if not (isinstance(entry, dict)
                                                   and "category_id" in entry)]}
        return body
