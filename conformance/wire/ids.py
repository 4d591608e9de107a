"""UUIDs as the protocols write them: any case, surrounding whitespace allowed."""

from __future__ import annotations

import uuid

ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def canonical_uuid(text: str) -> str | None:
    """The UUID in ``text`` in lower-case hyphenated form, or None."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


def same_uuid(left: str, right: str) -> bool:
    """Both are the same UUID, whatever their case or surrounding whitespace."""
    return canonical_uuid(left) == canonical_uuid(right) is not None


def new_id() -> str:
    return str(uuid.uuid4())
