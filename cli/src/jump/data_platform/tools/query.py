"""Run one read-only SQL statement on the lakehouse and write its result as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import check_reader_statement, sql_error
from jump.data_platform.reporting import printable
from jump.data_platform.tools.duckdb_types import INTEGER_TYPES, NUMERIC_TYPES
from jump.data_platform.tools.values import escape_formula, to_json, to_text

FORMATS = ("table", "csv", "json")
BATCH_ROWS = 10_000


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str

    @property
    def numeric(self) -> bool:
        return self.type.split("(")[0] in NUMERIC_TYPES


def execute_one(
    connection: duckdb.DuckDBPyConnection, sql: str, lakehouse: Path
) -> list[ResultColumn] | None:
    """Execute exactly one statement; return its columns, or None if it returns no rows."""
    try:
        statements = connection.extract_statements(sql)
    except duckdb.Error as error:
        raise sql_error(lakehouse, error) from error
    if not statements:
        raise DataPlatformError("the query is empty: give one SQL statement")
    if len(statements) > 1:
        raise DataPlatformError(
            f"the query has {len(statements)} statements: give one at a time "
            "(or use the interactive shell: `data-platform query` with no SQL)"
        )
    check_reader_statement(connection, sql, lakehouse)
    try:
        connection.execute(sql)
    except duckdb.Error as error:
        raise sql_error(lakehouse, error) from error
    description = connection.description
    if not description:
        return None
    return [ResultColumn(str(name), str(kind)) for name, kind, *_ in description]


def fetch_batches(
    connection: duckdb.DuckDBPyConnection, lakehouse: Path, limit: int | None = None
) -> Iterator[list[tuple[object, ...]]]:
    """The pending result in batches, so a large result never sits whole in memory."""
    left = limit
    while left is None or left > 0:
        size = BATCH_ROWS if left is None else min(BATCH_ROWS, left)
        try:
            rows = connection.fetchmany(size)
        except duckdb.Error as error:  # an error can surface while rows stream
            raise sql_error(lakehouse, error) from error
        if not rows:
            return
        if left is not None:
            left -= len(rows)
        yield rows


def write_csv(
    columns: Sequence[ResultColumn],
    batches: Iterator[list[tuple[object, ...]]],
    out: TextIO,
    escape_formulas: bool = False,
) -> int:
    """CSV as DuckDB writes it; `escape_formulas`: a text cell starting a formula gets a
    leading `'`, so that a spreadsheet shows it rather than computes it."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    # Python's csv already writes most values as DuckDB's CSV does (NULL empty, ISO dates):
    # only the columns that differ are converted, and a result with none goes through in C.
    convert: list[Callable[[object], object] | None] = [
        _as_text if _needs_csv_text(column) else None for column in columns
    ]
    if escape_formulas:
        convert = [
            _escaped if column.type.upper() == "VARCHAR" else how
            for column, how in zip(columns, convert, strict=True)
        ]
    count = 0
    for rows in batches:
        if any(convert):
            writer.writerows(
                [
                    how(v) if how and v is not None else v
                    for v, how in zip(row, convert, strict=True)
                ]
                for row in rows
            )
        else:
            writer.writerows(rows)
        count += len(rows)
    return count


def _as_text(value: object) -> object:
    return to_text(value)


def _escaped(value: object) -> object:
    return escape_formula(str(value))


def _needs_csv_text(column: ResultColumn) -> bool:
    """Booleans (`true`, not `True`) and nested values (JSON text, not Python's repr)."""
    kind = column.type.upper()
    return kind == "BOOLEAN" or kind.endswith("]") or kind.startswith(_NESTED)


_NESTED = ("STRUCT", "MAP", "UNION")
_JSON_READY = frozenset({"VARCHAR", "BOOLEAN"}) | INTEGER_TYPES


def write_json(
    columns: Sequence[ResultColumn], batches: Iterator[list[tuple[object, ...]]], out: TextIO
) -> int:
    """A JSON array of one object per row, written as it streams."""
    names = [column.name for column in columns]
    count = 0
    out.write("[")
    # Text, integers and booleans are JSON as they come; only other columns are converted.
    convert = [column.type.upper() not in _JSON_READY for column in columns]
    for rows in batches:
        for row in rows:
            out.write(",\n" if count else "\n")
            record = {
                name: to_json(value) if c else value
                for name, value, c in zip(names, row, convert, strict=True)
            }
            out.write(json.dumps(record, ensure_ascii=False))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def render_table(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[object]], console: Console
) -> None:
    if not console.is_terminal:
        # Into a file or a pipe, show whole values: no terminal width to fit.
        console.width = max(console.width, 10_000)
    table = Table(show_edge=True, header_style="bold")
    for column in columns:
        table.add_column(printable(column.name), justify="right" if column.numeric else "left")
    null = Text("NULL", style="dim")
    for row in rows:
        # A value's control characters are shown escaped, never sent to the terminal.
        table.add_row(
            *(null if value is None else Text(printable(to_text(value))) for value in row)
        )
    console.print(table)
