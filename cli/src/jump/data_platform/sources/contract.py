"""The source contract: which tables and columns each application's extract holds.

Declared once, by the applications' own DDL (`app/schema.py`, `crm/schema.py`, `metadata.py`);
the extract writes it, and the loader, the transform's preflight, `status` and the test of
`dbt/models/staging/_sources.yml` all read it from here.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import cache

from jump.data_platform.sources.app.schema import APP_SCHEMA
from jump.data_platform.sources.crm.schema import CRM_SCHEMA
from jump.data_platform.sources.metadata import METADATA_SCHEMA

# The column `load` adds to every table it copies: when it copied it (UTC).
LOADED_AT = "_loaded_at"
# The lakehouse schema that holds the copies.
SOURCES_SCHEMA = "sources"

SOURCE_DDL: dict[str, str] = {
    "app": APP_SCHEMA + METADATA_SCHEMA,
    "crm": CRM_SCHEMA + METADATA_SCHEMA,
}
SOURCE_NAMES: tuple[str, ...] = tuple(SOURCE_DDL)


@dataclass(frozen=True)
class SourceTable:
    source: str  # the application: app or crm
    name: str  # the table in the application's file: users
    columns: tuple[str, ...]  # in the DDL's order

    @property
    def lakehouse_name(self) -> str:
        """The copy's name in the `sources` schema: `<source>__<table>`."""
        return lakehouse_table(self.source, self.name)


def lakehouse_table(source: str, table: str) -> str:
    return f"{source}__{table}"


@cache
def source_tables(source: str) -> tuple[SourceTable, ...]:
    """The tables one application's extract holds, read from its DDL (in SQLite's memory)."""
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(SOURCE_DDL[source])
        names = [
            name
            for (name,) in connection.execute(
                "select name from sqlite_master where type = 'table' order by rowid"
            )
        ]
        return tuple(
            SourceTable(
                source,
                name,
                tuple(row[1] for row in connection.execute(f"pragma table_info('{name}')")),
            )
            for name in names
        )


def all_source_tables() -> tuple[SourceTable, ...]:
    return tuple(table for source in SOURCE_NAMES for table in source_tables(source))
