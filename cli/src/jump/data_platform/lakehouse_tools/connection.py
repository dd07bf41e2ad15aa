"""Open the lakehouse read-only, turning DuckDB's errors into one line that names the file."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError

# No tool may download anything at run time: a statement needing an extension not bundled with
# DuckDB must fail at once rather than try the network.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}


def first_line(error: BaseException) -> str:
    """DuckDB messages span lines (the statement, a caret); a user error is one line."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def open_read_only(lakehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: any statement that would change the lakehouse fails."""
    if not lakehouse.is_file():
        raise DataPlatformError(
            f"no lakehouse at {lakehouse}: build it with `data-platform extract load transform`"
        )
    try:
        return duckdb.connect(str(lakehouse), read_only=True, config=_CONFIG)
    except duckdb.Error as error:
        raise (
            lock_error(lakehouse, str(error))
            or DataPlatformError(f"cannot open lakehouse {lakehouse}: {first_line(error)}")
        ) from error


def lock_error(lakehouse: Path, message: str) -> DataPlatformError | None:
    """The one-line error for DuckDB's lock conflict, if `message` is one."""
    if "could not set lock" not in message.lower():
        return None
    holder = re.search(r"PID (\d+)", message)
    by = f"process {holder.group(1)}" if holder else "another process"
    return DataPlatformError(
        f"lakehouse {lakehouse} is locked by {by} (a running load or transform, or an open "
        "DuckDB shell?); try again when it has finished"
    )


def sql_error(lakehouse: Path, error: duckdb.Error) -> DataPlatformError:
    """One line for a failed statement, saying plainly when it tried to write."""
    message = first_line(error)
    if "read-only mode" in message:
        kind = re.search(r'statement of type "(\w+)"', message)
        what = f"{kind.group(1)} statements are" if kind else "writing is"
        return DataPlatformError(
            f"the lakehouse {lakehouse} is opened read-only: {what} not allowed here"
        )
    return DataPlatformError(f"query on {lakehouse} failed: {message}")


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes, any embedded quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (for COPY's file name, which takes no parameter)."""
    return "'" + text.replace("'", "''") + "'"
