"""Export one relation of the lakehouse to a CSV, Parquet or Excel file, atomically."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse_tools.connection import first_line, quote_literal
from jump.data_platform.lakehouse_tools.relations import Relation
from jump.data_platform.lakehouse_tools.values import to_text

FORMATS = ("csv", "parquet", "xlsx")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
# An Excel sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575
_BATCH_ROWS = 10_000


def guess_format(output: Path) -> str:
    """The format named by the file's suffix; the user must say it for any other suffix."""
    try:
        return _SUFFIXES[output.suffix.lower()]
    except KeyError:
        raise DataPlatformError(
            f"cannot tell the format of {output} from its suffix: "
            f"use .csv, .parquet or .xlsx, or give --format {'|'.join(FORMATS)}"
        ) from None


def export_relation(
    connection: duckdb.DuckDBPyConnection, relation: Relation, output: Path, file_format: str
) -> int:
    """Write `relation` to `output`; return the number of rows.

    The file appears only when complete: an error leaves any previous file untouched.
    """
    if output.is_dir():
        raise DataPlatformError(f"cannot write {output}: it is a folder")
    try:
        with atomic_path(output) as temporary:
            if file_format == "xlsx":
                return _write_xlsx(connection, relation, temporary)
            return _copy(connection, relation, temporary, file_format)
    except duckdb.Error as error:
        raise DataPlatformError(
            f"cannot export {relation} to {output}: {first_line(error)}"
        ) from error
    except OSError as error:
        raise DataPlatformError(f"cannot write {output}: {error.strerror or error}") from error


def _copy(
    connection: duckdb.DuckDBPyConnection, relation: Relation, path: Path, file_format: str
) -> int:
    """DuckDB writes CSV and Parquet itself, in parallel, without going through Python."""
    options = (
        "FORMAT csv, HEADER true" if file_format == "csv" else "FORMAT parquet, COMPRESSION zstd"
    )
    result = connection.execute(
        f"COPY (SELECT * FROM {relation.qualified}) TO {quote_literal(str(path))} ({options})"
    ).fetchone()
    return int(result[0]) if result else 0


def _write_xlsx(connection: duckdb.DuckDBPyConnection, relation: Relation, path: Path) -> int:
    # openpyxl is imported here, not at start-up: it is slow to import and only this format needs it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    counted = connection.execute(f"SELECT count(*) FROM {relation.qualified}").fetchone()
    total = int(counted[0]) if counted else 0
    if total > XLSX_MAX_ROWS:
        raise DataPlatformError(
            f"{relation} has {total:,} rows, more than an Excel sheet holds "
            f"({XLSX_MAX_ROWS:,}): export it as csv or parquet"
        )
    workbook = Workbook(write_only=True)  # streams rows to disk instead of building cells
    sheet = workbook.create_sheet(title=relation.name[:31])  # Excel's limit on sheet names
    connection.execute(f"SELECT * FROM {relation.qualified}")
    sheet.append([column[0] for column in connection.description or []])
    count = 0
    while rows := connection.fetchmany(_BATCH_ROWS):
        for row in rows:
            sheet.append([_excel_value(value, ILLEGAL_CHARACTERS_RE) for value in row])
        count += len(rows)
    workbook.save(path)
    return count


def _excel_value(value: object, illegal: re.Pattern[str]) -> object:
    """Excel cells hold numbers, text, booleans and naive dates; anything else becomes text."""
    if isinstance(value, str):
        # Control characters are invalid in the file's XML: openpyxl would refuse the cell.
        return illegal.sub("", value)
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: a zoned timestamp is written in UTC.
        if value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    return to_text(value)
