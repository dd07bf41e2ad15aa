"""Export one relation of the lakehouse to a CSV, Parquet or Excel file, atomically."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import duckdb

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError, message_with_hints
from jump.data_platform.lakehouse import open_lakehouse, quote_identifier, quote_literal
from jump.data_platform.settings import Settings
from jump.data_platform.tools.duckdb_types import NUMERIC_TYPES
from jump.data_platform.tools.query import execute_one, fetch_batches, write_csv
from jump.data_platform.tools.relations import Relation
from jump.data_platform.tools.values import escape_formula_sql, to_text

FORMATS = ("csv", "parquet", "xlsx")
# Opens the connection an export reads: `output=` the one file it may write.
Opener = Callable[..., contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]]
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
# A relation is exported sorted by all its columns, left to right: the same rows give the same
# file whatever order they are stored in (a kept publication stores its large marts by month,
# storage/month_files.py, so its export is byte-identical to the one made when it was current).
IN_ORDER = "ORDER BY ALL"
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


STDOUT = Path("-")
# Links into these lead to devices and descriptors, whatever `stat` says of them.
_PSEUDO_FOLDERS = (Path("/dev"), Path("/proc"), Path("/sys"))
_MAX_LINKS = 40


def check_output(settings: Settings, output: Path) -> Path:
    """The regular file to write for `output`: refuse a folder, a device, a FIFO, a socket, a
    link leading to one (or into /dev, /proc, /sys), and the platform's own files. A link to a
    regular file gives that file, so that the link stays a link."""
    if output.is_dir():
        raise DataPlatformError(f"cannot write {output}: it is a folder")
    target = _follow_links(output)
    kind = _special_kind(target)
    if kind is not None:
        via = f" (a link to {target})" if target != output else ""
        raise DataPlatformError(
            f"refused to write {output}{via}: it is a {kind}, not a regular file; "
            "export writes regular files only (`-o -` writes CSV to stdout)"
        )
    managed = settings.managed_folder_of(output)
    if managed is not None:
        raise DataPlatformError(
            f"refused to write {output}: it is inside {managed}, which the platform manages "
            "(an export there could destroy the lakehouse or the sources); choose another path"
        )
    return target


def _follow_links(output: Path) -> Path:
    """Where the chain of symbolic links starting at `output` ends (itself if not a link)."""
    path = _lexical(output)
    for _ in range(_MAX_LINKS):
        if any(path.is_relative_to(folder) for folder in _PSEUDO_FOLDERS) or not path.is_symlink():
            return path
        path = _lexical(path.parent / path.readlink())
    raise DataPlatformError(f"cannot write {output}: too many levels of symbolic links")


def _lexical(path: Path) -> Path:
    """Absolute, `..` removed, links left as they are (each hop is looked at)."""
    return Path(os.path.normpath(Path.cwd() / path))


def _special_kind(path: Path) -> str | None:
    """What `path` is when it is neither absent nor a regular file outside /dev, /proc, /sys."""
    try:
        mode = path.lstat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # absent: the writer words its folder
        mode = None
    except OSError as error:
        raise DataPlatformError(f"cannot write {path}: {error.strerror or error}") from error
    if mode is not None and not stat.S_ISREG(mode):
        for test, kind in _KINDS:
            if test(mode):
                return kind
        return "special file"
    if any(path.is_relative_to(folder) for folder in _PSEUDO_FOLDERS):
        return "system file"
    return None


_KINDS = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISLNK, "link"),
    (stat.S_ISDIR, "folder"),
)


def export_to_stdout(
    lakehouse: Path,
    relation: Relation,
    out: TextIO,
    escape_formulas: bool = True,
    opener: Opener | None = None,
) -> int:
    """`-o -`: the relation as CSV on `out`, as `query --format csv` writes it."""
    with (opener or functools.partial(open_lakehouse, lakehouse, read_only=True))() as connection:
        try:
            columns = execute_one(connection, f"SELECT * FROM {relation.qualified}", lakehouse)
        except DataPlatformError as error:
            raise DataPlatformError(f"cannot export {relation}: {error}") from error
        assert columns is not None  # a SELECT always has columns
        return write_csv(columns, fetch_batches(connection, lakehouse), out, escape_formulas)


def export_relation(
    lakehouse: Path,
    relation: Relation,
    output: Path,
    file_format: str,
    escape_formulas: bool = True,
    warn: Callable[[str], None] | None = None,
    opener: Opener | None = None,
) -> int:
    """Write `relation` to `output`; return the number of rows.

    The file appears only when complete: an error leaves any previous file untouched. The
    reading connection may write the temporary file and nothing else. `escape_formulas`: CSV
    text cells starting a formula get a leading `'`. `warn` hears of values Excel cut.
    """
    try:
        with (
            atomic_path(output) as temporary,
            (opener or functools.partial(open_lakehouse, lakehouse, read_only=True))(
                output=temporary
            ) as connection,
        ):
            if file_format == "xlsx":
                return _write_xlsx(connection, relation, temporary, warn or (lambda _: None))
            return _copy(connection, relation, temporary, file_format, escape_formulas)
    except duckdb.Error as error:
        raise DataPlatformError(
            f"cannot export {relation} to {output}: {message_with_hints(error)}"
        ) from error
    except OSError as error:
        raise DataPlatformError(f"cannot write {output}: {error.strerror or error}") from error


def _copy(
    connection: duckdb.DuckDBPyConnection,
    relation: Relation,
    path: Path,
    file_format: str,
    escape_formulas: bool,
) -> int:
    """DuckDB writes CSV and Parquet itself, in parallel, without going through Python."""
    options = (
        "FORMAT csv, HEADER true" if file_format == "csv" else "FORMAT parquet, COMPRESSION zstd"
    )
    selected = "*"
    if file_format == "csv" and escape_formulas:
        connection.execute(f"SELECT * FROM {relation.qualified} LIMIT 0")
        selected = ", ".join(
            f"{escape_formula_sql(quote_identifier(str(name)))} AS {quote_identifier(str(name))}"
            if str(kind).upper() == "VARCHAR"
            else quote_identifier(str(name))
            for name, kind, *_ in connection.description or []
        )
    result = connection.execute(
        f"COPY (SELECT {selected} FROM {relation.qualified} {IN_ORDER}) TO "
        f"{quote_literal(str(path))} ({options})"
    ).fetchone()
    return int(result[0]) if result else 0


def _write_xlsx(
    connection: duckdb.DuckDBPyConnection,
    relation: Relation,
    path: Path,
    warn: Callable[[str], None],
) -> int:
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
    cut = _CutCells()
    try:
        rows = _write_workbook(connection, relation, path, scratch, xlsxwriter, cut)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if cut.count:
        many = cut.count != 1
        warn(
            f"{cut.count:,} value{'s' * many} longer than Excel's {XLSX_MAX_CHARS:,} characters "
            f"{'were' if many else 'was'} cut to fit a cell (the first in column "
            f"{cut.first_column}, row {cut.first_row:,}): export csv or parquet for whole values"
        )
    return rows


# An Excel cell holds at most this many characters: XlsxWriter cuts a longer string silently.
XLSX_MAX_CHARS = 32_767


class _CutCells:
    """The text cells cut to Excel's limit: how many, and the first."""

    def __init__(self) -> None:
        self.count = 0
        self.first_column = ""
        self.first_row = 0

    def check(self, name: str, row: int, text: str) -> str:
        if len(text) > XLSX_MAX_CHARS:
            self.count += 1
            if self.count == 1:
                self.first_column, self.first_row = name, row
        return text


def _write_workbook(
    connection: duckdb.DuckDBPyConnection,
    relation: Relation,
    path: Path,
    scratch: Path,
    xlsxwriter: Any,
    cut: _CutCells,
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
    connection.execute(f"SELECT * FROM {relation.qualified} {IN_ORDER}")
    description = connection.description or []
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [str(column[0]) for column in description], bold)
    writers = [
        _cell_writer(sheet, workbook, str(column[1]), str(column[0]), cut) for column in description
    ]
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


def _cell_writer(
    sheet: Any, workbook: Any, column_type: str, name: str, cut: _CutCells
) -> _CellWriter:
    """How to write one column's values, chosen once from its DuckDB type, not per cell."""
    base = column_type.split("(")[0].upper()
    if base in NUMERIC_TYPES:
        return lambda row, col, value: sheet.write_number(row, col, float(value))
    if base == "BOOLEAN":
        return lambda row, col, value: sheet.write_boolean(row, col, bool(value))
    if base == "VARCHAR":
        return lambda row, col, value: sheet.write_string(row, col, cut.check(name, row, value))
    kind = next((k for k in ("TIMESTAMP", "DATE", "TIME") if base.startswith(k)), None)
    if kind is not None:
        date_format = workbook.add_format({"num_format": _DATE_FORMATS[kind]})
        return lambda row, col, value: sheet.write_datetime(row, col, value, date_format)
    return lambda row, col, value: sheet.write_string(
        row, col, cut.check(name, row, to_text(value))
    )


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if char in "[]:*?/\\" else char for char in name)[:31] or "export"
