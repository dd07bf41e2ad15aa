"""Load's speed beside DuckDB's own SQLite scanner, copying the same files the same way.

Both sides copy every table of `app.sqlite` and `crm.sqlite` into a fresh lakehouse, in one
transaction followed by a checkpoint, adding `_loaded_at`. The scanner comes from the pinned
`duckdb-extension-sqlite-scanner` package (LOAD from its file: nothing is downloaded).

    cd cli && ../.venv/bin/python -m benchmarks.load_bench --scale 100
"""

from __future__ import annotations

import resource
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner

from benchmarks.measure import run_step_bench, timed
from jump.data_platform.lakehouse import quote_identifier
from jump.data_platform.load.loader import load_files
from jump.data_platform.load.sqlite_reader import SqliteFile
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import (
    LOADED_AT,
    SOURCE_NAMES,
    SOURCES_SCHEMA,
    lakehouse_table,
)


@dataclass(frozen=True)
class LoadComparison:
    rows: int
    ours_seconds: float  # median wall time
    scanner_seconds: float
    ours_cpu_seconds: float  # median CPU time: less sensitive to other processes
    scanner_cpu_seconds: float

    @property
    def ours_rows_per_second(self) -> float:
        return self.rows / self.ours_seconds

    @property
    def scanner_rows_per_second(self) -> float:
        return self.rows / self.scanner_seconds

    @property
    def ratio(self) -> float:
        """Our time over the scanner's: the goal is at most 1.5."""
        return self.ours_seconds / self.scanner_seconds


def scanner_extension() -> Path:
    package = Path(duckdb_extension_sqlite_scanner.__file__).parent
    return package / "extensions" / f"v{duckdb.__version__}" / "sqlite_scanner.duckdb_extension"


def scanner_load(files: dict[str, Path], lakehouse: Path) -> None:
    """The same copy as `load_files`, done by DuckDB's SQLite scanner."""
    stamp = f"TIMESTAMP '{datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(f"LOAD '{scanner_extension()}'")
        for source, path in files.items():
            alias = quote_identifier(f"scan_{source}")
            connection.execute(f"ATTACH '{path}' AS {alias} (TYPE sqlite, READ_ONLY)")
        connection.execute("BEGIN TRANSACTION")
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SOURCES_SCHEMA}")
        for source, path in files.items():
            alias = quote_identifier(f"scan_{source}")
            for table in SqliteFile(path).tables():
                name = quote_identifier(lakehouse_table(source, table.name))
                connection.execute(
                    f"CREATE OR REPLACE TABLE {SOURCES_SCHEMA}.{name} AS SELECT *, {stamp} AS "
                    f"{LOADED_AT} FROM {alias}.{quote_identifier(table.name)}"
                )
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")


def _timed_run(run: Callable[[Path], object]) -> tuple[float, float]:
    """Wall and CPU seconds (every thread of this process) of `run(fresh lakehouse path)`."""
    with tempfile.TemporaryDirectory() as folder:
        lakehouse = Path(folder) / "lakehouse.duckdb"
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        wall = timed(lambda: run(lakehouse))
        after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime


def compare_load(data_folder: Path, repeats: int = 3) -> LoadComparison:
    """Time our loader and the scanner on the source files of `data_folder`.

    The two alternate, so that both meet the same load from other processes; medians.
    """
    settings = Settings(data_folder=data_folder)
    files = {source: settings.source_file(source) for source in SOURCE_NAMES}
    with tempfile.TemporaryDirectory() as folder:
        rows = load_files(files, Path(folder) / "lakehouse.duckdb").rows  # also warms the cache
    ours, scanner = [], []
    for _ in range(repeats):
        ours.append(_timed_run(lambda lakehouse: load_files(files, lakehouse)))
        scanner.append(_timed_run(lambda lakehouse: scanner_load(files, lakehouse)))
    return LoadComparison(
        rows,
        ours_seconds=statistics.median(wall for wall, _ in ours),
        scanner_seconds=statistics.median(wall for wall, _ in scanner),
        ours_cpu_seconds=statistics.median(cpu for _, cpu in ours),
        scanner_cpu_seconds=statistics.median(cpu for _, cpu in scanner),
    )


def scanner_copy_seconds(data_folder: Path, repeats: int = 3) -> float:
    """The scanner's copy of the source files of `data_folder` into a fresh lakehouse: the
    median wall seconds (after a first run that warms the files' pages)."""
    settings = Settings(data_folder=data_folder)
    files = {source: settings.source_file(source) for source in SOURCE_NAMES}
    runs = [
        _timed_run(lambda lakehouse: scanner_load(files, lakehouse)) for _ in range(repeats + 1)
    ]
    return statistics.median(wall for wall, _ in runs[1:])


def report(comparison: LoadComparison) -> str:
    return "\n".join(
        [
            f"rows loaded: {comparison.rows:,}",
            f"ours (ADBC + Arrow): {comparison.ours_seconds:.2f} s, "
            f"{comparison.ours_rows_per_second:,.0f} rows/s, "
            f"CPU {comparison.ours_cpu_seconds:.2f} s",
            f"DuckDB sqlite_scanner: {comparison.scanner_seconds:.2f} s, "
            f"{comparison.scanner_rows_per_second:,.0f} rows/s, "
            f"CPU {comparison.scanner_cpu_seconds:.2f} s",
            f"ours / scanner time: {comparison.ratio:.2f} (goal <= 1.5); "
            f"ours >= 1,000,000 rows/s: {comparison.ours_rows_per_second >= 1_000_000}",
        ]
    )


def run() -> None:
    run_step_bench(
        __doc__.splitlines()[0] if __doc__ else None,
        "sources/ holds app.sqlite and crm.sqlite",
        [],
        lambda folder, repeats: report(compare_load(folder, repeats)),
    )


if __name__ == "__main__":
    run()
