"""No false alarms: XInventory servers that differ from the reference only in ways real
servers do (docs/interop/xinventory.md) pass the whole xinventory suite."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from conformance.reference.app import ReferenceConfig
from conformance.reference.xinventory import SYSTEM_FOLDERS, XInventoryService
from conformance.wire import xinventory as wire
from conformance.wire.xinventory import ServerData, canonical_uuid
from tests.conftest import SuiteRunner, not_passed

#: The system folders OpenSimulator created before Current Outfit, Favorites, Settings
#: and Materials were added.
CLASSIC = tuple(kind for kind in SYSTEM_FOLDERS if kind[0] not in (46, 23, 56, 57))


class OlderOpenSimulator(XInventoryService):
    """As older OpenSimulator data and versions: the root Type 9 (the wiki's
    RootCategory), items numbered ite_N (as some releases write them), only the
    fourteen classic system folders."""

    root_type = 9
    system_folder_kinds = CLASSIC

    def numbered(self, prefix: str, records: Any) -> ServerData:
        return super().numbered("ite" if prefix == "item" else prefix, records)

    def get_multiple_items(self, params: Any) -> Any:
        reply = super().get_multiple_items(params)
        if isinstance(reply, dict):
            return {key.replace("item_", "ite_"): value for key, value in reply.items()}
        return reply


def decorated(data: ServerData) -> ServerData:
    """Keys in reverse order, upper-case UUIDs, an unknown element in every record."""
    result: ServerData = {}
    if "ID" in data and ("ParentID" in data or "AssetID" in data):
        result["SomethingNew"] = "ignored"
    for key in reversed(list(data)):
        value = data[key]
        if isinstance(value, dict):
            result[key] = decorated(value)
        elif isinstance(value, str) and canonical_uuid(value) == value:
            result[key] = value.upper()
        else:
            result[key] = value
    return result


class ReorderedAndDecorated(XInventoryService):
    """Elements in reverse order, indented, an XML declaration with an encoding, a
    comment, upper-case UUIDs, an extra element in every record, booleans written
    true/false and TRUE/FALSE."""

    declaration = b'<?xml version="1.0" encoding="utf-8"?>'

    def render_data(self, data: ServerData) -> bytes:
        body = wire.encode_response(decorated(data), pretty=True)
        root = etree.fromstring(body)
        root.insert(0, etree.Comment(" a benign variation "))
        return self.declaration + b"\n" + etree.tostring(root, encoding="utf-8")

    def render_result(self, value: bool) -> bytes:
        return wire.encode_result(value, text="TRUE" if value else "FALSE",
                                  declaration=self.declaration)

    def boolean_text(self, value: bool) -> str:
        return "true" if value else "false"


@pytest.mark.parametrize("service", [OlderOpenSimulator, ReorderedAndDecorated],
                         ids=lambda cls: cls.__name__)
def test_allowed_variations_fail_nothing(service: type[XInventoryService],
                                         run_suite: SuiteRunner) -> None:
    results = run_suite(ReferenceConfig(xinventory_service=service), "xinventory")
    assert not not_passed(results), f"false alarms: {not_passed(results)}"
    assert results["exit_code"] == 0
