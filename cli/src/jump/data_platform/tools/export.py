"""Export one relation of the lakehouse to a CSV, Parquet or Excel file, atomically."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError, message_with_hints
from jump.data_platform.lakehouse import open_lakehouse, quote_literal
from jump.data_platform.settings import Settings
from jump.data_platform.tools.duckdb_types import NUMERIC_TYPES
from jump.data_platform.tools.relations import Relation
from jump.data_platform.tools.values import to_text

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


def check_output(settings: Settings, output: Path) -> None:
    """Refuse an output that is a folder or lies among the platform's own files."""
    if output.is_dir():
        raise DataPlatformError(f"cannot write {output}: it is a folder")
    managed = settings.managed_folder_of(output)
    if managed is not None:
        raise DataPlatformError(
            f"refused to write {output}: it is inside {managed}, which the platform manages "
            "(an export there could destroy the lakehouse or the sources); choose another path"
        )


def export_relation(lakehouse: Path, relation: Relation, output: Path, file_format: str) -> int:
    """Write `relation` to `output`; return the number of rows.

    The file appears only when complete: an error leaves any previous file untouched. The
    reading connection may write the temporary file and nothing else.
    """
    try:
        with (
            atomic_path(output) as temporary,
            open_lakehouse(lakehouse, read_only=True, output=temporary) as connection,
        ):
            if file_format == "xlsx":
                return _write_xlsx(connection, relation, temporary)
            return _copy(connection, relation, temporary, file_format)
    except duckdb.Error as error:
        raise DataPlatformError(
            f"cannot export {relation} to {output}: {message_with_hints(error)}"
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
    """One sheet, streamed row by row (XlsxWriter's constant-memory mode): about twice as fast
    as openpyxl's write-only mode here, in constant memory."""
    import xlsxwriter  # type: ignore[import-untyped]  # only this format needs it

    counted = connection.execute(f"SELECT count(*) FROM {relation.qualified}").fetchone()
    total = int(counted[0]) if counted else 0
    if total > XLSX_MAX_ROWS:
        raise DataPlatformError(
            f"{relation} has {total:,} rows, more than an Excel sheet holds "
            f"({XLSX_MAX_ROWS:,}): export it as csv or parquet"
        )
    # XlsxWriter's scratch files go beside the output, named after it, not in the system's
    # temporary folder: a killed export's leftovers are then found and removed by the next one.
    scratch = path.with_name(f"{path.name}.d")
    scratch.mkdir()
    try:
        return _write_workbook(connection, relation, path, scratch, xlsxwriter)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_workbook(
    connection: duckdb.DuckDBPyConnection,
    relation: Relation,
    path: Path,
    scratch: Path,
    xlsxwriter: Any,
) -> int:
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "tmpdir": str(scratch),
            "constant_memory": True,
            # Values are data, never formulas, links or numbers parsed from text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            # Excel has no time zones: a zoned timestamp is written as its wall-clock time.
            "remove_timezone": True,
            "nan_inf_to_errors": True,
        },
    )
    # On a failure half-way the workbook is not closed: closing would write the zip anyway.
    sheet = workbook.add_worksheet(_sheet_name(relation.name))
    connection.execute(f"SELECT * FROM {relation.qualified}")
    description = connection.description or []
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [str(column[0]) for column in description], bold)
    writers = [_cell_writer(sheet, workbook, str(column[1])) for column in description]
    count = 0
    while rows := connection.fetchmany(_BATCH_ROWS):
        for row in rows:
            count += 1
            for index, value in enumerate(row):
                if value is not None:  # NULL: an empty cell
                    writers[index](count, index, value)
    try:
        workbook.close()
    except xlsxwriter.exceptions.FileCreateError as error:  # wraps the OSError (a full disk)
        cause = error.args[0] if error.args else error
        raise (cause if isinstance(cause, OSError) else OSError(str(cause))) from error
    return count


_CellWriter = Callable[[int, int, Any], object]
_DATE_FORMATS = {"DATE": "yyyy-mm-dd", "TIME": "hh:mm:ss", "TIMESTAMP": "yyyy-mm-dd hh:mm:ss"}


def _cell_writer(sheet: Any, workbook: Any, column_type: str) -> _CellWriter:
    """How to write one column's values, chosen once from its DuckDB type, not per cell."""
    base = column_type.split("(")[0].upper()
    if base in NUMERIC_TYPES:
        return lambda row, col, value: sheet.write_number(row, col, float(value))
    if base == "BOOLEAN":
        return lambda row, col, value: sheet.write_boolean(row, col, bool(value))
    if base == "VARCHAR":
        return lambda row, col, value: sheet.write_string(row, col, value)
    kind = next((k for k in ("TIMESTAMP", "DATE", "TIME") if base.startswith(k)), None)
    if kind is not None:
        date_format = workbook.add_format({"num_format": _DATE_FORMATS[kind]})
        return lambda row, col, value: sheet.write_datetime(row, col, value, date_format)
    return lambda row, col, value: sheet.write_string(row, col, to_text(value))


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if char in "[]:*?/\\" else char for char in name)[:31] or "export"
