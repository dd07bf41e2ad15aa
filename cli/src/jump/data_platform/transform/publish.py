"""Write-audit-publish on DuckDB: readers see a layer's new relations only once dbt built and
tested them all, and the layers of one run appear together, in one transaction.

Each layer has two build slots, the schemas `<layer>__slot_a` and `<layer>__slot_b`. The
published schema `<layer>` (the one readers query) holds one view per model,
`select * from <layer>__slot_x.<model>`. A transform builds each selected layer into the slot
its views do not point at (dbt reads that schema from DATA_PLATFORM_SCHEMA_<LAYER>, see
dbt/macros/generate_schema_name.sql), reads the layers it does not build from the slot they are
published from, and, only when every model built and every error-level test passed, repoints
the views of the layers it built in one transaction. A failed or killed run changes no view:
the previous published state stays whole. Publishing takes a fraction of a second, and the slot
it retires is emptied (but for incremental models) so that the file does not grow
(docs/publishing.md).

DuckDB cannot rename a schema nor move a table to another one, so swapping schemas is not a
choice here. This module is DuckDB's: on another engine the dbt project builds straight into
the published schemas (no DATA_PLATFORM_SCHEMA_* set) and the transform skips it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import open_lakehouse, quote_identifier, table_exists
from jump.data_platform.storage.publish import STATE_SCHEMA, record_publication
from jump.data_platform.transform.layers import LAYERS

SLOTS: tuple[str, ...] = ("slot_a", "slot_b")
# What was published, when, by which transform: written in the publishing transaction.
STATE_TABLE = f"{STATE_SCHEMA}.layers"
# dbt's relations of a model being rebuilt (a killed run leaves them in a build slot).
DBT_TEMPORARY_SUFFIXES = ("__dbt_tmp", "__dbt_backup")
# What an incremental mart was last built from, kept beside it in its slot
# (dbt/macros/freelancer_inputs.sql): `<mart>__inputs`, and `__inputs_next` during a build.
INPUTS_SUFFIX = "__inputs"
INTERNAL_SUFFIXES = (*DBT_TEMPORARY_SUFFIXES, INPUTS_SUFFIX, f"{INPUTS_SUFFIX}_next")


def schema_variable(layer: str) -> str:
    """The environment variable naming the schema dbt builds `layer` into."""
    return f"DATA_PLATFORM_SCHEMA_{layer.upper()}"


def slot_schema(layer: str, slot: str) -> str:
    return f"{layer}__{slot}"


def is_internal(schema: str, name: str) -> bool:
    """Build slots, the publishing state and dbt's temporary relations: not for readers."""
    slots = {slot_schema(layer, slot) for layer in LAYERS for slot in SLOTS}
    return schema in slots or schema == STATE_SCHEMA or name.endswith(INTERNAL_SUFFIXES)


@dataclass(frozen=True)
class Publication:
    """A layer as readers see it: the build slot its views point at, and which run put it."""

    layer: str
    schema: str
    transform_started_at: dt.datetime
    published_at: dt.datetime


@dataclass(frozen=True)
class BuildPlan:
    """Where dbt builds each selected layer, and where it reads each other layer from."""

    build: Mapping[str, str]  # selected layer -> its build slot
    read: Mapping[str, str]  # other layer -> the schema it is published from

    @property
    def schemas(self) -> dict[str, str]:
        return {layer: {**self.build, **self.read}[layer] for layer in LAYERS}

    @property
    def environment(self) -> dict[str, str]:
        """The variables that tell the dbt project these schemas."""
        return {schema_variable(layer): schema for layer, schema in self.schemas.items()}

    @property
    def key(self) -> str:
        """A name for this set of schemas (dbt's parse depends on it)."""
        return "+".join(self.schemas.values())


def read_publications(connection: duckdb.DuckDBPyConnection) -> dict[str, Publication]:
    """The published layers, by layer; none before the first publish."""
    if not table_exists(connection, STATE_TABLE):
        return {}
    rows = connection.execute(
        f"select layer, built_in, transform_started_at, published_at from {STATE_TABLE}"
    ).fetchall()
    return {row[0]: Publication(*row) for row in rows}


def plan_build(lakehouse: Path, layers: Sequence[str]) -> BuildPlan:
    """Build each of `layers` into the slot readers do not see; read the others where they are
    published (the layer's own schema when it never was: a lakehouse built before publishing
    existed, or a layer not built yet)."""
    with open_lakehouse(lakehouse, read_only=True) as connection:
        published = read_publications(connection)
    build: dict[str, str] = {}
    read: dict[str, str] = {}
    for layer in LAYERS:
        current = published.get(layer)
        if layer in layers:
            taken = current.schema if current else None
            build[layer] = next(
                schema for schema in (slot_schema(layer, slot) for slot in SLOTS) if schema != taken
            )
        else:
            read[layer] = current.schema if current else layer
    return BuildPlan(build=build, read=read)


def built_relations(lakehouse: Path, plan: BuildPlan) -> dict[str, list[str]]:
    """The relations found in each build slot of `plan` (dbt's temporary ones left out): what a
    dbt build run outside `run_transform` (Dagster's) made, to publish."""
    with open_lakehouse(lakehouse, read_only=True) as connection:
        return {
            layer: sorted(
                name
                for (name,) in connection.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = current_database() and table_schema = ?",
                    [schema],
                ).fetchall()
                if not name.endswith(INTERNAL_SUFFIXES)
            )
            for layer, schema in plan.build.items()
        }


def publish_layers(
    lakehouse: Path,
    plan: BuildPlan,
    models: Mapping[str, Iterable[str]],
    transform_started_at: dt.datetime,
    incremental: Mapping[str, Iterable[str]] | None = None,
    tests: Mapping[str, int] | None = None,
) -> int:
    """Make the relations dbt built (`models`: layer -> relation names) what readers see, every
    built layer at once: one transaction, or nothing if anything fails.

    The slot published until now is emptied in the same transaction, except the tables of
    `incremental` models (layer -> relation names) and what they were built from
    (`<model>__inputs`), which keep their state for the next build into that slot: a slot's other tables are rebuilt from nothing, and dropping them now
    lets the next build reuse their space rather than grow the file.

    The publication gets its id and record (storage/publish.py) in the same transaction, with
    `tests` (dbt status -> count) as its test results; the id is returned.
    """
    with open_lakehouse(lakehouse) as connection:
        try:
            connection.execute("begin transaction")
            previous = read_publications(connection)
            connection.execute(f"create schema if not exists {STATE_SCHEMA}")
            connection.execute(
                f"create table if not exists {STATE_TABLE} (layer varchar primary key,"
                " built_in varchar not null, transform_started_at timestamp not null,"
                " published_at timestamp not null)"
            )
            for layer, schema in plan.build.items():
                _repoint_layer(connection, layer, schema, sorted(models.get(layer, ())))
                retired = previous.get(layer)
                if retired is not None and retired.schema != schema:
                    kept = (incremental or {}).get(layer, ())
                    keep = {name + suffix for name in kept for suffix in ("", INPUTS_SUFFIX)}
                    _empty_slot(connection, retired.schema, keep)
                connection.execute(f"delete from {STATE_TABLE} where layer = ?", [layer])
                connection.execute(
                    f"insert into {STATE_TABLE} values (?, ?, ?, now() at time zone 'UTC')",
                    [layer, schema, transform_started_at],
                )
            publication_id = record_publication(
                connection, list(plan.build), transform_started_at, tests or {}
            )
            connection.execute("commit")
            return publication_id
        except duckdb.Error as error:
            with contextlib.suppress(duckdb.Error):  # nothing to undo if `begin` failed
                connection.execute("rollback")
            raise DataPlatformError(
                f"publishing {', '.join(plan.build)} in {lakehouse} failed, the previous "
                f"layers stay published: {first_line(error)}"
            ) from error


def _repoint_layer(
    connection: duckdb.DuckDBPyConnection, layer: str, schema: str, names: Sequence[str]
) -> None:
    """In the open transaction: the published schema `layer` holds exactly one view per name,
    over `schema`. Whatever else it held goes: the tables of a lakehouse built before
    publishing existed, a removed model's view, dbt's leftovers of an older layout."""
    published = quote_identifier(layer)
    connection.execute(f"create schema if not exists {published}")
    existing = connection.execute(
        "select table_name, table_type from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ?",
        [layer],
    ).fetchall()
    for name, kind in existing:
        if kind == "VIEW" and name in names:
            continue  # replaced below
        what = "view" if kind == "VIEW" else "table"
        connection.execute(f"drop {what} {published}.{quote_identifier(name)}")
    for name in names:
        relation = quote_identifier(name)
        connection.execute(
            f"create or replace view {published}.{relation} as"
            f" select * from {quote_identifier(schema)}.{relation}"
        )


def _empty_slot(connection: duckdb.DuckDBPyConnection, schema: str, keep: set[str]) -> None:
    """In the open transaction: drop the relations of a slot readers no longer see, but those
    named in `keep`."""
    for name, kind in connection.execute(
        "select table_name, table_type from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ?",
        [schema],
    ).fetchall():
        if name not in keep:
            what = "view" if kind == "VIEW" else "table"
            connection.execute(f"drop {what} {quote_identifier(schema)}.{quote_identifier(name)}")
