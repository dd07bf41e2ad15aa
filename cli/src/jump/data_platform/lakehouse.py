"""The one place that opens the DuckDB lakehouse and words DuckDB's errors as one line each."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from jump.data_platform.atomic import create_folder
from jump.data_platform.errors import DataPlatformError, first_line, message_with_hints
from jump.data_platform.transform.layers import LAYERS

# No step may download anything at run time: a statement needing an extension not bundled with
# DuckDB must fail at once rather than try the network.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}
_MISSING_SCHEMA = re.compile(r'schema "(?P<schema>\w+)" does not exist')
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class LakehouseLockedError(DataPlatformError):
    """DuckDB's lock conflict: another process holds the lakehouse. A person is told to retry;
    the scheduler waits and retries by itself."""


def lock_error(path: Path, detail: str) -> DataPlatformError | None:
    """The one-line error for DuckDB's lock conflict, naming who holds it; None otherwise."""
    if "could not set lock" not in detail.lower():
        return None
    holder = _LOCK_HOLDER.search(detail)
    by = f" (PID {holder['pid']}, {holder['program']})" if holder else ""
    return LakehouseLockedError(
        f"lakehouse {path} is locked by another process{by} (DuckDB allows one writer); "
        "close it (a DuckDB shell, a notebook, another data-platform run) and retry"
    )


def connect(
    path: Path, read_only: bool = False, *, output: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the lakehouse file; the caller closes it.

    Writing creates the file and its folder; reading needs an existing lakehouse. A reading
    connection is a sandbox: it reaches no file but the lakehouse (no `COPY ... TO`, `EXPORT
    DATABASE`, `read_csv`, `ATTACH`, extension), except `output`, the one file an export
    writes, and its configuration is locked so that no statement can lift that.
    """
    if read_only and not path.is_file():
        raise DataPlatformError(
            f"no lakehouse at {path}: build it with `data-platform extract load transform`"
        )
    if not read_only:
        create_folder(path.parent)
    try:
        connection = duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
    except duckdb.Error as error:
        detail = first_line(error)
        raise (
            lock_error(path, detail)
            or DataPlatformError(
                f"cannot open lakehouse {path}: {detail.removeprefix('IO Error: ')}"
            )
        ) from error
    if read_only:
        _sandbox(connection, output)
    return connection


# Statement types a reader never runs. DuckDB adds the open database file and its WAL to
# `allowed_paths` by itself, so `COPY ... TO '<lakehouse>' (USE_TMP_FILE false)` would write
# straight into them despite `enable_external_access = false`: COPY (either way: FROM writes a
# table), EXPORT/IMPORT and the database-level statements are refused by type, before running.
_REFUSED_TYPES = frozenset(
    {
        duckdb.StatementType.COPY,
        duckdb.StatementType.COPY_DATABASE,
        duckdb.StatementType.EXPORT,
        duckdb.StatementType.ATTACH,
        duckdb.StatementType.DETACH,
        duckdb.StatementType.LOAD,
        duckdb.StatementType.EXTENSION,
        duckdb.StatementType.VACUUM,
    }
)
# Statements that run another one: EXPLAIN ANALYZE executes it, PREPARE keeps it for EXECUTE.
_WRAPPER = re.compile(
    r"\s*(?:EXPLAIN(?:\s+ANALY[SZ]E)?|PREPARE\s+(?:\w+|\"[^\"]*\")\s+AS)\s+(?P<inner>.*)",
    re.IGNORECASE | re.DOTALL,
)
_WRAPPER_TYPES = frozenset({duckdb.StatementType.EXPLAIN, duckdb.StatementType.PREPARE})
# DuckDB's file logging aborts the process once external access is off: refused by name.
_LOGGING_CALL = re.compile(r"\b(?:enable_logging|disable_logging|truncate_duckdb_logs)\b", re.I)


def check_reader_statement(connection: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    """Refuse, before it runs, a statement a reader of `path` must not run: every statement
    that can write a file (or attach, detach or load one), also inside EXPLAIN and PREPARE."""
    try:
        statements = connection.extract_statements(sql)
    except duckdb.Error as error:
        raise sql_error(path, error) from error
    for statement in statements:
        kind = statement.type
        if kind in _WRAPPER_TYPES:
            wrapped = _WRAPPER.match(_strip_comments(statement.query))
            if wrapped is None:
                raise _refused(path, kind.name)
            check_reader_statement(connection, wrapped["inner"], path)
        elif kind in _REFUSED_TYPES:
            raise _refused(path, kind.name)
        elif _LOGGING_CALL.search(statement.query):
            raise _refused(path, "logging")


# DuckDB's shell runs whatever is typed, so it cannot refuse by type: once it has opened the
# lakehouse (read-only), its local file system is switched off, then safe mode locks that in.
# Reading goes on through the open file; nothing can be written (nor spilled to disk).
SHELL_SANDBOX = (
    "SET enable_external_access = false",
    "SET disabled_filesystems = 'LocalFileSystem'",
    ".safe_mode",
)
# Safe mode sets external access off once more, which DuckDB then reports as failing (it is
# already off); the shell's wrapper drops this one line.
SHELL_SANDBOX_NOISE = 'Failed to execute query "SET enable_external_access=false"'


def _strip_comments(sql: str) -> str:
    return re.sub(r"^(?:\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/))*", "", sql, flags=re.DOTALL)


def _refused(path: Path, kind: str) -> DataPlatformError:
    return DataPlatformError(
        f"refused: {kind} statements are not run here: a query only reads the lakehouse "
        f"{path}, never writes, attaches or loads a file; `data-platform export` writes a "
        "relation to a file"
    )


def _sandbox(connection: duckdb.DuckDBPyConnection, output: Path | None) -> None:
    """Shut a reader off the file system, `output` aside, for good.

    The allowed path must be set while external access is still on (DuckDB refuses it after),
    hence SET statements rather than the connection's config.
    """
    if output is not None:
        connection.execute(f"SET allowed_paths = [{quote_literal(str(output))}]")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


@contextlib.contextmanager
def open_lakehouse(
    path: Path, read_only: bool = False, *, output: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect`, always closed on exit: DuckDB allows one writing process, and dbt runs right
    after in the same process."""
    connection = connect(path, read_only=read_only, output=output)
    try:
        yield connection
    finally:
        connection.close()


def log_file(path: Path) -> Path:
    """DuckDB's write-ahead log of the database file `path`."""
    return path.with_name(path.name + ".wal")


def fold_log(path: Path) -> None:
    """Fold into the file `path` the write-ahead log beside it, if any. DuckDB checkpoints and
    removes the log when a file's last connection closes: one is left only by a writer that
    was killed (or an outside client still writing), and without one there is nothing to do
    (opening the file for writing took 13 to 17 ms of every scheduled hour at scale 100)."""
    if not log_file(path).exists():
        return
    with open_lakehouse(path) as connection:
        connection.execute("checkpoint")


def sql_error(path: Path, error: duckdb.Error) -> DataPlatformError:
    """One line for a failed statement, saying plainly when it tried to write."""
    message = first_line(error)
    if "read-only mode" in message:
        kind = re.search(r'statement of type "(\w+)"', message)
        what = f"{kind.group(1)} statements are" if kind else "writing is"
        return DataPlatformError(
            f"the lakehouse {path} is opened read-only: {what} not allowed here"
        )
    if message.startswith("Permission Error") or "configuration has been locked" in message:
        detail = message.removeprefix("Permission Error: ").removeprefix("Invalid Input Error: ")
        return DataPlatformError(
            f"refused: a query only reads the lakehouse {path}, never other files, extensions "
            f"or settings ({detail}); `data-platform export` writes a relation to a file"
        )
    return DataPlatformError(
        f"query on {path} failed: {message_with_hints(error)}{not_built(message)}"
    )


def not_built(message: str) -> str:
    """A hint when a statement names a layer no transform has built yet."""
    missing = _MISSING_SCHEMA.search(message)
    return layer_not_built(missing["schema"]) if missing else ""


def layer_not_built(schema: str) -> str:
    """`; the marts are built by ...` for a dbt layer (empty for any other schema)."""
    if schema.lower() not in LAYERS:
        return ""
    return f"; {schema.lower()} is built by `data-platform transform`: run it first"


def table_exists(connection: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    """Whether `schema.name` is a table of the connection's own database (not an attached one)."""
    schema, name = qualified_name.split(".")
    found = connection.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def relation_kinds(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Every table and view of the connection's own database, (schema, name) -> its
    `table_type` ("BASE TABLE", "VIEW"): one question to DuckDB's catalog for a loop that would
    ask about each relation in turn (2 to 3 ms a question at scale 100)."""
    rows = connection.execute(
        "select table_schema, table_name, table_type from information_schema.tables"
        " where table_catalog = current_database()"
    ).fetchall()
    return {(str(schema), str(name)): str(kind) for schema, name, kind in rows}


def tables_of(connection: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every table (not view) of the connection's own database, as (schema, name)."""
    return {relation for relation, kind in relation_kinds(connection).items() if kind != "VIEW"}


def quote_identifier(name: str) -> str:
    """A SQL identifier in double quotes, any embedded quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (for COPY's file name, which takes no parameter)."""
    return "'" + text.replace("'", "''") + "'"


def sandbox(connection: duckdb.DuckDBPyConnection, output: Path | None = None) -> None:
    """The reader's sandbox on a connection opened elsewhere (a kept publication loaded in
    memory, storage/versions.py)."""
    _sandbox(connection, output)
