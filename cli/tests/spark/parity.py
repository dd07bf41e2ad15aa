"""How the parity tests compare an engine's table with DuckDB's: EXCEPT ALL both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from jump.data_platform.settings import Settings


def spark_tables(settings: Settings, schema: str) -> dict[str, pa.Table]:
    from jump.data_platform.spark_lakehouse import open_spark

    spark = open_spark(settings)  # the session the CLI opened in this process
    names = [row.tableName for row in spark.sql(f"show tables in {schema}").collect()]
    return {name: _naive_timestamps(spark.table(f"{schema}.{name}").toArrow()) for name in names}


def _naive_timestamps(table: pa.Table) -> pa.Table:
    """Spark's timestamps come as UTC instants; DuckDB's TIMESTAMP are naive UTC times."""
    fields = [
        pa.field(f.name, pa.timestamp(f.type.unit))
        if pa.types.is_timestamp(f.type) and f.type.tz
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def duckdb_tables(lakehouse: Path, schema: str) -> list[str]:
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        rows = connection.execute(
            "select table_name from information_schema.tables "
            # Published layers are views over a build slot (docs/publishing.md).
            "where table_schema = ? and table_type in ('BASE TABLE', 'VIEW') order by 1",
            [schema],
        ).fetchall()
    return [name for (name,) in rows]


def differences(lakehouse: Path, relation: str, spark_rows: pa.Table) -> dict[str, Any]:
    """Rows of DuckDB's table missing from Spark's and the reverse (EXCEPT ALL both ways)."""
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        columns = [
            name
            for (name,) in connection.execute(
                f"select column_name from information_schema.columns "
                f"where table_schema || '.' || table_name = '{relation}' order by ordinal_position"
            ).fetchall()
        ]
        assert sorted(columns) == sorted(spark_rows.column_names), relation
        selected = ", ".join(f'"{column}"' for column in columns)
        connection.register("spark_rows", spark_rows)
        only_duckdb = connection.execute(
            f"select {selected} from {relation} except all select {selected} from spark_rows"
        ).fetchall()
        only_spark = connection.execute(
            f"select {selected} from spark_rows except all select {selected} from {relation}"
        ).fetchall()
        count = connection.execute(f"select count(*) from {relation}").fetchone()
    return {
        "rows": count[0] if count else 0,
        "only_duckdb": only_duckdb[:3],
        "only_spark": only_spark[:3],
    }
