"""Write-audit-publish on DuckDB: readers see a model's new relation only once dbt built and
tested every model of the run, and the models of one run appear together, in one transaction.

Each layer has two build slots, the schemas `<layer>__slot_a` and `<layer>__slot_b`. The
published schema `<layer>` (the one readers query) holds one view per model,
`select * from <layer>__slot_x.<model>`. A transform builds each model it rebuilds
(transform/selection.py) into the slot its view does not point at (dbt reads the schemas from
DATA_PLATFORM_MODEL_SCHEMAS and DATA_PLATFORM_SCHEMA_<LAYER>, see
dbt/macros/generate_schema_name.sql), reads every other model where it is published, and, only
when every model built and every error-level test passed, repoints the views of the models it
built in one transaction. A failed or killed run changes no view: the previous published state
stays whole. Publishing takes a fraction of a second, and the table a model retires is dropped
(but for incremental models) so that the file does not grow (docs/publishing.md).

DuckDB cannot rename a schema nor move a table to another one, so swapping schemas is not a
choice here. This module is DuckDB's: on another engine the dbt project builds straight into
the published schemas (no DATA_PLATFORM_SCHEMA_* set) and the transform skips it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import (
    open_lakehouse,
    quote_identifier,
    relation_kinds,
    table_exists,
)
from jump.data_platform.storage.publish import STATE_SCHEMA, record_publication
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.selection import BuiltState

SLOTS: tuple[str, ...] = ("slot_a", "slot_b")
# What was published, when, by which transform: written in the publishing transaction.
STATE_TABLE = f"{STATE_SCHEMA}.layers"
# Each published model and snapshot: the slot it lives in and what it was built from.
MODELS_TABLE = f"{STATE_SCHEMA}.models"
MODEL_SCHEMAS_VARIABLE = "DATA_PLATFORM_MODEL_SCHEMAS"
# dbt's relations of a model being rebuilt (a killed run leaves them in a build slot).
DBT_TEMPORARY_SUFFIXES = ("__dbt_tmp", "__dbt_backup")
# What an incremental mart was last built from, kept beside it in its slot
# (dbt/macros/freelancer_inputs.sql): `<mart>__inputs`, and `__inputs_next` during a build.
INPUTS_SUFFIX = "__inputs"
# The parts of such a mart that no passing test has checked yet (dbt/macros/kept_inputs.sql).
UNCHECKED_SUFFIX = "__unchecked"
INTERNAL_SUFFIXES = (
    *DBT_TEMPORARY_SUFFIXES,
    INPUTS_SUFFIX,
    f"{INPUTS_SUFFIX}_next",
    UNCHECKED_SUFFIX,
)


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
    """Where dbt builds each model, and where it reads the models it does not build.

    Each model lives in one of its layer's two slots; a model being built goes to the other one
    (readers keep seeing the published one until the publish), so the models of one layer may
    live in different slots after a transform that rebuilt only some of them.
    """

    layers: tuple[str, ...]  # the layers with a model to build
    schemas: Mapping[str, str]  # model name -> the schema it is built in, or read from
    defaults: Mapping[str, str]  # layer -> the schema of a model never published yet
    selected: frozenset[str] | None = None  # models and snapshots to build; None: all of layers

    @property
    def full(self) -> bool:
        return self.selected is None

    def schema_for(self, layer: str, relation: str) -> str:
        """The schema of a model of `layer` named `relation` (its file `<layer>__<relation>`)."""
        return self.schemas.get(f"{layer}__{relation}", self.defaults[layer])

    def build_schemas(self, layer: str) -> set[str]:
        """The slots this plan builds models of `layer` into."""
        return {slot_schema(layer, slot) for slot in SLOTS} if layer in self.layers else set()

    @property
    def environment(self) -> dict[str, str]:
        """The variables that tell the dbt project these schemas
        (dbt/macros/generate_schema_name.sql)."""
        return {
            **{schema_variable(layer): schema for layer, schema in self.defaults.items()},
            MODEL_SCHEMAS_VARIABLE: json.dumps(dict(sorted(self.schemas.items()))),
        }


@dataclass(frozen=True)
class BuiltNode:
    """A model or snapshot a transform built, to publish: where, and from what."""

    name: str  # dbt's node name (`marts__nps`)
    layer: str
    relation: str
    schema: str
    materialized: str = "table"
    inputs: Mapping[str, str] = field(default_factory=dict)  # source -> fingerprint
    project: str = ""  # the project fingerprint it was built with ("": unknown)


def read_publications(connection: duckdb.DuckDBPyConnection) -> dict[str, Publication]:
    """The published layers, by layer; none before the first publish."""
    if not table_exists(connection, STATE_TABLE):
        return {}
    rows = connection.execute(
        f"select layer, built_in, transform_started_at, published_at from {STATE_TABLE}"
    ).fetchall()
    return {row[0]: Publication(*row) for row in rows}


@dataclass(frozen=True)
class PublishedNode:
    layer: str
    relation: str
    built_in: str
    state: BuiltState


def read_published_nodes(connection: duckdb.DuckDBPyConnection) -> dict[str, PublishedNode]:
    """Each published model and snapshot, by dbt node name: where it lives and what it was
    built from (empty before the first publish that recorded them)."""
    if not table_exists(connection, MODELS_TABLE):
        return {}
    rows = connection.execute(
        f"select node, layer, relation, built_in, project, inputs from {MODELS_TABLE}"
    ).fetchall()
    return {
        str(node): PublishedNode(
            str(layer), str(relation), str(built_in), BuiltState(str(project), json.loads(inputs))
        )
        for node, layer, relation, built_in, project, inputs in rows
    }


def plan_build(
    lakehouse: Path,
    layers: Sequence[str],
    selected: Iterable[str] | None = None,
    in_place: Iterable[str] = (),
) -> BuildPlan:
    """Build the models of `layers` (all of them, or only the nodes named in `selected`) into
    the slot their published view does not read, but the incremental models named in
    `in_place`, which dbt updates where they are (their state is there); read every other
    model where it is published (the layer's own schema when it never was: a lakehouse built
    before publishing existed)."""
    with open_lakehouse(lakehouse, read_only=True) as connection:
        published = read_publications(connection)
        nodes = read_published_nodes(connection)
    chosen = None if selected is None else frozenset(selected)
    updated_in_place = frozenset(in_place)

    def building(name: str, layer: str) -> bool:
        return layer in layers and (chosen is None or name in chosen)

    defaults: dict[str, str] = {}
    for layer in LAYERS:
        current = published.get(layer)
        if layer in layers:
            defaults[layer] = _other_slot(current.schema if current else "", layer)
        else:
            defaults[layer] = current.schema if current else layer
    schemas = {
        name: _other_slot(node.built_in, node.layer)
        if building(name, node.layer) and name not in updated_in_place
        else node.built_in
        for name, node in nodes.items()
        if node.layer in LAYERS
    }
    built_layers = tuple(
        layer
        for layer in LAYERS
        if layer in layers
        and (chosen is None or any(name.startswith(f"{layer}__") for name in chosen))
    )
    return BuildPlan(layers=built_layers, schemas=schemas, defaults=defaults, selected=chosen)


def built_relations(lakehouse: Path, plan: BuildPlan) -> list[BuiltNode]:
    """The models a full dbt build run outside `run_transform` (Dagster's) made, found where
    the plan built them (dbt's temporary relations left out), to publish."""
    found: list[BuiltNode] = []
    with open_lakehouse(lakehouse, read_only=True) as connection:
        for layer in plan.layers:
            for schema in sorted(plan.build_schemas(layer)):
                for (name,) in connection.execute(
                    "select table_name from information_schema.tables"
                    " where table_catalog = current_database() and table_schema = ?",
                    [schema],
                ).fetchall():
                    if (
                        not name.endswith(INTERNAL_SUFFIXES)
                        and plan.schema_for(layer, name) == schema
                    ):
                        found.append(BuiltNode(f"{layer}__{name}", layer, name, schema))
    return found


def publish_layers(
    lakehouse: Path,
    plan: BuildPlan,
    built: Sequence[BuiltNode],
    transform_started_at: dt.datetime,
    tests: Mapping[str, int] | None = None,
) -> int:
    """Make the models dbt built what readers see, all at once: one transaction, or nothing if
    anything fails. Each model's view is repointed to the slot it was built in; the table it
    retires is dropped (its space reused by the next build), but for an incremental model's,
    kept with what it was built from (`<model>__inputs`) for its next build into that slot.
    A full build also drops what no model owns any more in its layers (a removed model, the
    tables of a lakehouse built before publishing existed).

    The nodes built (snapshots included) are recorded with what they were built from
    (selection.py); the publication gets its id and record (storage/publish.py) in the same
    transaction, with `tests` (dbt status -> count) as its test results; the id is returned.
    """
    with open_lakehouse(lakehouse) as connection:
        try:
            connection.execute("begin transaction")
            previous = read_publications(connection)
            nodes = read_published_nodes(connection)
            connection.execute(f"create schema if not exists {STATE_SCHEMA}")
            connection.execute(
                f"create table if not exists {STATE_TABLE} (layer varchar primary key,"
                " built_in varchar not null, transform_started_at timestamp not null,"
                " published_at timestamp not null)"
            )
            connection.execute(
                f"create table if not exists {MODELS_TABLE} (node varchar primary key,"
                " layer varchar not null, relation varchar not null, built_in varchar not null,"
                " project varchar not null, inputs varchar not null,"
                " published_at timestamp not null)"
            )
            catalog = _Catalog.read(connection)
            for layer in sorted({node.layer for node in built if node.layer in LAYERS}):
                connection.execute(f"create schema if not exists {quote_identifier(layer)}")
            for node in built:
                if node.layer in LAYERS:
                    _repoint_model(catalog, node)
                    _retire(catalog, node, nodes.get(node.name), previous.get(node.layer))
                connection.execute(f"delete from {MODELS_TABLE} where node = ?", [node.name])
                connection.execute(
                    f"insert into {MODELS_TABLE} values (?, ?, ?, ?, ?, ?,"
                    " now() at time zone 'UTC')",
                    [
                        node.name,
                        node.layer,
                        node.relation,
                        node.schema,
                        node.project,
                        json.dumps(dict(node.inputs), sort_keys=True),
                    ],
                )
            if plan.full:
                for layer in plan.layers:
                    _tidy_layer(catalog, layer, [node for node in built if node.layer == layer])
            for layer in plan.layers:
                connection.execute(f"delete from {STATE_TABLE} where layer = ?", [layer])
                connection.execute(
                    f"insert into {STATE_TABLE} values (?, ?, ?, now() at time zone 'UTC')",
                    [layer, plan.defaults[layer], transform_started_at],
                )
            publication_id = record_publication(
                connection, list(plan.layers), transform_started_at, tests or {}
            )
            connection.execute("commit")
            return publication_id
        except duckdb.Error as error:
            with contextlib.suppress(duckdb.Error):  # nothing to undo if `begin` failed
                connection.execute("rollback")
            raise DataPlatformError(
                f"publishing {', '.join(plan.layers)} in {lakehouse} failed, the previous "
                f"layers stay published: {first_line(error)}"
            ) from error


@dataclass
class _Catalog:
    """The relations of the lakehouse's own database as the publishing transaction changes
    them, read once: a publication dropped or repointed 60 to 90 relations an hour, and asked
    DuckDB's information schema about each first (about 3 ms a question at scale 100)."""

    connection: duckdb.DuckDBPyConnection
    kinds: dict[tuple[str, str], str]  # (schema, name) -> table_type: "BASE TABLE", "VIEW"

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection) -> _Catalog:
        return cls(connection, relation_kinds(connection))

    def relations(self, schema: str) -> list[tuple[str, str]]:
        """The names and kinds of `schema`'s relations."""
        return sorted((name, kind) for (owner, name), kind in self.kinds.items() if owner == schema)

    def drop(self, schema: str, name: str) -> None:
        """Drop `schema.name`, a table or a view, if it exists."""
        kind = self.kinds.pop((schema, name), None)
        if kind is not None:
            what = "view" if kind == "VIEW" else "table"
            self.connection.execute(
                f"drop {what} {quote_identifier(schema)}.{quote_identifier(name)}"
            )


def _retire(
    catalog: _Catalog,
    node: BuiltNode,
    former: PublishedNode | None,
    layer: Publication | None,
) -> None:
    """In the open transaction: drop what `node` replaced. An incremental model keeps one copy
    of its state, where it was built (a copy in its other slot, a lakehouse's from before
    in-place updates, goes); any other model's previous table goes."""
    if node.materialized == "incremental":
        other = _other_slot(node.schema, node.layer)
        for suffix in ("", *INTERNAL_SUFFIXES):
            catalog.drop(other, node.relation + suffix)
        return
    retired = former.built_in if former else (layer.schema if layer else None)
    if retired not in (None, node.schema):
        catalog.drop(str(retired), node.relation)


def _repoint_model(catalog: _Catalog, node: BuiltNode) -> None:
    """In the open transaction: the published view of `node` reads the slot it was built in
    (its schema exists)."""
    published = (node.layer, node.relation)
    # A table where the view goes: a lakehouse built before publishing.
    if catalog.kinds.get(published, "VIEW") != "VIEW":
        catalog.drop(*published)
    catalog.connection.execute(
        f"create or replace view {quote_identifier(node.layer)}.{quote_identifier(node.relation)}"
        f" as select * from {quote_identifier(node.schema)}.{quote_identifier(node.relation)}"
    )
    catalog.kinds[published] = "VIEW"


def _tidy_layer(catalog: _Catalog, layer: str, built: Sequence[BuiltNode]) -> None:
    """In the open transaction, after a full build of `layer`: its published schema holds
    exactly one view per model, and its slots only the models' tables (and an incremental
    model's state in its other slot)."""
    owned = {(node.schema, node.relation) for node in built}
    owned |= {
        (node.schema, node.relation + suffix)
        for node in built
        if node.materialized == "incremental"
        for suffix in (INPUTS_SUFFIX, UNCHECKED_SUFFIX)
    }
    names = {node.relation for node in built}
    for name, kind in catalog.relations(layer):
        if name not in names or kind != "VIEW":
            catalog.drop(layer, name)
    for schema in (slot_schema(layer, slot) for slot in SLOTS):
        for name, _ in catalog.relations(schema):
            if (schema, name) not in owned:
                catalog.drop(schema, name)


def _other_slot(schema: str, layer: str) -> str:
    return next(s for s in (slot_schema(layer, slot) for slot in SLOTS) if s != schema)
