"""Before dbt runs: the lakehouse must exist and hold every table of the `sources` schema."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import connect, first_line

# The tables that `load` copies (docs/sources.md) and the dbt sources declare.
SOURCE_TABLES: tuple[str, ...] = (
    "app__users",
    "app__job_contracts",
    "app__clients",
    "app__invoices",
    "app__extract_metadata",
    "crm__customers",
    "crm__extract_metadata",
)


def check_sources(lakehouse: Path) -> None:
    """Raise a one-line error telling to run `load` when the sources are not there.

    The connection is closed on return: dbt must be the only process holding the file.
    """
    if not lakehouse.is_file():
        raise DataPlatformError(f"no lakehouse at {lakehouse}: run `data-platform load` first")
    connection = connect(lakehouse, read_only=True)
    try:
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'sources'"
            ).fetchall()
        }
    except duckdb.Error as error:
        raise DataPlatformError(
            f"cannot read lakehouse {lakehouse}: {first_line(error)}"
        ) from error
    finally:
        connection.close()
    missing = [name for name in SOURCE_TABLES if name not in present]
    if missing:
        what = "no `sources` schema" if not present else "no table sources." + missing[0]
        more = f" (and {len(missing) - 1} more)" if present and len(missing) > 1 else ""
        raise DataPlatformError(
            f"the lakehouse {lakehouse} has {what}{more}: run `data-platform load` first"
        )
