"""Generated sequences of AIS3 writes — create, link, patch, copy, delete — each checked
against a model of the tree the test keeps: the bookkeeping keys of every answer, the
versions of the folders each write touched, and at the end the whole tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given

from conformance.clients.ais import AisClient
from conformance.expect import check, fail
from conformance.ledger import owned_name
from conformance.suites.ais.steps import create_folder, document, ids, key, version
from conformance.suites.model import (
    InventoryTree,
    TreeSequence,
    operation,
    pick,
    sequence_settings,
)
from conformance.wire import ais as wire
from conformance.wire.ids import canonical_uuid


class Writes(TreeSequence):
    """Sequences of AIS3 writes, each answer checked against the model."""

    def __init__(self, ais: AisClient, model: InventoryTree) -> None:
        super().__init__(model)
        self.ais = ais

    def write(self, action: str, touched: set[str], send: Callable[[], dict[str, Any]]
              ) -> dict[str, Any]:
        """Send one write: the folders whose content it changes must each be listed in
        _updated_category_versions with the version GET then gives, and have gone up;
        nothing outside the model's folders is listed."""
        before = {folder: version(self.ais, folder) for folder in touched}
        answer = send()
        listed = key(answer, "_updated_category_versions")
        if not isinstance(listed, dict):
            fail(f"{action}: _updated_category_versions is {listed!r}, expected a map")
        versions = {canonical_uuid(k) or k: v for k, v in listed.items()}
        existing = set(self.model.folders())
        check(touched <= set(versions) <= existing | touched,
              f"{action}: _updated_category_versions lists {sorted(versions)}, expected the "
              f"changed folders {sorted(touched)} (and no folder outside the tree)")
        for folder, old in before.items():
            now = version(self.ais, folder)
            check(now > old and versions.get(folder) == now,
                  f"{action}: folder {folder} went from version {old} to {now}; the answer "
                  f"gave {versions.get(folder)}")
        return answer

    def create_one(self, folder: str, part: str, body: dict[str, Any], one: str,
                   listed_in: str) -> str:
        """POST one category, item or link into the folder: the id the answer lists."""

        def send() -> dict[str, Any]:
            return document(self.ais.create(folder, {part: [body]}, tid=self.ais.new_id()),
                            201)
        created = ids(key(self.write(f"POST {part}", {folder}, send), listed_in), listed_in)
        check(len(created) == 1, f"POST of one {one}: {listed_in} is {created}")
        return created.pop()

    # ------------------------------------------------------------------ operations

    @operation
    def create_folder(self, a: int, b: int) -> None:
        parent = self.model.folder_at(a, by_id=True)
        name = owned_name(f"tree folder {len(self.model.parents)}")
        new = self.create_one(parent, "categories", wire.category_body(name, parent),
                              "category", "_created_categories")
        self.model.parents[new] = parent
        self.model.names[new] = name

    @operation
    def create_item(self, a: int, b: int) -> None:
        folder = self.model.folder_at(a, by_id=True)
        name = owned_name(f"tree item {len(self.model.items)}")
        new = self.create_one(folder, "items", wire.item_body(name), "item", "_created_items")
        self.model.items[new] = folder
        self.model.names[new] = name

    @operation
    def link(self, a: int, b: int) -> None:
        folder = self.model.folder_at(a, by_id=True)
        target = pick(sorted(self.model.items), b)
        if target is None:
            return
        new = self.create_one(folder, "links", wire.link_body(target, owned_name("tree link")),
                              "link", "_created_items")
        self.model.links[new] = (folder, target)

    @operation
    def rename_folder(self, a: int, b: int) -> None:
        folder = pick(sorted(self.model.parents), a)
        if folder is None:
            return
        name = owned_name(f"renamed {a}")
        document(self.ais.patch_category(folder, {"name": name}), 200)
        self.model.names[folder] = name

    @operation
    def rename_item(self, a: int, b: int) -> None:
        item = pick(sorted(self.model.items), a)
        if item is None:
            return
        name = owned_name(f"renamed item {a}")
        self.write("PATCH item", {self.model.items[item]},
                   lambda: document(self.ais.patch_item(item, {"name": name}), 200))
        self.model.names[item] = name

    @operation
    def copy(self, a: int, b: int) -> None:
        source = pick(sorted(self.model.parents), a)
        if source is None:
            return
        destination = pick(sorted(self.model.folders_outside(source)), b)
        if destination is None:
            return
        before = self.model.children(destination)

        def send() -> dict[str, Any]:
            return document(self.ais.copy_category(source, destination,
                                                   tid=self.ais.new_id()), 201)
        answer = self.write("COPY", {destination}, send)
        created_categories = ids(key(answer, "_created_categories"), "_created_categories")
        created_items = ids(key(answer, "_created_items"), "_created_items")
        check(len(created_categories) == len(self.model.subtree(source)),
              f"COPY of {len(self.model.subtree(source))} categories lists "
              f"{len(created_categories)} in _created_categories")
        self.learn_copy(destination, before, created_categories, created_items, source)

    def learn_copy(self, destination: str, before: set[str], categories: set[str],
                   items: set[str], source: str) -> None:
        """Read the copy back (depth=*) into the model, checking it has the source's
        shape and that its ids are those the answer listed."""
        tree = document(self.ais.get_category(destination, "children", depth="*"), 200)
        tops = set(wire.embedded(tree, "categories")) - before
        check(len(tops) == 1, f"COPY: the destination gained {len(tops)} categories")
        top = tops.pop()
        found_categories: set[str] = set()
        found_items: set[str] = set()

        def walk(node: Any, folder: str, parent: str, original: str) -> None:
            found_categories.add(folder)
            self.model.parents[folder] = parent
            self.model.names[folder] = self.model.names.get(original, "")
            for item_id in wire.embedded(node, "items"):
                found_items.add(item_id)
                self.model.items[item_id] = folder
            for link_id, link in wire.embedded(node, "links").items():
                found_items.add(link_id)
                target = canonical_uuid(str(link.get("linked_id"))) or ""
                self.model.links[link_id] = (folder, target)
            shape = self.model.children(original)
            subs = wire.embedded(node, "categories")
            check(len(subs) == len(shape),
                  f"COPY: the copy of {original} holds {len(subs)} categories, the source "
                  f"{len(shape)}")
            originals = sorted(shape, key=lambda f: self.model.names.get(f, ""))
            copies = sorted(subs, key=lambda f: str(subs[f].get("name")))
            for copy_id, original_id in zip(copies, originals, strict=False):
                walk(subs[copy_id], copy_id, folder, original_id)

        walk(wire.embedded(tree, "categories")[top], top, destination, source)
        check(found_categories == categories, f"COPY: _created_categories lists "
                                              f"{sorted(categories)}, the copy holds "
                                              f"{sorted(found_categories)}")
        check(found_items == items, f"COPY: _created_items lists {sorted(items)}, the copy "
                                    f"holds {sorted(found_items)}")

    @operation
    def delete_item(self, a: int, b: int) -> None:
        item = pick(sorted(self.model.items), a)
        if item is None:
            return
        folder = self.model.items[item]
        answer = self.write("DELETE item", {folder},
                            lambda: document(self.ais.delete_item(item), 200))
        self.forget(answer, {item}, set())

    @operation
    def delete_folder(self, a: int, b: int) -> None:
        folder = pick(sorted(self.model.parents), a)
        if folder is None:
            return
        parent = self.model.parents[folder]
        doomed = self.model.subtree(folder)
        answer = self.write("DELETE category", {parent},
                            lambda: document(self.ais.delete_category(folder), 200))
        self.forget(answer, self.model.contents(doomed), doomed)

    def forget(self, answer: dict[str, Any], items: set[str], categories: set[str]) -> None:
        """The removal keys must list exactly the categories and items (and links) the
        model says went, plus links to removed items if the target removed those."""
        listed_categories = ids(answer.get("_categories_removed", []), "_categories_removed")
        listed_items = ids(answer.get("_category_items_removed", []),
                           "_category_items_removed") | ids(answer.get("_removed_items", []),
                                                            "_removed_items")
        broken = ids(answer.get("_broken_links_removed", []), "_broken_links_removed")
        check(listed_categories == categories, f"_categories_removed lists "
                                               f"{sorted(listed_categories)}, expected "
                                               f"{sorted(categories)}")
        dangling = {k for k, (_, target) in self.model.links.items() if target in items}
        check(listed_items <= items and items <= listed_items | broken,
              f"the removed items listed are {sorted(listed_items)} (and broken links "
              f"{sorted(broken)}), expected {sorted(items)}")
        check(broken <= dangling | items, f"_broken_links_removed lists "
                                          f"{sorted(broken - dangling - items)}, which are "
                                          f"no links to removed items")
        self.model.forget(categories, items | broken)

    # ------------------------------------------------------------------ the whole tree

    def check_tree(self) -> None:
        for folder in self.model.folders():
            answer = document(self.ais.get_category(folder, "children"), 200)
            found = {part: set(wire.embedded(answer, part))
                     for part in ("categories", "items", "links")}
            expected = {"categories": self.model.children(folder),
                        "items": self.model.items_in(folder),
                        "links": self.model.links_in(folder)}
            check(found == expected, f"folder {folder} holds {found}, the model says "
                                     f"{expected}")
            for category_id, child in wire.embedded(answer, "categories").items():
                name = self.model.names.get(category_id)
                check(name is None or child.get("name") == name,
                      f"category {category_id} is named {child.get('name')!r}, the model "
                      f"says {name!r}")
        for gone in self.model.removed_items:
            reply = self.ais.get_item(gone)
            check(reply.status in (404, 410), f"item {gone} was removed but GET answers "
                                              f"{reply.status}")
        for gone in self.model.removed_folders:
            reply = self.ais.get_category(gone)
            check(reply.status in (404, 410), f"category {gone} was removed but GET answers "
                                              f"{reply.status}")


@pytest.mark.requirement("AIS-TREE-CONSISTENT")
@pytest.mark.destructive
@sequence_settings(8)
@given(steps=Writes.steps(max_size=8))
@example(steps=[("create_folder", 0, 0), ("create_item", 1, 0), ("create_folder", 1, 0),
                ("copy", 0, 0), ("link", 0, 0), ("delete_item", 0, 0)])
@example(steps=[("create_folder", 0, 0), ("create_item", 1, 0), ("rename_item", 0, 0),
                ("rename_folder", 0, 0), ("link", 1, 0), ("delete_folder", 0, 0)])
def test_any_sequence_of_writes_leaves_the_tree_the_answers_describe(
        ais: AisClient, area: str, steps: list[tuple[str, int, int]]) -> None:
    """After any sequence of POST (categories, items, links), PATCH, COPY and DELETE, each
    answer's bookkeeping keys named exactly what changed, the versions of the changed
    folders went up to what _updated_category_versions said, and every folder holds what
    the model predicts."""
    top = create_folder(ais, area, owned_name("tree"))
    writes = Writes(ais, InventoryTree((top,)))
    writes.run(steps)
    writes.check_tree()
