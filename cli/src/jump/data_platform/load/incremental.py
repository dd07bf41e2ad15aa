"""Apply to one lakehouse table only what changed in its source table since the last load.

Every App and CRM table has a primary key `id` and an `updated_at` that the application sets on
every change. So the changes are found from two narrow columns: the file's `(id, updated_at)`
against the lakehouse's, in DuckDB (a full outer join):
- an id only in the file was inserted, an id only in the lakehouse was deleted,
- an id whose `updated_at` differs was updated.
Only the inserted and updated rows are then read whole from SQLite (by primary key, which is
its rowid), so the cost grows with the changes, not with the history; the key scan is the one
part that reads every row, and it reads two columns.

A change that an application makes without moving `updated_at` is not seen: the contract of
the sources (docs/history.md) is that `updated_at` moves with every change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import quote_identifier, table_exists
from jump.data_platform.load.history import INCREMENTAL, TableChange
from jump.data_platform.load.sqlite_reader import SqliteFile, TableInfo
from jump.data_platform.sources.contract import LOADED_AT, SOURCES_SCHEMA
from jump.data_platform.sources.written_files import Changes

KEY = "id"
VERSION = "updated_at"
# Ids per `WHERE id IN (...)` read; above this share of the table, one whole read is cheaper.
IDS_PER_READ = 10_000
WHOLE_READ_SHARE = 0.2

_KEYS_VIEW = "_jump_load_keys"
_ROWS_VIEW = "_jump_load_rows"
_CHANGES = "_jump_load_changes"


def loaded_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The columns, in order, of every table of the `sources` schema (DuckDB's own catalog
    function: a tenth of the time of information_schema)."""
    rows = connection.execute(
        "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
        "WHERE schema_name = ? AND database_name = current_database() GROUP BY table_name",
        [SOURCES_SCHEMA],
    ).fetchall()
    return {str(name): [str(column) for column in columns] for name, columns in rows}


def can_apply_changes(info: TableInfo, loaded: list[str] | None, keyed: bool) -> bool:
    """Whether a loaded table (its columns `loaded`, None when not loaded) can take only the
    changes of `info`: it is one of the applications' keyed tables, and its columns are still
    the file's (a column added or removed in the application means a full copy of it)."""
    columns = [column.name for column in info.columns]
    if not keyed or KEY not in columns or VERSION not in columns:
        return False
    return loaded == [*columns, LOADED_AT]


def key_changes(table: str, keys: str = _KEYS_VIEW) -> str:
    """The query of the rows that changed between `keys` (a file's `(id, updated_at)`) and the
    lakehouse's `table`: `(id, change)`, change being 'insert', 'update' or 'delete'."""
    return f"""
        SELECT
            coalesce(file.{KEY}, loaded.{KEY}) AS {KEY},
            CASE
                WHEN loaded.{KEY} IS NULL THEN 'insert'
                WHEN file.{KEY} IS NULL THEN 'delete'
                ELSE 'update'
            END AS change
        FROM {keys} AS file
        FULL OUTER JOIN (SELECT {KEY}, {VERSION} FROM {table}) AS loaded
            ON file.{KEY} = loaded.{KEY}
        WHERE
            file.{KEY} IS NULL
            OR loaded.{KEY} IS NULL
            OR file.{VERSION} IS DISTINCT FROM loaded.{VERSION}
    """


def apply_changes(
    connection: duckdb.DuckDBPyConnection,
    file: SqliteFile,
    info: TableInfo,
    source: str,
    name: str,
    stamp: str,
) -> TableChange:
    """Insert, update and delete the rows of `sources.<name>` that changed in the file (inside
    the caller's transaction); new and updated rows get the `_loaded_at` of this load."""
    started = time.perf_counter()
    table = f"{SOURCES_SCHEMA}.{quote_identifier(name)}"
    keys = _keyed_rows(file, info)
    connection.register(_KEYS_VIEW, keys)
    try:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {_CHANGES} AS {key_changes(table)}")
    finally:
        connection.unregister(_KEYS_VIEW)
    counts = dict(
        connection.execute(f"SELECT change, count(*) FROM {_CHANGES} GROUP BY change").fetchall()
    )
    inserted, updated, deleted = (
        int(counts.get(kind, 0)) for kind in ("insert", "update", "delete")
    )
    if updated or deleted:
        connection.execute(
            f"DELETE FROM {table} WHERE {KEY} IN "
            f"(SELECT {KEY} FROM {_CHANGES} WHERE change <> 'insert')"
        )
    if inserted or updated:
        ids = [
            int(row[0])
            for row in connection.execute(
                f"SELECT {KEY} FROM {_CHANGES} WHERE change <> 'delete' ORDER BY {KEY}"
            ).fetchall()
        ]
        _insert_rows(connection, table, file, info, ids, stamp)
    connection.execute(f"DROP TABLE {_CHANGES}")
    return TableChange(
        source=source,
        name=name,
        mode=INCREMENTAL,
        inserted=inserted,
        updated=updated,
        deleted=deleted,
        rows=keys.num_rows,
        seconds=time.perf_counter() - started,
    )


def apply_known_changes(
    connection: duckdb.DuckDBPyConnection,
    file: SqliteFile,
    info: TableInfo,
    source: str,
    name: str,
    stamp: str,
    changes: Changes,
    rows: int,
) -> TableChange:
    """Apply the ids this process's extract changed in the file since the lakehouse loaded it
    (sources/written_files.py): as `apply_changes`, without reading every key."""
    started = time.perf_counter()
    table = f"{SOURCES_SCHEMA}.{quote_identifier(name)}"
    updated = np.intersect1d(changes.gone, changes.written, assume_unique=True)
    if len(changes.gone):
        connection.register(_KEYS_VIEW, pa.table({KEY: pa.array(changes.gone, pa.int64())}))
        try:
            connection.execute(
                f"DELETE FROM {table} WHERE {KEY} IN (SELECT {KEY} FROM {_KEYS_VIEW})"
            )
        finally:
            connection.unregister(_KEYS_VIEW)
    if len(changes.written):
        ids = sorted(int(value) for value in changes.written)
        _insert_rows(connection, table, file, info, ids, stamp)
    return TableChange(
        source=source,
        name=name,
        mode=INCREMENTAL,
        inserted=len(changes.written) - len(updated),
        updated=len(updated),
        deleted=len(changes.gone) - len(updated),
        rows=rows,
        seconds=time.perf_counter() - started,
    )


def _insert_rows(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    file: SqliteFile,
    info: TableInfo,
    ids: Sequence[int],
    stamp: str,
) -> None:
    """Insert the file's whole rows of `ids` (sorted) into `table`, stamped with this load."""
    connection.register(_ROWS_VIEW, read_rows(file, info, ids))
    try:
        connection.execute(
            f"INSERT INTO {table} BY NAME SELECT *, {stamp} AS {LOADED_AT} FROM {_ROWS_VIEW}"
        )
    finally:
        connection.unregister(_ROWS_VIEW)


def read_rows(file: SqliteFile, info: TableInfo, ids: Sequence[int]) -> pa.Table:
    """The whole rows of the given ids (sorted): by primary key in chunks, or, when they are a
    large share of the table, one read of it filtered here."""
    if len(ids) > WHOLE_READ_SHARE * max(info.max_rows, 1):
        return _filtered(file.read(info), ids)
    pieces = [
        file.read(info, f"WHERE {quote_identifier(KEY)} IN ({_int_list(ids, start)})")
        for start in range(0, len(ids), IDS_PER_READ)
    ]
    if any(piece.schema != pieces[0].schema for piece in pieces[1:]):
        # A NUMERIC or untyped column inferred differently in two chunks: read it all at once.
        return _filtered(file.read(info, batch_rows=info.max_rows + 1), ids)
    return pa.concat_tables(pieces)


def _int_list(ids: Sequence[int], start: int) -> str:
    # Integers from DuckDB's BIGINT column: safe to write into the statement.
    return ",".join(str(int(value)) for value in ids[start : start + IDS_PER_READ])


def _filtered(data: pa.Table, ids: Sequence[int]) -> pa.Table:
    return data.filter(pc.is_in(data.column(KEY), value_set=pa.array(ids, pa.int64())))


def _keyed_rows(file: SqliteFile, info: TableInfo) -> pa.Table:
    """Each row's id and version; a row without an id is refused in one line (it cannot be
    matched with its loaded version)."""
    keys = file.read(info, columns=(KEY, VERSION))
    missing = keys.column(KEY).null_count
    if missing:
        raise DataPlatformError(
            f"source table {info.name} of {file.path} has {missing:,} row"
            f"{'s' * (missing != 1)} with no id: an incremental load cannot apply it; the "
            "lakehouse was left as it was. Fix the source, or `data-platform load "
            "--full-refresh` copies it whole (the transform's tests then name what is wrong)"
        )
    return keys


def coming_changes(
    connection: duckdb.DuckDBPyConnection, file: SqliteFile, info: TableInfo, name: str
) -> dict[str, frozenset[int]]:
    """The ids a load of `info` from `file` would insert, update and delete in `sources.<name>`
    (read only: nothing is applied); all inserted when the table is not loaded yet."""
    keys = _keyed_rows(file, info)
    changes: dict[str, set[int]] = {"insert": set(), "update": set(), "delete": set()}
    table = f"{SOURCES_SCHEMA}.{quote_identifier(name)}"
    if not table_exists(connection, f"{SOURCES_SCHEMA}.{name}"):
        changes["insert"] = {int(value) for value in keys.column(KEY).to_pylist()}
    else:
        connection.register(_KEYS_VIEW, keys)
        try:
            for key, change in connection.execute(key_changes(table)).fetchall():
                changes[str(change)].add(int(key))
        finally:
            connection.unregister(_KEYS_VIEW)
    return {change: frozenset(ids) for change, ids in changes.items()}
