"""The reference server's SQLite database: one file, one connection, every service's tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_database(path: Path | str, schemas: list[str]) -> sqlite3.Connection:
    """Open (creating if needed) the database and every service's tables.

    Handlers run on the server's event loop, one at a time, so one connection in
    autocommit mode is enough; WAL keeps a reader (a second process) from blocking it.
    """
    connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    for schema in schemas:
        connection.executescript(schema)
    return connection
