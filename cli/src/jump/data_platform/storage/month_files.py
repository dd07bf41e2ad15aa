"""A large mart kept as one Parquet file per month, so that keeping a publication writes only
the months that changed since the last kept one and shares the others' files (hard links).

An hourly refresh changes the current month of the per-freelancer marts (1.8 million rows at
scale 100), not the 35 months before it: written whole, they cost 0.5 s of every refresh;
by month, 0.04 s.

A mart is kept by month when it has a `month` DATE column, never NULL, and several rows per month
(`turnover_by_cohort`, `freelancer_cumulative_turnover`); a mart of one row per month stays one
file. Its folder `marts.<name>/` holds `<month>_<n>.parquet`; the manifest records, under
`month_files`, the mart's columns and each month's row count and checksum, which the next
publication compares with its own.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.lakehouse import quote_literal
from jump.data_platform.storage.parquet import PARQUET_OPTIONS

MONTH_FILES = "month_files"  # the manifest's key
COLUMNS = "columns"  # in a mart's figures: its columns and their types
_PARTITIONS = ".partitions"  # where DuckDB writes the months before they are named
# A content checksum that ignores row order: the sum of the rows' hashes, modulo 2^64 (of the
# rows of `t`). A mart's is the sum of its months', modulo the same.
CHECKSUM_MODULUS = 2**64
CHECKSUM_SQL = f"coalesce(sum(hash(t)) % {CHECKSUM_MODULUS}, 0)::ubigint"


@dataclass(frozen=True)
class MonthScan:
    """One scan of a mart with a `month` DATE column: its figures by month when it is kept by
    month (else None), and its row count and checksum in all (as the publication records them:
    the sum of the months', modulo 2^64)."""

    figures: dict[str, Any] | None
    rows: int
    checksum: int


def scan_months(connection: duckdb.DuckDBPyConnection, relation: str) -> MonthScan | None:
    """The mart's month figures and totals (MonthScan); None when it has no `month` DATE
    column."""
    columns = connection.execute(f"describe {relation}").fetchall()
    if {name: kind for name, kind, *_ in columns}.get("month") != "DATE":
        return None
    rows = connection.execute(
        f"select month, count(*), {CHECKSUM_SQL} from {relation} as t group by month"
    ).fetchall()
    total = sum(count for _, count, _ in rows)
    checksum = sum(int(value) for _, _, value in rows) % CHECKSUM_MODULUS
    if any(month is None for month, *_ in rows) or total <= len(rows):
        return MonthScan(None, total, checksum)
    figures: dict[str, Any] = {COLUMNS: [f"{name} {kind}" for name, kind, *_ in columns]}
    figures.update({_month(month): f"{count} {value}" for month, count, value in rows})
    return MonthScan(figures, total, checksum)


def kept_month_figures(
    connection: duckdb.DuckDBPyConnection, relation: str
) -> dict[str, Any] | None:
    """The mart's columns, and each month's row count and checksum (as publish.scanned_marts),
    when it is kept by month: a `month` DATE column, never NULL, and more rows than months.
    None otherwise. One scan of the mart answers both."""
    scan = scan_months(connection, relation)
    return scan.figures if scan is not None else None


def write_months(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    folder: Path,
    figures: dict[str, Any],
    previous: tuple[Path, dict[str, Any]] | None,
) -> None:
    """Write the mart into `folder`, one file per month; a month whose figures equal those of
    `previous` (an earlier kept folder of the same mart, and its figures) shares its files."""
    folder.mkdir()
    to_write = sorted(month for month in figures if month != COLUMNS)
    if previous is not None and previous[1].get(COLUMNS) == figures[COLUMNS]:
        earlier, earlier_figures = previous
        for month in list(to_write):
            files = sorted(earlier.glob(f"{month}_*.parquet"))
            if earlier_figures.get(month) == figures[month] and files:
                for file in files:
                    os.link(file, folder / file.name)
                to_write.remove(month)
    if not to_write:
        return
    partitions = folder / _PARTITIONS
    months = ", ".join(f"date {quote_literal(month)}" for month in to_write)
    connection.execute(
        f"copy (select * from {relation} where month in ({months}))"
        f" to {quote_literal(str(partitions))}"
        f" ({PARQUET_OPTIONS}, partition_by (month), write_partition_columns true)"
    )
    for partition in partitions.iterdir():
        month = partition.name.removeprefix("month=")
        for file in sorted(partition.glob("*.parquet")):
            file.rename(folder / f"{month}_{file.stem}.parquet")
    shutil.rmtree(partitions)


def _month(value: object) -> str:
    assert isinstance(value, dt.date)  # scan_months keeps a DATE, never NULL
    return value.isoformat()
