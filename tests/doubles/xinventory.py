"""The XInventory service of each release double (see tests/doubles/__init__.py)."""

from __future__ import annotations

from typing import Any

#: ReferenceConfig keyword arguments of each double's XInventory service.
MASTER: dict[str, Any] = {}
RELEASE_0_9_2: dict[str, Any] = {}
WIKI_LITERAL: dict[str, Any] = {}
