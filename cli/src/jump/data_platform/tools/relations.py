"""Find the lakehouse's relations (tables and views) by name, from information_schema only."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import layer_not_built, quote_identifier
from jump.data_platform.sources.contract import SOURCES_SCHEMA
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.publish import is_internal

# The schemas readers know, in the order data flows through them.
FLOW: tuple[str, ...] = (SOURCES_SCHEMA, *LAYERS)
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # "table" or "view"

    @property
    def qualified(self) -> str:
        """`schema.name` quoted, safe to put in SQL whatever the names contain."""
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.name)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


def list_relations(connection: duckdb.DuckDBPyConnection) -> list[Relation]:
    """Every table and view of the lakehouse's own database that readers may use, layers first
    in flow order: not the build slots nor dbt's temporary relations (docs/publishing.md)."""
    rows = connection.execute(
        """
        select table_schema, table_name, table_type
        from information_schema.tables
        where table_catalog = current_database()
          and table_schema not in (?, ?)
        """,
        list(_SYSTEM_SCHEMAS),
    ).fetchall()
    relations = [
        Relation(schema, name, "view" if kind == "VIEW" else "table")
        for schema, name, kind in rows
        if not is_internal(schema, name)
    ]

    def order(relation: Relation) -> tuple[int, str, str]:
        layer = FLOW.index(relation.schema) if relation.schema in FLOW else len(FLOW)
        return layer, relation.schema, relation.name

    return sorted(relations, key=order)


def find_relation(connection: duckdb.DuckDBPyConnection, name: str, lakehouse: Path) -> Relation:
    """The relation called `schema.name` (or a bare `name` found in exactly one schema).

    Names are matched against information_schema, never put into SQL as given, and compared
    case-insensitively like DuckDB's identifiers.
    """
    relations = list_relations(connection)
    schema, _, table = name.rpartition(".")
    wanted = [
        relation
        for relation in relations
        if relation.name.lower() == table.lower()
        and (not schema or relation.schema.lower() == schema.lower())
    ]
    if len(wanted) == 1:
        return wanted[0]
    if len(wanted) > 1:
        choices = ", ".join(str(relation) for relation in wanted)
        raise DataPlatformError(
            f"relation {name} is ambiguous in {lakehouse}: say one of {choices}"
        )
    known = [str(relation) for relation in relations]
    if schema:
        close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    else:
        names = {r.name: str(r) for r in relations}
        close = [names[n] for n in difflib.get_close_matches(table, names, n=3, cutoff=0.5)]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    if not known:
        hint = "; it has no tables yet (run `data-platform load transform`)"
    elif schema and not any(r.schema.lower() == schema.lower() for r in relations):
        hint = layer_not_built(schema) or hint
    elif not close and not any(r.schema in LAYERS for r in relations):
        hint = "; no layer is built by `data-platform transform` yet: run it first"
    raise DataPlatformError(f"unknown relation {name} in lakehouse {lakehouse}{hint}")
