"""Open the DuckDB lakehouse, turning DuckDB's errors about the file into one-line messages."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from jump.data_platform.atomic import create_folder
from jump.data_platform.errors import DataPlatformError

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def lock_error_message(path: Path, detail: str) -> str | None:
    """The user's message for DuckDB's 'Could not set lock' error; None for other errors."""
    if "Could not set lock" not in detail:
        return None
    holder = _LOCK_HOLDER.search(detail)
    by = f" (PID {holder['pid']}, {holder['program']})" if holder else ""
    return (
        f"lakehouse {path} is locked by another process{by} (DuckDB allows one writer); "
        "close it (a DuckDB shell, a notebook, another data-platform run) and retry"
    )


@contextlib.contextmanager
def open_lakehouse(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the lakehouse file (created with its folder when missing), always closed
    on exit: DuckDB allows one writing process, and dbt runs right after in the same process."""
    if not read_only:
        create_folder(path.parent)
    elif not path.is_file():
        raise DataPlatformError(f"lakehouse {path} is missing; `data-platform load` creates it")
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        message = lock_error_message(path, detail)
        if message is None:
            detail = detail.removeprefix("IO Error: ")
            message = f"cannot open lakehouse {path}: {detail}"
        raise DataPlatformError(message) from error
    try:
        yield connection
    finally:
        connection.close()
