"""What the lakehouse holds: relations and row counts per layer, freshness, the last transform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jump.data_platform.lakehouse_tools.connection import first_line, open_read_only
from jump.data_platform.lakehouse_tools.relations import Relation, list_relations
from jump.data_platform.lakehouse_tools.run_results import TransformOutcome, read_run_results
from jump.data_platform.settings import Settings

# Sources loaded longer ago than this are stale: the same threshold as the `warn_after` of the
# dbt project's source freshness (the App is extracted hourly, the CRM daily).
FRESHNESS_THRESHOLD = dt.timedelta(days=1)
LOADED_AT_COLUMN = "_loaded_at"


@dataclass(frozen=True)
class RelationStatus:
    relation: Relation
    rows: int | None  # None when counting failed (a view over a missing table, for instance)
    error: str | None = None


@dataclass
class LakehouseStatus:
    lakehouse: Path
    exists: bool
    relations: list[RelationStatus] = field(default_factory=list)
    loaded_at: dt.datetime | None = None  # UTC, naive like `_loaded_at`
    checked_at: dt.datetime = field(default_factory=lambda: _utc_now())
    as_of: dict[str, str] = field(default_factory=dict)  # source -> simulated "now"
    transform: TransformOutcome | None = None

    @property
    def fresh(self) -> bool | None:
        if self.loaded_at is None:
            return None
        return self.checked_at - self.loaded_at <= FRESHNESS_THRESHOLD


def run_results_file(settings: Settings) -> Path:
    """Where the transform step tells dbt to write its artifacts (`--target-path`)."""
    return settings.data_folder / "dbt" / "target" / "run_results.json"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def gather_status(settings: Settings) -> LakehouseStatus:
    """Read everything `status` reports; a missing lakehouse is a state, not an error."""
    lakehouse = settings.lakehouse_file
    status = LakehouseStatus(lakehouse=lakehouse, exists=lakehouse.is_file())
    status.transform = read_run_results(run_results_file(settings))
    if not status.exists:
        return status
    connection = open_read_only(lakehouse)
    try:
        relations = list_relations(connection)
        status.relations = [_count(connection, relation) for relation in relations]
        status.loaded_at = _last_loaded(connection, relations)
        status.as_of = _as_of(connection, relations)
    finally:
        connection.close()
    return status


def _count(connection: duckdb.DuckDBPyConnection, relation: Relation) -> RelationStatus:
    try:
        result = connection.execute(f"select count(*) from {relation.qualified}").fetchone()
    except duckdb.Error as error:
        return RelationStatus(relation, None, first_line(error))
    return RelationStatus(relation, int(result[0]) if result else 0)


def _last_loaded(
    connection: duckdb.DuckDBPyConnection, relations: list[Relation]
) -> dt.datetime | None:
    """The latest `_loaded_at` over the sources tables: when `load` last ran."""
    loaded = connection.execute(
        """
        select table_name from information_schema.columns
        where table_catalog = current_database() and table_schema = 'sources'
          and column_name = ?
        """,
        [LOADED_AT_COLUMN],
    ).fetchall()
    names = {name for (name,) in loaded}
    tables = [r for r in relations if r.schema == "sources" and r.name in names]
    if not tables:
        return None
    union = " union all ".join(
        f"select max({LOADED_AT_COLUMN})::timestamp as loaded from {table.qualified}"
        for table in tables
    )
    try:
        result = connection.execute(f"select max(loaded) from ({union})").fetchone()
    except duckdb.Error:
        return None
    value = result[0] if result else None
    return value if isinstance(value, dt.datetime) else None


def _as_of(connection: duckdb.DuckDBPyConnection, relations: list[Relation]) -> dict[str, str]:
    """The simulated "now" of each source, from `sources.<source>__extract_metadata`."""
    as_of: dict[str, str] = {}
    for relation in relations:
        if relation.schema != "sources" or not relation.name.endswith("__extract_metadata"):
            continue
        source = relation.name.removesuffix("__extract_metadata")
        try:
            result = connection.execute(f"select max(as_of) from {relation.qualified}").fetchone()
        except duckdb.Error:  # an older or foreign layout: say nothing rather than fail
            continue
        if result and result[0] is not None:
            as_of[source] = str(result[0])
    return as_of
