"""The one place that opens the DuckDB lakehouse and words DuckDB's errors as one line each."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from jump.data_platform.atomic import create_folder
from jump.data_platform.errors import DataPlatformError

# No step may download anything at run time: a statement needing an extension not bundled with
# DuckDB must fail at once rather than try the network.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def first_line(error: BaseException) -> str:
    """DuckDB's and dbt's messages span lines (the statement, a caret); a user error is one."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def missing_lakehouse_error(path: Path) -> DataPlatformError:
    return DataPlatformError(
        f"no lakehouse at {path}: build it with `data-platform extract load transform`"
    )


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


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the lakehouse file; the caller closes it.

    Writing creates the file and its folder; reading needs an existing lakehouse.
    """
    if read_only and not path.is_file():
        raise missing_lakehouse_error(path)
    if not read_only:
        create_folder(path.parent)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
    except duckdb.Error as error:
        detail = first_line(error)
        raise (
            lock_error(path, detail)
            or DataPlatformError(
                f"cannot open lakehouse {path}: {detail.removeprefix('IO Error: ')}"
            )
        ) from error


@contextlib.contextmanager
def open_lakehouse(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect`, always closed on exit: DuckDB allows one writing process, and dbt runs right
    after in the same process."""
    connection = connect(path, read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def sql_error(path: Path, error: duckdb.Error) -> DataPlatformError:
    """One line for a failed statement, saying plainly when it tried to write."""
    message = first_line(error)
    if "read-only mode" in message:
        kind = re.search(r'statement of type "(\w+)"', message)
        what = f"{kind.group(1)} statements are" if kind else "writing is"
        return DataPlatformError(
            f"the lakehouse {path} is opened read-only: {what} not allowed here"
        )
    return DataPlatformError(f"query on {path} failed: {message}")


def quote_identifier(name: str) -> str:
    """A SQL identifier in double quotes, any embedded quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (for COPY's file name, which takes no parameter)."""
    return "'" + text.replace("'", "''") + "'"
