"""The cheap ways to publish a built layer at once in DuckDB, measured on a transformed lakehouse.

Each form publishes every relation of the intermediate and marts layers inside one transaction,
on a copy of the lakehouse, and reports its seconds and how much the file grew:
- copy: `create table <published> as select * from <built>` (what publishing costs when the
  built tables cannot be moved);
- rename: `alter table ... rename` within a schema (DuckDB cannot rename a schema nor move a
  table to another one: this is the nearest thing to swapping schemas);
- views: `create or replace view <published> as select * from <built>` (what `transform`
  does).

    cd cli && ../.venv/bin/python -m benchmarks.publish_bench --data-folder <transformed folder>
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from benchmarks.measure import timed
from jump.data_platform.lakehouse import quote_identifier
from jump.data_platform.settings import Settings
from jump.data_platform.tools.relations import list_relations

MATERIALISED = ("intermediate", "marts")  # the layers of tables
Form = Callable[[duckdb.DuckDBPyConnection, list[tuple[str, str, str]]], None]


def _copy(connection: duckdb.DuckDBPyConnection, relations: list[tuple[str, str, str]]) -> None:
    for layer, name, built in relations:
        connection.execute(f"create schema if not exists {layer}__copy")
        connection.execute(f"create table {layer}__copy.{quote_identifier(name)} as from {built}")


def _rename(connection: duckdb.DuckDBPyConnection, relations: list[tuple[str, str, str]]) -> None:
    for _, name, built in relations:
        connection.execute(f"alter table {built} rename to {quote_identifier(name + '__old')}")


def _views(connection: duckdb.DuckDBPyConnection, relations: list[tuple[str, str, str]]) -> None:
    for layer, name, built in relations:
        connection.execute(f"create schema if not exists {layer}__views")
        connection.execute(
            f"create or replace view {layer}__views.{quote_identifier(name)} as from {built}"
        )


FORMS: dict[str, Form] = {"copy": _copy, "rename": _rename, "views": _views}


def measure(lakehouse: Path, form: Form) -> tuple[float, float, float]:
    """Wall and CPU seconds of one publish (transaction and checkpoint), and the MiB the file
    grew."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / lakehouse.name
        shutil.copyfile(lakehouse, copy)
        before = copy.stat().st_size
        with duckdb.connect(str(copy)) as connection:
            relations = [
                (relation.schema, relation.name, relation.qualified)
                for relation in list_relations(connection)
                if relation.schema in MATERIALISED and relation.kind == "table"
            ]

            def publish() -> None:
                connection.execute("begin")
                form(connection, relations)
                connection.execute("commit")
                connection.execute("checkpoint")

            cpu = time.process_time()
            seconds = timed(publish)
            cpu = time.process_time() - cpu
        return seconds, cpu, (copy.stat().st_size - before) / 2**20


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-folder", type=Path, required=True, help="a transformed folder")
    arguments = parser.parse_args()
    lakehouse = Settings(data_folder=arguments.data_folder).lakehouse_file
    print(f"{lakehouse}: {lakehouse.stat().st_size / 2**20:,.0f} MiB")
    for name, form in FORMS.items():
        seconds, cpu, grown = measure(lakehouse, form)
        print(f"{name}: {seconds:.2f} s ({cpu:.2f} CPU s), file +{grown:,.0f} MiB")


if __name__ == "__main__":
    run()
