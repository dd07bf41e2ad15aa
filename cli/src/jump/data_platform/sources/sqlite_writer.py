"""Write Arrow tables into a new SQLite database in bulk, atomically."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import adbc_driver_manager
import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError

# A fresh private file: durability is given by the final rename, not the journal.
PRIVATE_FILE_PRAGMAS = ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF")


def write_database(
    path: Path, schema_sql: str, tables: Mapping[str, pa.Table], index_sql: str = ""
) -> None:
    """Create `path` from its DDL and tables; the file appears only once complete.

    The DDL gives the tables their declared types, keys and constraints, as the application's
    own database would; ADBC then appends each Arrow table in one bulk statement, and the
    indexes are built last.
    """
    try:
        with atomic_path(path) as temporary:
            with sqlite3.connect(temporary) as ddl:
                ddl.executescript(schema_sql)
            ddl.close()
            with adbc_sqlite.connect(str(temporary), autocommit=True) as connection:
                cursor = connection.cursor()
                for pragma in PRIVATE_FILE_PRAGMAS:
                    cursor.execute(pragma)
                for name, table in tables.items():
                    cursor.adbc_ingest(name, table, mode="append")
                cursor.close()
            if index_sql:
                with sqlite3.connect(temporary) as indexes:
                    # Sorting the keys on worker threads: the invoices' indexes build 1.3 x
                    # faster at scale 1000 (docs/benchmarks.md).
                    pragmas = (*PRIVATE_FILE_PRAGMAS, f"PRAGMA threads={os.cpu_count() or 1}")
                    indexes.executescript("".join(f"{pragma};" for pragma in pragmas) + index_sql)
                indexes.close()
    except (OSError, sqlite3.Error, adbc_driver_manager.Error) as error:
        # ADBC reports a full disk as `INTERNAL: failed to execute: database or disk is full`
        # and more lines: the first is the user's.
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise DataPlatformError(f"cannot write {path}: {lines[0]}") from error
