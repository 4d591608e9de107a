"""The XInventory request form as OpenSimulator's handlers read it: :class:`Params`, the
integer bounds, and the reply a handler gives."""

from __future__ import annotations

import re

from conformance.wire.xinventory import ZERO_UUID, ServerData, canonical_uuid

INT32 = (-(2**31), 2**31 - 1)
UINT32 = (0, 2**32 - 1)
INT16 = (-(2**15), 2**15 - 1)
UINT16 = (0, 2**16 - 1)
BYTE = (0, 255)
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")

#: A handler's answer: True/False (a result-only reply) or a data reply.
Reply = bool | ServerData


class BadRequest(Exception):
    """A parameter is missing or unreadable: the reply is RESULT False."""


class Params:
    """The parsed form, read the ways OpenSimulator's handlers read it.

    A required key that is missing raises ``BadRequest`` (OpenSimulator's handlers throw
    and answer False). ``uuid``/``integer`` are strict (``new UUID``, ``int.Parse``);
    ``try_uuid``/``try_integer`` read an unreadable value as zero (``TryParse``).
    """

    def __init__(self, values: dict[str, str | list[str]]) -> None:
        self.values = values

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            raise BadRequest(f"missing parameter {key}")
        if isinstance(value, list):
            raise BadRequest(f"{key} is a list, expected one value")
        return value

    def many(self, key: str) -> list[str]:
        value = self.values.get(key)
        if not isinstance(value, list):
            raise BadRequest(f"{key}[] is missing (a list is sent as {key}[]=…)")
        return value

    def uuid(self, key: str) -> str:
        value = canonical_uuid(self.text(key))
        if value is None:
            raise BadRequest(f"{key} is not a UUID")
        return value

    def try_uuid(self, key: str) -> str:
        return canonical_uuid(self.text(key)) or ZERO_UUID

    def integer(self, key: str, bounds: tuple[int, int] = INT32) -> int:
        text = self.text(key)
        if not _INTEGER.fullmatch(text) or not bounds[0] <= int(text) <= bounds[1]:
            raise BadRequest(f"{key} is {text!r}, not an integer in {bounds[0]}..{bounds[1]}")
        return int(text)

    def try_integer(self, key: str) -> int:
        try:
            return self.integer(key)
        except BadRequest:
            if key not in self.values:
                raise
            return 0

    def boolean(self, key: str) -> bool:
        value = self.text(key).strip().lower()
        if value not in ("true", "false"):
            raise BadRequest(f"{key} is not True or False")
        return value == "true"
