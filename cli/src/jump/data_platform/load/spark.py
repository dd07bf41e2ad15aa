"""Load the SQLite sources into the Spark warehouse's `sources` schema (`--engine spark`).

The files are read and checked exactly as for DuckDB (the same reader, into Arrow); each table
then becomes a Spark DataFrame (from Arrow) with the same `_loaded_at` column, written as a
Parquet table `sources.<application>__<table>`. Spark has no transaction across tables: every
table is first written under a staging name, and the tables are swapped in only once all of
them are written, so a bad file or a failing write leaves the previous tables in place.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.load.history import FULL, TableChange
from jump.data_platform.load.loader import LoadResult, checked_file, summarize
from jump.data_platform.load.sqlite_reader import ReadTable, read_tables
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import LOADED_AT, SOURCES_SCHEMA, lakehouse_table
from jump.data_platform.spark_lakehouse import open_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STAGING_SUFFIX = "__loading"


def load_sources_spark(
    settings: Settings, sources: Sequence[str], reporter: Reporter | None = None
) -> LoadResult:
    """Load the given sources (`app`, `crm`) of the data folder into its Spark warehouse."""
    reporter = reporter or Reporter(quiet=True)
    files = {source: settings.source_file(source) for source in dict.fromkeys(sources)}
    started = time.perf_counter()
    with reporter.step(f"Reading {', '.join(str(path) for path in files.values())}"):
        plan = [(source, *checked_file(source, path)) for source, path in files.items()]
        read = list(read_tables(plan))
    with reporter.step(f"Starting Spark ({settings.spark_folder})"):
        spark = open_spark(settings)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    warehouse = settings.spark_warehouse_folder
    with reporter.step(f"Writing {warehouse}"):
        loaded = _write(spark, read, loaded_at, reporter, str(warehouse))
    # No load record on Spark (platform.loads is the DuckDB lakehouse's): load id 0.
    result = LoadResult(warehouse, loaded_at, loaded, 0, time.perf_counter() - started)
    summarize(result, reporter)
    return result


def _write(
    spark: SparkSession,
    read: Sequence[ReadTable],
    loaded_at: datetime,
    reporter: Reporter,
    warehouse: str,
) -> tuple[TableChange, ...]:
    """Write every table under its staging name, then swap them all in."""
    from pyspark.sql import functions

    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SOURCES_SCHEMA}")
    loaded: list[TableChange] = []
    staged: list[str] = []
    try:
        for table in read:
            name = lakehouse_table(table.label, table.info.name)
            started = time.perf_counter()
            # The session's time zone is UTC: the text reads as the UTC time DuckDB stores.
            frame = spark.createDataFrame(table.data).withColumn(
                LOADED_AT, functions.lit(loaded_at.isoformat(sep=" ")).cast("timestamp")
            )
            staging = f"{SOURCES_SCHEMA}.{name}{STAGING_SUFFIX}"
            frame.write.mode("overwrite").format("parquet").saveAsTable(staging)
            staged.append(name)
            loaded.append(
                TableChange(
                    source=table.label,
                    name=name,
                    mode=FULL,
                    inserted=table.data.num_rows,
                    updated=0,
                    deleted=0,
                    rows=table.data.num_rows,
                    seconds=table.seconds + time.perf_counter() - started,
                )
            )
            reporter.info(f"wrote {SOURCES_SCHEMA}.{name}: {table.data.num_rows:,} rows")
    except Exception as error:  # py4j and Spark raise many kinds; one line for the user
        for name in staged:
            spark.sql(f"DROP TABLE IF EXISTS {SOURCES_SCHEMA}.{name}{STAGING_SUFFIX}")
        raise DataPlatformError(
            f"cannot write to the Spark warehouse {warehouse}: "
            f"{str(error).strip().splitlines()[0]}; the warehouse was left as it was"
        ) from error
    # Every table is written: swap them in (a rename in the metastore, files moved on disk).
    for name in staged:
        spark.sql(f"DROP TABLE IF EXISTS {SOURCES_SCHEMA}.{name}")
        spark.sql(
            f"ALTER TABLE {SOURCES_SCHEMA}.{name}{STAGING_SUFFIX} RENAME TO {SOURCES_SCHEMA}.{name}"
        )
    return tuple(loaded)
