"""Which versions of the snapshotted rows only the `sources` schema holds, and when a load
would overwrite one of them: then, and only then, a snapshot must run before that load.

The snapshots use dbt's timestamp strategy: a version's `dbt_valid_from` and `dbt_valid_to`
come from the rows' `updated_at`, not from when the snapshot ran. So a snapshot taken several
loads late records exactly what one taken after every load would, as long as no version it has
not seen was overwritten or deleted in between. `backfill` therefore snapshots only before such
a load (and once at the end), not after each of its hundreds of steps (docs/history.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.load.incremental import coming_changes
from jump.data_platform.load.sqlite_reader import SqliteFile, TableInfo
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import all_source_tables
from jump.data_platform.storage.writer import writer_lakehouse
from jump.data_platform.transform.preflight import source_columns

Changes = dict[str, dict[str, frozenset[int]]]  # table -> change -> ids


class UnsnapshottedVersions:
    """The ids of each snapshotted table loaded (inserted or updated) since the last snapshot.

    Unknown (None) until the first snapshot when the lakehouse already held those tables: any
    row may then be a version no snapshot has seen.
    """

    def __init__(self, settings: Settings, tables: Iterable[str]) -> None:
        self._settings = settings
        by_name = {table.lakehouse_name: table for table in all_source_tables()}
        self._tables = {name: by_name[name] for name in tables if name in by_name}
        self._pending: dict[str, set[int]] | None = (
            None if self._any_loaded() else {name: set() for name in self._tables}
        )

    def _any_loaded(self) -> bool:
        lakehouse = writer_lakehouse(self._settings)
        return lakehouse.is_file() and not source_columns(lakehouse).keys().isdisjoint(self._tables)

    def coming(self) -> Changes:
        """What loading the data folder's extracts would change in each snapshotted table."""
        lakehouse: Path = writer_lakehouse(self._settings)
        changes: Changes = {}
        files: dict[str, tuple[SqliteFile, list[TableInfo]]] = {}
        # No lakehouse yet: every row is an insert (an empty database has no such table).
        with (
            open_lakehouse(lakehouse, read_only=True)
            if lakehouse.is_file()
            else contextlib.closing(duckdb.connect())
        ) as connection:
            for name, table in self._tables.items():
                if table.source not in files:
                    file = SqliteFile(self._settings.source_file(table.source))
                    files[table.source] = (file, file.tables())
                file, infos = files[table.source]
                info = next(info for info in infos if info.name == table.name)
                changes[name] = coming_changes(connection, file, info, name)
        return changes

    def would_be_lost(self, changes: Changes) -> bool:
        """Whether applying `changes` would overwrite or delete a version no snapshot has."""
        for name, change in changes.items():
            overwritten = change["update"] | change["delete"]
            if overwritten and (self._pending is None or overwritten & self._pending[name]):
                return True
        return False

    def loaded(self, changes: Changes) -> None:
        """`changes` were applied: their new versions wait for a snapshot."""
        if self._pending is not None:
            for name, change in changes.items():
                self._pending[name] |= change["insert"] | change["update"]

    def snapshotted(self) -> None:
        self._pending = {name: set() for name in self._tables}

    @property
    def any(self) -> bool:
        """Whether a snapshot would record something (unknown counts as yes)."""
        return self._pending is None or any(self._pending.values())
