"""Which source file each source's last load read, so that a load of the very same file again
(a refresh of an hour already loaded, `load` run twice) reads nothing.

A file is known by its identity (file_identity.py: path, size, times, inode). The record is
written in the load's own transaction, so it always names what the lakehouse holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from jump.data_platform.lakehouse import open_lakehouse, table_exists
from jump.data_platform.load.history import PLATFORM_SCHEMA

LOADED_FILES_TABLE = f"{PLATFORM_SCHEMA}.loaded_files"
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {LOADED_FILES_TABLE} (
    source VARCHAR PRIMARY KEY,
    file_identity VARCHAR NOT NULL,
    load_id BIGINT NOT NULL
)
"""


def last_loaded_files(lakehouse: Path) -> dict[str, tuple[str, int]]:
    """source -> (the identity of the file its last load read, that load's id)."""
    if not lakehouse.is_file():
        return {}
    try:
        with open_lakehouse(lakehouse, read_only=True) as connection:
            if not table_exists(connection, LOADED_FILES_TABLE):
                return {}
            rows = connection.execute(
                f"SELECT source, file_identity, load_id FROM {LOADED_FILES_TABLE}"
            ).fetchall()
    except duckdb.Error:  # unreadable here: the load itself says why
        return {}
    return {str(source): (str(identity), int(load)) for source, identity, load in rows}


def record_loaded_files(
    connection: duckdb.DuckDBPyConnection, load_id: int, identities: Mapping[str, str]
) -> None:
    """Record the files this load read (inside its transaction)."""
    connection.execute(_CREATE)
    connection.executemany(
        f"INSERT OR REPLACE INTO {LOADED_FILES_TABLE} VALUES (?, ?, ?)",
        [(source, identity, load_id) for source, identity in identities.items()],
    )
