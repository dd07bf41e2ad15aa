"""Copy the SQLite sources into the lakehouse's `sources` schema, all or nothing.

Every selected file is read and checked completely before the lakehouse is opened; then one
transaction replaces every table, so a bad file, a crash or a kill leaves the previous state.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import first_line, open_lakehouse, quote_identifier
from jump.data_platform.load.sqlite_reader import (
    ReadTable,
    SqliteFile,
    TableInfo,
    read_tables,
)
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import (
    LOADED_AT,
    SOURCE_NAMES,
    SOURCES_SCHEMA,
    lakehouse_table,
    source_tables,
)

_ARROW_VIEW = "_jump_load_arrow"


@dataclass(frozen=True)
class LoadedTable:
    source: str
    name: str  # in the `sources` schema
    rows: int
    columns: int  # of the source table, without _loaded_at
    read_seconds: float
    write_seconds: float


@dataclass(frozen=True)
class LoadResult:
    lakehouse: Path
    loaded_at: datetime  # UTC, naive as stored in the lakehouse
    tables: tuple[LoadedTable, ...]
    read_seconds: float
    seconds: float

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def load_sources(
    settings: Settings, sources: Sequence[str], reporter: Reporter | None = None
) -> LoadResult:
    """Load the given sources (`app`, `crm`) of the data folder into its lakehouse."""
    files = {source: settings.source_file(source) for source in dict.fromkeys(sources)}
    return load_files(files, settings.lakehouse_file, reporter)


def load_files(
    files: Mapping[str, Path],
    lakehouse: Path,
    reporter: Reporter | None = None,
    threads: int | None = None,
) -> LoadResult:
    """Load each `source -> SQLite file` into `lakehouse` in one transaction."""
    reporter = reporter or Reporter(quiet=True)
    started = time.perf_counter()
    read: list[ReadTable] = []
    with reporter.step(f"Reading {', '.join(str(path) for path in files.values())}"):
        plan = [(source, *checked_file(source, path)) for source, path in files.items()]
        for table in read_tables(plan, threads):
            read.append(table)
            reporter.info(
                f"read {table.label}.{table.info.name}: {table.data.num_rows:,} rows "
                f"in {table.seconds:.2f} s"
            )
    read_seconds = time.perf_counter() - started

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with reporter.step(f"Writing {lakehouse}"):
        loaded = _write(lakehouse, read, loaded_at, reporter)
    result = LoadResult(lakehouse, loaded_at, loaded, read_seconds, time.perf_counter() - started)
    summarize(result, reporter)
    return result


def checked_file(source: str, path: Path) -> tuple[SqliteFile, list[TableInfo]]:
    """Open a source file and check it holds its expected tables, before anything is read."""
    file = SqliteFile(path)
    tables = file.tables()
    names = {table.name for table in tables}
    expected = source_tables(source) if source in SOURCE_NAMES else ()
    missing = [table.name for table in expected if table.name not in names]
    if missing:
        raise DataPlatformError(
            f"source file {path} has no table {', '.join(missing)}; "
            "run `data-platform extract` to write it again"
        )
    for table in tables:
        if any(column.name.lower() == LOADED_AT for column in table.columns):
            raise DataPlatformError(
                f"source file {path}: table {table.name} has a column {LOADED_AT}, "
                "which load adds itself"
            )
    return file, tables


def _write(
    lakehouse: Path,
    read: Sequence[ReadTable],
    loaded_at: datetime,
    reporter: Reporter,
) -> tuple[LoadedTable, ...]:
    """Replace every read table in one transaction, then checkpoint so the file stays small."""
    stamp = f"TIMESTAMP '{loaded_at.isoformat(sep=' ')}'"
    with open_lakehouse(lakehouse) as connection:
        current = ""
        try:
            connection.execute("BEGIN TRANSACTION")
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SOURCES_SCHEMA}")
            loaded = []
            for table in read:
                current = f" table {SOURCES_SCHEMA}.{lakehouse_table(table.label, table.info.name)}"
                loaded.append(_replace(connection, table, stamp))
                reporter.info(
                    f"wrote {SOURCES_SCHEMA}.{loaded[-1].name}: {loaded[-1].rows:,} rows "
                    f"in {loaded[-1].write_seconds:.2f} s"
                )
            current = ""
            for name in _vanished(connection, loaded):
                connection.execute(f"DROP TABLE {SOURCES_SCHEMA}.{quote_identifier(name)}")
                reporter.info(f"dropped {SOURCES_SCHEMA}.{name}: its source table is gone")
            connection.execute("COMMIT")
        except duckdb.Error as error:
            raise DataPlatformError(
                f"cannot write{current} to lakehouse {lakehouse}: {first_line(error)}; "
                "the lakehouse was left as it was"
            ) from error
        try:
            # Without a checkpoint, replaced tables stay in the write-ahead log and the file
            # grows with every load; a checkpoint frees their blocks for the next load.
            connection.execute("CHECKPOINT")
        except duckdb.Error as error:
            reporter.warning(
                f"lakehouse {lakehouse} loaded, but not checkpointed: {first_line(error)}"
            )
    return tuple(loaded)


def _replace(connection: duckdb.DuckDBPyConnection, table: ReadTable, stamp: str) -> LoadedTable:
    """CREATE OR REPLACE one table from its Arrow data, adding `_loaded_at`."""
    name = lakehouse_table(table.label, table.info.name)
    started = time.perf_counter()
    connection.register(_ARROW_VIEW, table.data)
    try:
        connection.execute(
            f"CREATE OR REPLACE TABLE {SOURCES_SCHEMA}.{quote_identifier(name)} AS "
            f"SELECT *, {stamp} AS {LOADED_AT} FROM {_ARROW_VIEW}"
        )
    finally:
        connection.unregister(_ARROW_VIEW)
    return LoadedTable(
        source=table.label,
        name=name,
        rows=table.data.num_rows,
        columns=table.data.num_columns,
        read_seconds=table.seconds,
        write_seconds=time.perf_counter() - started,
    )


def _vanished(connection: duckdb.DuckDBPyConnection, loaded: Sequence[LoadedTable]) -> list[str]:
    """Tables of the loaded sources whose source table no longer exists (an extra table that
    was dropped from the file): the `sources` schema mirrors the files."""
    prefixes = tuple(lakehouse_table(source, "") for source in {t.source for t in loaded})
    current = {table.name for table in loaded}
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = ? AND table_type = 'BASE TABLE'",
        [SOURCES_SCHEMA],
    ).fetchall()
    return sorted(name for (name,) in rows if name.startswith(prefixes) and name not in current)


def summarize(result: LoadResult, reporter: Reporter) -> None:
    reporter.table(
        f"Loaded into {result.lakehouse} (schema {SOURCES_SCHEMA})",
        ["table", "rows", "columns", "read s", "write s"],
        [
            [
                f"{SOURCES_SCHEMA}.{table.name}",
                f"{table.rows:,}",
                table.columns,
                f"{table.read_seconds:.2f}",
                f"{table.write_seconds:.2f}",
            ]
            for table in result.tables
        ],
    )
    rate = result.rows / result.seconds if result.seconds else 0.0
    reporter.info(
        f"load: {result.rows:,} rows in {len(result.tables)} tables "
        f"in {result.seconds:.2f} s ({rate:,.0f} rows/s)"
    )
