"""Read every table of a SQLite file into Arrow tables, fast and typed by the declared columns.

The ADBC SQLite driver reads in C and releases the GIL, so tables (and row ranges of a large
table) are read in parallel threads, each with its own read-only connection.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import adbc_driver_manager
import adbc_driver_sqlite
import adbc_driver_sqlite.dbapi
import pyarrow as pa

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import quote_identifier

# Rows per Arrow batch: large batches are faster and make the driver's type inference (which
# looks at the first batch) see more rows.
BATCH_ROWS = 65_536
# A table with more rows than this is read as several rowid ranges in parallel.
SPLIT_ROWS = 200_000
MAX_THREADS = 4
# The driver's largest accepted batch (a C int); it does not allocate a batch up front.
MAX_BATCH_ROWS = 2**30

# How long a connection to a source file waits for another process's lock on it (an extract
# committing, a reader delaying that commit) before it gives up.
BUSY_TIMEOUT_MS = 10_000

# What the driver raises on a bad file: its own errors, and OSError from the Arrow stream
# when a step fails while batches are being fetched.
_READ_ERRORS = (adbc_driver_manager.Error, OSError)

# The lakehouse type of each SQLite column affinity (docs/sources.md). NUMERIC and BLOB
# affinity columns keep the type the driver infers from their values.
_AFFINITY_TYPES: dict[str, pa.DataType] = {
    "INTEGER": pa.int64(),
    "REAL": pa.float64(),
    "TEXT": pa.string(),
}


@dataclass(frozen=True)
class SqliteColumn:
    name: str
    declared_type: str

    @property
    def affinity(self) -> str:
        return column_affinity(self.declared_type)


@dataclass(frozen=True)
class TableInfo:
    """A table of the file: its columns, rowid range (None when empty or without rowid) and
    an upper bound of its row count (the rowid span: exact for ids 1..n, and cheaper than
    count(*), which walks the whole table)."""

    name: str
    columns: tuple[SqliteColumn, ...]
    max_rows: int
    rowid_range: tuple[int, int] | None


def column_affinity(declared_type: str) -> str:
    """SQLite's rules for a column's affinity from its declared type (sqlite.org/datatype3)."""
    declared = declared_type.upper()
    if "INT" in declared:
        return "INTEGER"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not declared or "BLOB" in declared:
        return "BLOB"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def worker_count() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def sqlite_uri(path: Path, mode: Literal["ro", "rw"]) -> str:
    """The SQLite URI of an existing file, to read it (`ro`) or write in it (`rw`): neither
    mode creates a missing file, as a plain path would."""
    return f"{path.resolve().as_uri()}?mode={mode}"


class SqliteFile:
    """One SQLite source file, opened read-only (never created; modified only to roll back a
    write killed in its transaction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise DataPlatformError(
                f"source file {path} is missing; `data-platform extract` creates it"
            )
        self._uri = sqlite_uri(path, "ro")
        self._roll_back_killed_write()

    def _connect(self) -> adbc_driver_sqlite.dbapi.AdbcSqliteConnection:
        connection = adbc_driver_sqlite.dbapi.connect(self._uri)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except BaseException:
            connection.close()
            raise
        return connection

    def _roll_back_killed_write(self) -> None:
        """A writer killed inside its transaction (an extract bringing the file forward) leaves
        its changes in the file and the pages they replaced in `<file>-journal`. SQLite rolls
        them back at the next connection that may write; a read-only one fails instead. So a
        journal is first shown to SQLite by a writable connection, which rolls back a killed
        writer's and leaves a running writer's alone (it holds a lock)."""
        if not self.path.with_name(self.path.name + "-journal").exists():
            return
        uri = sqlite_uri(self.path, "rw")
        try:
            with contextlib.closing(
                sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            ) as connection:
                connection.execute("SELECT count(*) FROM sqlite_schema").fetchall()
        except sqlite3.Error as error:
            raise DataPlatformError(
                f"source file {self.path} holds a write that was interrupted and cannot be "
                f"rolled back ({first_line(error)}); run `data-platform extract` to write it "
                "again"
            ) from error

    def _unreadable(self, error: Exception) -> DataPlatformError:
        detail = first_line(error)
        for prefix in ("INVALID_ARGUMENT: ", "IO: ", "[SQLite] ", "Failed to step query: "):
            detail = detail.removeprefix(prefix)
        return DataPlatformError(
            f"source file {self.path} is not a readable SQLite database ({detail}); "
            "run `data-platform extract` to write it again"
        )

    def tables(self) -> list[TableInfo]:
        """The file's tables (SQLite's internal ones excluded), with what reading needs."""
        try:
            with self._connect() as connection, connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
                names = [str(row[0]) for row in cursor.fetchall()]
                return [self._table_info(cursor, name) for name in names]
        except _READ_ERRORS as error:
            raise self._unreadable(error) from error

    def _table_info(self, cursor: adbc_driver_sqlite.dbapi.Cursor, name: str) -> TableInfo:
        cursor.execute(f"SELECT name, type FROM pragma_table_info({_string_literal(name)})")
        columns = tuple(
            SqliteColumn(str(column), str(kind or "")) for column, kind in cursor.fetchall()
        )
        try:
            # Two subqueries: SQLite finds a lone min() or max() of the rowid in its b-tree,
            # but reads every row for both in one select (a third of a second at scale 100).
            table = quote_identifier(name)
            cursor.execute(
                f"SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})"
            )
            low, high = cursor.fetchone() or (None, None)
        except adbc_driver_manager.Error:  # a WITHOUT ROWID table: count its rows
            cursor.execute(f"SELECT count(*) FROM {quote_identifier(name)}")
            (count,) = cursor.fetchone() or (0,)
            return TableInfo(name, columns, int(count), None)
        if low is None or high is None:
            return TableInfo(name, columns, 0, None)
        return TableInfo(name, columns, int(high) - int(low) + 1, (int(low), int(high)))

    def read(
        self,
        table: TableInfo,
        where: str = "",
        batch_rows: int | None = None,
        columns: Sequence[str] = (),
    ) -> pa.Table:
        """Rows of one table (optionally a rowid range, some columns) as Arrow, cast to the
        declared types."""
        batch_rows = batch_rows or BATCH_ROWS
        selected = ", ".join(quote_identifier(name) for name in columns) or "*"
        query = f"SELECT {selected} FROM {quote_identifier(table.name)} {where}"
        try:
            with self._connect() as connection, connection.cursor() as cursor:
                cursor.adbc_statement.set_options(
                    **{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(batch_rows)}
                )
                cursor.execute(query)
                data = cursor.fetch_arrow_table()
        except _READ_ERRORS as error:
            if "Type mismatch" in str(error) and batch_rows < _whole(table):
                # The driver infers each column's type from the first batch: a column whose
                # first batch is all NULL fails later. One batch of all rows sees every value.
                return self.read(table, where, batch_rows=_whole(table), columns=columns)
            raise self._unreadable(error) from error
        return self._typed(table, data)

    def _typed(self, table: TableInfo, data: pa.Table) -> pa.Table:
        """Cast each column to the type of its declared affinity (docs/sources.md).

        The driver types an all-NULL column (or any column of an empty result) as int64, and
        turns a column of mixed storage classes into strings: the cast fixes the first and
        rejects a value that does not fit its declared type.
        """
        # By name: `SELECT *` also returns generated columns, which table_info leaves out.
        affinities = {column.name: column.affinity for column in table.columns}
        schema = pa.schema(
            pa.field(field.name, _AFFINITY_TYPES.get(affinities.get(field.name, ""), field.type))
            for field in data.schema
        )
        if schema == data.schema:
            return data
        try:
            return data.cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise DataPlatformError(
                f"source file {self.path}: table {table.name} has values that do not match "
                f"the declared column types ({first_line(error)})"
            ) from error


def _whole(table: TableInfo) -> int:
    """A batch size that reads the whole table as one batch."""
    return min(table.max_rows + 1, MAX_BATCH_ROWS)


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ranges(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """Split [low, high] into at most `parts` contiguous rowid ranges."""
    step = (high - low + parts) // parts
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


@dataclass(frozen=True)
class ReadTable:
    """A table read from a file, with the thread time its read took."""

    label: str  # the caller's name for the file (the source: `app`, `crm`)
    info: TableInfo
    data: pa.Table
    seconds: float


def _timed_read(file: SqliteFile, table: TableInfo, where: str) -> tuple[pa.Table, float]:
    started = time.perf_counter()
    data = file.read(table, where)
    return data, time.perf_counter() - started


def read_tables(
    plan: Sequence[tuple[str, SqliteFile, Sequence[TableInfo]]], threads: int | None = None
) -> Iterator[ReadTable]:
    """Read the planned tables in parallel; yield each as soon as it is complete, in plan order.

    A table larger than SPLIT_ROWS with a rowid is read as several rowid ranges at once.
    """
    threads = threads or worker_count()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        submitted: list[
            tuple[str, SqliteFile, TableInfo, list[Future[tuple[pa.Table, float]]]]
        ] = []
        for label, file, tables in plan:
            for table in tables:
                submitted.append((label, file, table, []))
        # The largest tables first, so that the threads finish together.
        for _, file, table, futures in sorted(submitted, key=lambda item: -item[2].max_rows):
            if table.rowid_range is not None and table.max_rows > SPLIT_ROWS and threads > 1:
                wheres = [
                    f"WHERE rowid BETWEEN {low} AND {high}"
                    for low, high in _ranges(*table.rowid_range, threads)
                ]
            else:
                wheres = [""]
            futures.extend(pool.submit(_timed_read, file, table, where) for where in wheres)
        try:
            for label, file, table, futures in submitted:
                pieces = [future.result() for future in futures]
                data = _combine(file, table, [piece for piece, _ in pieces])
                yield ReadTable(label, table, data, sum(seconds for _, seconds in pieces))
        finally:
            for _, _, _, futures in submitted:
                for future in futures:
                    future.cancel()


def _combine(file: SqliteFile, table: TableInfo, pieces: list[pa.Table]) -> pa.Table:
    """One Arrow table from the pieces of a split read; read again whole if their types differ
    (a NUMERIC or untyped column may be inferred differently in different ranges)."""
    if len(pieces) == 1:
        return pieces[0]
    if any(piece.schema != pieces[0].schema for piece in pieces[1:]):
        return file.read(table, batch_rows=_whole(table))
    return pa.concat_tables(pieces)
