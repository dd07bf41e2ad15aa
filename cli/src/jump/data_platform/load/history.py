"""The lakehouse's record of every load: `platform.loads`, one row per table a load wrote.

`status` reads it; `load` reads it (with the loaded `extract_metadata`) to refuse an extract
older than what is loaded. It lives outside the `sources` schema, which mirrors the
applications and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from jump.data_platform.lakehouse import table_exists

PLATFORM_SCHEMA = "platform"
LOADS_TABLE = f"{PLATFORM_SCHEMA}.loads"

_ROWS_VIEW = "_jump_load_record"

FULL = "full"
INCREMENTAL = "incremental"

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {LOADS_TABLE} (
    load_id BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    as_of VARCHAR,
    table_name VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_deleted BIGINT NOT NULL,
    rows_total BIGINT NOT NULL,
    seconds DOUBLE NOT NULL
)
"""


@dataclass(frozen=True)
class TableChange:
    """What one load did to one table of the `sources` schema."""

    source: str
    name: str  # in the `sources` schema
    mode: str  # FULL (replaced) or INCREMENTAL (only the changed rows)
    inserted: int
    updated: int
    deleted: int
    rows: int  # after the load
    seconds: float

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


@dataclass(frozen=True)
class LoadRecord:
    """One load of one source, summed over its tables (what `status` shows)."""

    load_id: int
    loaded_at: datetime
    source: str
    as_of: str | None
    mode: str
    inserted: int
    updated: int
    deleted: int
    rows: int
    seconds: float


def record_load(
    connection: duckdb.DuckDBPyConnection,
    loaded_at: datetime,
    as_of: dict[str, str | None],
    changes: Sequence[TableChange],
) -> int:
    """Append this load's rows to `platform.loads` (inside the load's transaction)."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA}")
    connection.execute(_CREATE)
    row = connection.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {LOADS_TABLE}").fetchone()
    load_id = int(row[0]) if row else 1
    rows = pa.table(
        {
            "load_id": pa.array([load_id] * len(changes), pa.int64()),
            "loaded_at": pa.array([loaded_at] * len(changes), pa.timestamp("us")),
            "source": [change.source for change in changes],
            "as_of": pa.array([as_of.get(change.source) for change in changes], pa.string()),
            "table_name": [change.name for change in changes],
            "mode": [change.mode for change in changes],
            "rows_inserted": pa.array([change.inserted for change in changes], pa.int64()),
            "rows_updated": pa.array([change.updated for change in changes], pa.int64()),
            "rows_deleted": pa.array([change.deleted for change in changes], pa.int64()),
            "rows_total": pa.array([change.rows for change in changes], pa.int64()),
            "seconds": pa.array([change.seconds for change in changes], pa.float64()),
        }
    )
    # One bulk insert: executemany costs a statement per row.
    connection.register(_ROWS_VIEW, rows)
    try:
        connection.execute(f"INSERT INTO {LOADS_TABLE} BY NAME SELECT * FROM {_ROWS_VIEW}")
    finally:
        connection.unregister(_ROWS_VIEW)
    return load_id


def recent_loads(connection: duckdb.DuckDBPyConnection, limit: int = 5) -> list[LoadRecord]:
    """The last `limit` loads of each source, newest first; none when never recorded."""
    if not table_exists(connection, LOADS_TABLE):
        return []
    rows = connection.execute(
        f"""
        WITH per_load AS (
            SELECT
                load_id, any_value(loaded_at) AS loaded_at, source, any_value(as_of) AS as_of,
                CASE WHEN bool_or(mode = '{FULL}') AND bool_or(mode = '{INCREMENTAL}')
                    THEN 'mixed' ELSE any_value(mode) END AS mode,
                sum(rows_inserted), sum(rows_updated), sum(rows_deleted), sum(rows_total),
                max(seconds)
            FROM {LOADS_TABLE}
            GROUP BY load_id, source
        )
        SELECT * FROM per_load
        QUALIFY row_number() OVER (PARTITION BY source ORDER BY load_id DESC) <= ?
        ORDER BY load_id DESC, source
        """,
        [limit],
    ).fetchall()
    return [
        LoadRecord(
            int(load_id),
            loaded_at,
            str(source),
            None if as_of is None else str(as_of),
            str(mode),
            int(inserted),
            int(updated),
            int(deleted),
            int(total),
            float(seconds),
        )
        for load_id, loaded_at, source, as_of, mode, inserted, updated, deleted, total, seconds in rows
    ]


def as_of_instant(text: str) -> datetime:
    """An extract's as-of as an instant: a date alone (`2026-06-30`, the older extracts) means
    the end of that day; a timestamp keeps its offset when it has one."""
    value = text.strip()
    if len(value) == 10:
        return datetime.fromisoformat(value) + timedelta(days=1)
    return datetime.fromisoformat(value)


def is_older(as_of: str, loaded_as_of: str) -> bool:
    """Whether an extract as of `as_of` is older than the one loaded. Two timestamps with
    offsets compare as instants; otherwise (a date, a naive timestamp) as wall-clock times in
    the company's time zone, which needs no time-zone database."""
    new, loaded = as_of_instant(as_of), as_of_instant(loaded_as_of)
    if (new.tzinfo is None) != (loaded.tzinfo is None):
        new, loaded = new.replace(tzinfo=None), loaded.replace(tzinfo=None)
    return new < loaded
