"""What the lakehouse holds: relations and row counts per layer, freshness, the last transform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jump.data_platform.errors import first_line
from jump.data_platform.lakehouse import connect
from jump.data_platform.load.history import LOADS_TABLE, LoadRecord, recent_loads
from jump.data_platform.schedule.service import scheduler_running
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import LOADED_AT
from jump.data_platform.storage.writer import WriterRecord, read_writer
from jump.data_platform.tools.relations import Relation, list_relations
from jump.data_platform.tools.status_publications import PublicationSummary, recent_publications
from jump.data_platform.transform.publish import Publication, read_publications
from jump.data_platform.transform.run_record import (
    RUNNING,
    TransformRun,
    effective_state,
    load_run,
    transform_running,
)

# A source loaded longer ago than this is stale: the `warn_after` of the dbt project's source
# freshness (dbt/models/staging/_sources.yml; a test checks they agree). The App is extracted
# hourly, the CRM daily.
STALE_AFTER: dict[str, dt.timedelta] = {"app": dt.timedelta(days=1), "crm": dt.timedelta(days=2)}
DEFAULT_STALE_AFTER = dt.timedelta(days=1)


def stale_after(source: str) -> dt.timedelta:
    return STALE_AFTER.get(source, DEFAULT_STALE_AFTER)


@dataclass(frozen=True)
class RelationStatus:
    relation: Relation
    rows: int | None  # None when counting failed (a view over a missing table, for instance)
    error: str | None = None


@dataclass(frozen=True)
class ShownLoad:
    source: str
    load_id: int
    as_of: str | None


# Staging's views read the `sources` schema directly: they show its last load, whatever the
# publication says (only intermediate and marts are tables built by a transform).
READS_SOURCES = ("sources", "staging")


@dataclass
class LakehouseStatus:
    lakehouse: Path
    exists: bool
    relations: list[RelationStatus] = field(default_factory=list)
    # Source application (`app`, `crm`) -> its last `_loaded_at`, UTC and naive like the column.
    loaded_at: dict[str, dt.datetime] = field(default_factory=dict)
    checked_at: dt.datetime = field(default_factory=lambda: _utc_now())
    as_of: dict[str, str] = field(default_factory=dict)  # source -> simulated "now"
    transform: TransformRun | None = None  # the last transform, as it recorded itself
    transform_running: bool = False  # a transform holds its lock now
    scheduler_running: bool = False  # a scheduler holds its lock now
    published: dict[str, Publication] = field(default_factory=dict)  # layer -> what readers see
    loads: list[LoadRecord] = field(default_factory=list)  # newest first (platform.loads)
    # Which load of each source a layer shows: `sources` (and `staging`, views reading them)
    # the last one; a published table layer the last one before its transform started.
    shown_loads: dict[str, list[ShownLoad]] = field(default_factory=dict)
    # The months of marts.nps_monthly whose end the lakehouse did not observe (`is_observed`).
    unobserved_months: list[dt.date] = field(default_factory=list)
    writer: WriterRecord | None = None  # the refresh writing now (its lock's record)
    publications: list[PublicationSummary] = field(default_factory=list)  # newest first

    def fresh(self, source: str) -> bool:
        return self.checked_at - self.loaded_at[source] <= stale_after(source)

    @property
    def stale_sources(self) -> list[str]:
        return [source for source in sorted(self.loaded_at) if not self.fresh(source)]

    @property
    def transform_state(self) -> str | None:
        """running, succeeded, failed or interrupted (a run killed before it could say so)."""
        if self.transform is None:
            return None
        return effective_state(self.transform, self.transform_running)

    @property
    def transform_published(self) -> bool:
        """Whether the last transform's layers are those readers see (a run killed after its
        publishing transaction committed did publish)."""
        run = self.transform
        return run is not None and any(
            publication.transform_started_at == run.started_at
            for publication in self.published.values()
        )


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def gather_status(settings: Settings) -> LakehouseStatus:
    """Read everything `status` reports; a missing lakehouse is a state, not an error."""
    lakehouse = settings.lakehouse_file
    status = LakehouseStatus(lakehouse=lakehouse, exists=lakehouse.is_file())
    status.transform, status.transform_running = _last_transform(settings)
    status.writer = read_writer(settings)
    status.scheduler_running = scheduler_running(settings.schedule_lock_file)
    if not status.exists:
        return status
    connection = connect(lakehouse, read_only=True)
    try:
        relations = list_relations(connection)
        status.relations = [_count(connection, relation) for relation in relations]
        status.loaded_at = _last_loaded(connection, relations)
        status.as_of = _as_of(connection, relations)
        status.published = read_publications(connection)
        status.loads = _recent_loads(connection)
        status.shown_loads = _shown_loads(connection, status.published)
        status.unobserved_months = _unobserved_months(connection)
        status.publications = recent_publications(connection)
    finally:
        connection.close()
    return status


def _last_transform(settings: Settings) -> tuple[TransformRun | None, bool]:
    """The last transform's record, and whether a transform holds the lock now."""
    run: TransformRun | None = None
    transform_running_now = False
    for _ in range(2):
        run = load_run(settings.last_transform_file)
        transform_running_now = transform_running(settings.transform_lock_file)
        # `running` in the record and nobody holding the lock: killed, unless the run ended
        # between the two reads. Reading again tells.
        if run is None or run.state != RUNNING or transform_running_now:
            break
    return run, transform_running_now


def _count(connection: duckdb.DuckDBPyConnection, relation: Relation) -> RelationStatus:
    try:
        result = connection.execute(f"select count(*) from {relation.qualified}").fetchone()
    except duckdb.Error as error:
        return RelationStatus(relation, None, first_line(error))
    return RelationStatus(relation, int(result[0]) if result else 0)


def _last_loaded(
    connection: duckdb.DuckDBPyConnection, relations: list[Relation]
) -> dict[str, dt.datetime]:
    """The latest `_loaded_at` of each source application's tables: when `load` last copied it."""
    loaded = connection.execute(
        """
        select table_name from information_schema.columns
        where table_catalog = current_database() and table_schema = 'sources'
          and column_name = ?
        """,
        [LOADED_AT],
    ).fetchall()
    names = {name for (name,) in loaded}
    latest: dict[str, dt.datetime] = {}
    for table in relations:
        if table.schema != "sources" or table.name not in names:
            continue
        try:
            result = connection.execute(
                f"select max({LOADED_AT})::timestamp from {table.qualified}"
            ).fetchone()
        except duckdb.Error:  # not a timestamp: not a column `load` wrote
            continue
        value = result[0] if result else None
        source = table.name.split("__", 1)[0]
        if isinstance(value, dt.datetime) and (source not in latest or value > latest[source]):
            latest[source] = value
    return latest


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


def _shown_loads(
    connection: duckdb.DuckDBPyConnection, published: dict[str, Publication]
) -> dict[str, list[ShownLoad]]:
    """The load of each source each layer shows. A transform holds the lakehouse alone, so the
    loads it read are the last ones recorded before it started."""
    instants: dict[str, dt.datetime | None] = dict.fromkeys(READS_SOURCES)
    instants |= {
        layer: publication.transform_started_at
        for layer, publication in published.items()
        if layer not in READS_SOURCES
    }
    shown: dict[str, list[ShownLoad]] = {}
    for layer, before in instants.items():
        try:
            rows = connection.execute(
                f"""
                select source, max(load_id), arg_max(as_of, load_id) from {LOADS_TABLE}
                where ?::timestamp is null or loaded_at <= ?::timestamp
                group by source order by source
                """,
                [before, before],
            ).fetchall()
        except duckdb.Error:  # no load recorded yet, or an older layout: say nothing
            return {}
        shown[layer] = [ShownLoad(str(source), int(load), as_of) for source, load, as_of in rows]
    return shown


def _recent_loads(connection: duckdb.DuckDBPyConnection) -> list[LoadRecord]:
    """The last loads of each source, as `load` recorded them (none before the first)."""
    try:
        return recent_loads(connection)
    except duckdb.Error:  # an older or foreign layout: say nothing rather than fail
        return []


def _unobserved_months(connection: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """The NPS months reconstructed from later rows (none before the first transform)."""
    try:
        rows = connection.execute(
            "select month from marts.nps_monthly where not is_observed order by month"
        ).fetchall()
    except duckdb.Error:  # not built yet, or an older layout: say nothing rather than fail
        return []
    return [row[0] for row in rows]
