"""Before dbt runs: the lakehouse must exist and hold every table and column of the contract."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import connect
from jump.data_platform.sources.contract import SOURCES_SCHEMA, all_source_tables


def source_columns(lakehouse: Path) -> dict[str, set[str]]:
    """The tables of the `sources` schema and their columns; the connection is closed on
    return (dbt must be the only process holding the file)."""
    connection = connect(lakehouse, read_only=True)
    try:
        present: dict[str, set[str]] = {}
        for table, column in connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ?",
            [SOURCES_SCHEMA],
        ).fetchall():
            present.setdefault(table, set()).add(column)
    except duckdb.Error as error:
        raise DataPlatformError(
            f"cannot read lakehouse {lakehouse}: {first_line(error)}"
        ) from error
    finally:
        connection.close()
    return present


def check_sources(lakehouse: Path) -> None:
    """Raise a one-line error when a table or a column of the source contract is missing."""
    present = source_columns(lakehouse)
    if not present:
        raise DataPlatformError(
            f"the lakehouse {lakehouse} has no `{SOURCES_SCHEMA}` schema: "
            "run `data-platform load` first"
        )
    expected = all_source_tables()
    missing = [table for table in expected if table.lakehouse_name not in present]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DataPlatformError(
            f"the lakehouse {lakehouse} has no table {SOURCES_SCHEMA}.{missing[0].lakehouse_name}"
            f"{more}: run `data-platform load` first"
        )
    for table in expected:
        absent = [column for column in table.columns if column not in present[table.lakehouse_name]]
        if absent:
            raise DataPlatformError(
                f"source table {SOURCES_SCHEMA}.{table.lakehouse_name} has no column "
                f"{', '.join(absent)} (loaded from {table.source}.sqlite, table {table.name}): "
                "the application's extract changed; extract it again or update the contract"
            )
