"""Bring the lakehouse's `sources` schema to the applications' current state, all or nothing.

Every selected file is opened and checked before the lakehouse is. A source whose previous
extract (same seed, scale and generator) is loaded takes only what changed since
(`incremental.py`); otherwise, or with `full_refresh`, its tables are replaced. Either way one
transaction writes every table and records the load in `platform.loads` (`history.py`), so a
bad file, a crash or a kill leaves the previous state. An extract older than the loaded one is
refused (history is never rewritten) unless `full_refresh`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.file_identity import file_identity
from jump.data_platform.lakehouse import open_lakehouse, quote_identifier
from jump.data_platform.load.history import FULL, TableChange, is_older, record_load
from jump.data_platform.load.incremental import (
    apply_changes,
    apply_known_changes,
    can_apply_changes,
    loaded_columns,
)
from jump.data_platform.load.loaded_files import last_loaded_files, record_loaded_files
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
from jump.data_platform.sources.metadata import METADATA_TABLE
from jump.data_platform.sources.written_files import LastWritten, WrittenExtract
from jump.data_platform.storage.writer import mark_written, writer_session

_ARROW_VIEW = "_jump_load_arrow"
# What must be equal between the loaded extract and the new one for the new one to be a later
# state of the same history (else its tables are replaced).
_IDENTITY = ("random_seed", "scale", "generator_version")


@dataclass(frozen=True)
class LoadResult:
    lakehouse: Path
    loaded_at: datetime  # UTC, naive as stored in the lakehouse
    tables: tuple[TableChange, ...]
    load_id: int
    seconds: float
    # The sources left out: their file is the very one their last load read.
    unchanged: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Rows of the loaded tables after the load."""
        return sum(table.rows for table in self.tables)

    @property
    def changed(self) -> int:
        return sum(table.changed for table in self.tables)


@dataclass(frozen=True)
class _Source:
    name: str
    file: SqliteFile
    tables: list[TableInfo]
    metadata: dict[str, Any] | None  # the file's extract_metadata row
    identity: str  # the file as it was before it was read (file_identity)
    # This process wrote it from the very file the lakehouse holds: what changed since.
    written: WrittenExtract | None = None


def load_sources(
    settings: Settings,
    sources: Sequence[str],
    reporter: Reporter | None = None,
    full_refresh: bool = False,
    on_write: Callable[[], None] | None = None,
) -> LoadResult:
    """Load the given sources (`app`, `crm`) of the data folder into its lakehouse;
    `on_write` is called before writing, when a file changed since its last load."""
    files = {source: settings.source_file(source) for source in dict.fromkeys(sources)}
    # Run alone, a load is handed to readers when it ends; in a refresh, only the transform's
    # publication is (docs/publishing.md).
    with writer_session(settings, "load", release=True):
        result = load_files(
            files,
            settings.writer_lakehouse_file,
            reporter,
            full_refresh=full_refresh,
            on_write=on_write,
        )
        if result.tables:
            mark_written(settings)
    return result


def load_files(
    files: Mapping[str, Path],
    lakehouse: Path,
    reporter: Reporter | None = None,
    threads: int | None = None,
    full_refresh: bool = False,
    on_write: Callable[[], None] | None = None,
) -> LoadResult:
    """Load each `source -> SQLite file` into `lakehouse` in one transaction. A source whose
    file is the very one its last load read is left out (not with `full_refresh`); `on_write`
    is called before writing the others."""
    reporter = reporter or Reporter(quiet=True)
    started = time.perf_counter()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with reporter.step(f"Checking {', '.join(str(path) for path in files.values())}"):
        identities = {name: file_identity(path) for name, path in files.items()}
        last = {} if full_refresh else last_loaded_files(lakehouse)
        unchanged = tuple(name for name in files if last.get(name, (None,))[0] == identities[name])
        sources = [
            _source(name, path, identities[name], last.get(name, (None,))[0])
            for name, path in files.items()
            if name not in unchanged
        ]
    if not sources:
        load_id = max(load for _, load in last.values())
        result = LoadResult(lakehouse, loaded_at, (), load_id, 0.0, unchanged)
        summarize(result, reporter)
        return result
    if on_write is not None:
        on_write()
    with reporter.step(f"Writing {lakehouse}"), open_lakehouse(lakehouse) as connection:
        incremental = {
            source.name: _takes_changes(connection, source, lakehouse, full_refresh)
            for source in sources
        }
        changes, load_id = _write(
            connection, lakehouse, sources, incremental, loaded_at, threads, reporter
        )
    seconds = time.perf_counter() - started
    result = LoadResult(lakehouse, loaded_at, changes, load_id, seconds, unchanged)
    summarize(result, reporter)
    return result


def _source(name: str, path: Path, identity: str, loaded: str | None) -> _Source:
    file, tables = checked_file(name, path)
    metadata = next((table for table in tables if table.name == METADATA_TABLE), None)
    rows = file.read(metadata).to_pylist() if metadata else []
    written = LastWritten.since(path, identity, loaded)
    return _Source(name, file, tables, rows[0] if rows else None, identity, written)


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


def _loaded_metadata(connection: duckdb.DuckDBPyConnection, source: str) -> dict[str, Any] | None:
    """The extract_metadata row of the extract loaded for `source`, if any."""
    table = f"{SOURCES_SCHEMA}.{quote_identifier(lakehouse_table(source, METADATA_TABLE))}"
    try:
        cursor = connection.execute(f"SELECT * FROM {table} LIMIT 1")
    except duckdb.Error:  # not loaded yet (outside the transaction: nothing is aborted)
        return None
    row = cursor.fetchone()
    names = [column[0] for column in cursor.description or ()]
    return dict(zip(names, row, strict=True)) if row else None


def _takes_changes(
    connection: duckdb.DuckDBPyConnection, source: _Source, lakehouse: Path, full_refresh: bool
) -> bool:
    """Whether the source's loaded extract is an earlier state of the same history (then only
    the changes are applied); refuse an extract older than the loaded one."""
    loaded = _loaded_metadata(connection, source.name)
    new = source.metadata
    if loaded is None or new is None:
        return False
    if not full_refresh and is_older(str(new["as_of"]), str(loaded["as_of"])):
        raise DataPlatformError(
            f"source file {source.file.path} is an extract as of {new['as_of']}, older than the "
            f"one as of {loaded['as_of']} loaded in {lakehouse}; history is not rewritten: "
            "extract a later as-of, or load with --full-refresh to replace it"
        )
    return not full_refresh and all(str(new.get(key)) == str(loaded.get(key)) for key in _IDENTITY)


def _write(
    connection: duckdb.DuckDBPyConnection,
    lakehouse: Path,
    sources: Sequence[_Source],
    incremental: Mapping[str, bool],
    loaded_at: datetime,
    threads: int | None,
    reporter: Reporter,
) -> tuple[tuple[TableChange, ...], int]:
    """Apply every table in one transaction, record the load, then checkpoint."""
    stamp = f"TIMESTAMP '{loaded_at.isoformat(sep=' ')}'"
    keyed = {(source, table.name) for source in SOURCE_NAMES for table in source_tables(source)}
    existing = loaded_columns(connection)
    partial: list[tuple[_Source, TableInfo]] = []
    whole: list[tuple[str, SqliteFile, list[TableInfo]]] = []
    for source in sources:
        copied = []
        for info in source.tables:
            name = lakehouse_table(source.name, info.name)
            if incremental[source.name] and can_apply_changes(
                info, existing.get(name), (source.name, info.name) in keyed
            ):
                partial.append((source, info))
            else:
                copied.append(info)
        whole.append((source.name, source.file, copied))
    current = ""
    try:
        connection.execute("BEGIN TRANSACTION")
        previous_rows = {
            name: _row_count(connection, name)
            for label, _, infos in whole
            for name in (lakehouse_table(label, info.name) for info in infos)
            if name in existing
        }
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SOURCES_SCHEMA}")
        changes: list[TableChange] = []
        for source, info in partial:
            name = lakehouse_table(source.name, info.name)
            current = f" table {SOURCES_SCHEMA}.{name}"
            written = source.written
            known = written.delta.tables.get(info.name) if written and written.delta else None
            if written is not None and known is not None:
                rows = written.rows[info.name]
                changes.append(
                    apply_known_changes(
                        connection, source.file, info, source.name, name, stamp, known, rows
                    )
                )
            else:
                changes.append(
                    apply_changes(connection, source.file, info, source.name, name, stamp)
                )
            _report(changes[-1], reporter)
        for table in read_tables(whole, threads):
            current = f" table {SOURCES_SCHEMA}.{lakehouse_table(table.label, table.info.name)}"
            changes.append(_replace(connection, table, stamp, previous_rows))
            _report(changes[-1], reporter)
        current = ""
        for name in _vanished(connection, changes):
            connection.execute(f"DROP TABLE {SOURCES_SCHEMA}.{quote_identifier(name)}")
            reporter.info(f"dropped {SOURCES_SCHEMA}.{name}: its source table is gone")
        as_of = {
            source.name: None if source.metadata is None else str(source.metadata["as_of"])
            for source in sources
        }
        load_id = record_load(connection, loaded_at, as_of, changes)
        record_loaded_files(
            connection, load_id, {source.name: source.identity for source in sources}
        )
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
        reporter.warning(f"lakehouse {lakehouse} loaded, but not checkpointed: {first_line(error)}")
    return tuple(changes), load_id


def _row_count(connection: duckdb.DuckDBPyConnection, name: str) -> int:
    row = connection.execute(
        f"SELECT count(*) FROM {SOURCES_SCHEMA}.{quote_identifier(name)}"
    ).fetchone()
    return int(row[0]) if row else 0


def _report(change: TableChange, reporter: Reporter) -> None:
    reporter.info(
        f"{change.mode} {SOURCES_SCHEMA}.{change.name}: +{change.inserted:,} ~{change.updated:,} "
        f"-{change.deleted:,} ({_rows(change.rows)}) in {change.seconds:.2f} s"
    )


def _replace(
    connection: duckdb.DuckDBPyConnection,
    table: ReadTable,
    stamp: str,
    previous_rows: Mapping[str, int],
) -> TableChange:
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
    return TableChange(
        source=table.label,
        name=name,
        mode=FULL,
        inserted=table.data.num_rows,
        updated=0,
        deleted=previous_rows.get(name, 0),
        rows=table.data.num_rows,
        seconds=table.seconds + time.perf_counter() - started,
    )


def _vanished(connection: duckdb.DuckDBPyConnection, loaded: Sequence[TableChange]) -> list[str]:
    """Tables of the loaded sources whose source table no longer exists (an extra table that
    was dropped from the file): the `sources` schema mirrors the files."""
    prefixes = tuple(lakehouse_table(source, "") for source in {t.source for t in loaded})
    current = {table.name for table in loaded}
    rows = connection.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE schema_name = ? AND database_name = current_database()",
        [SOURCES_SCHEMA],
    ).fetchall()
    return sorted(name for (name,) in rows if name.startswith(prefixes) and name not in current)


def summarize(result: LoadResult, reporter: Reporter) -> None:
    """The load's total, once: each table's changes were printed as it was written."""
    if result.unchanged:
        reporter.info(
            f"Not read again, unchanged since the last load: {', '.join(result.unchanged)}"
        )
    if not result.tables:
        reporter.info(f"Nothing loaded into {result.lakehouse}: the lakehouse is up to date")
        return
    rate = result.changed / result.seconds if result.seconds else 0.0
    reporter.info(
        f"Loaded into {result.lakehouse} (schema {SOURCES_SCHEMA}, load {result.load_id}): "
        f"{result.changed:,} rows changed, {_rows(result.rows)} in {len(result.tables)} "
        f"tables, in {result.seconds:.2f} s ({rate:,.0f} changed rows/s)"
    )


def _rows(count: int) -> str:
    return f"{count:,} row{'s' * (count != 1)}"
