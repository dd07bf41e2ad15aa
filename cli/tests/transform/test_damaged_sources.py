"""A bounded property-style test: randomly damaged sources through `load` and `transform`.

Each case copies the sources extracted at scale 1, damages them in one to three random ways (a
column dropped, retyped or partly filled with garbage; rows deleted or duplicated), then runs
`load transform` through the entry point. Whatever the damage:
- no traceback, ever;
- exit 0 only when every mart equals the marts computed again in plain Python from the damaged
  files (transform/independent_marts.py); sources that the Python oracle cannot read (an
  invoice of an unknown contract, a date that is no date) must fail;
- otherwise exit 1 and one `Error:` line, the last.

The cases share one data folder, so that dbt parses the project once. The seeds are fixed:
`DATA_PLATFORM_DAMAGE_CASES` (default 24) says how many run, `DATA_PLATFORM_DAMAGE_SEED` where
they start (to explore other damages).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from decimal import InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import pytest

from support.cli import Run, run_cli
from transform import independent_marts as expected

pytestmark = pytest.mark.slow

CASES = int(os.environ.get("DATA_PLATFORM_DAMAGE_CASES", "24"))
FIRST_SEED = int(os.environ.get("DATA_PLATFORM_DAMAGE_SEED", "0"))
# Values a person, a bug or a bad migration could leave in a column (no white space: the two
# sides trim it differently on purpose, Python every kind and SQL the spaces).
GARBAGE: tuple[object, ...] = (
    None,
    "",
    "garbage",
    "8.5",
    "-1",
    "0",
    "11",
    -250000.0,
    0,
    "JMP-0004300",
    "JMPABCDEFGH",
    "JMP0004000",
    "2023-02-30",
    "2023-13-01",
    "1999-12-31",
    "blue",
    "purple",
    10**12,
)
Damage = Callable[[sqlite3.Connection, random.Random, str, list[tuple[str, str]]], str]


def _rebuild(connection: sqlite3.Connection, table: str, columns: list[tuple[str, str]]) -> None:
    """Rebuild `table` with `columns` (name, declared type) and no constraint, so that the
    damage is not refused by a CHECK, a NOT NULL or a unique index of the application."""
    kept = [name for name, _ in columns]
    definition = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    selected = ", ".join(f'"{name}"' for name in kept)
    connection.executescript(
        f"CREATE TABLE _damaged ({definition});"
        f'INSERT INTO _damaged SELECT {selected} FROM "{table}";'
        f'DROP TABLE "{table}";'
        f'ALTER TABLE _damaged RENAME TO "{table}";'
    )


def drop_column(
    connection: sqlite3.Connection, rng: random.Random, table: str, columns: list[tuple[str, str]]
) -> str:
    column = rng.choice(columns)
    _rebuild(connection, table, [c for c in columns if c != column])
    return f"{table}.{column[0]} dropped"


def retype_column(
    connection: sqlite3.Connection, rng: random.Random, table: str, columns: list[tuple[str, str]]
) -> str:
    index = rng.randrange(len(columns))
    name, kind = columns[index]
    new_kind = rng.choice([k for k in ("TEXT", "INTEGER", "REAL", "") if k != kind])
    _rebuild(connection, table, [*columns[:index], (name, new_kind), *columns[index + 1 :]])
    return f"{table}.{name} retyped {kind or 'untyped'} -> {new_kind or 'untyped'}"


def fill_with_garbage(
    connection: sqlite3.Connection, rng: random.Random, table: str, columns: list[tuple[str, str]]
) -> str:
    _rebuild(connection, table, columns)
    name = rng.choice(columns)[0]
    value = rng.choice(GARBAGE)
    share = rng.choice([0.0, 0.01, 0.5, 1.0])  # 0: one row
    ids = [row[0] for row in connection.execute(f'SELECT rowid FROM "{table}"')]
    chosen = rng.sample(ids, max(1, int(len(ids) * share))) if ids else []
    connection.executemany(
        f'UPDATE "{table}" SET "{name}" = ? WHERE rowid = ?', [(value, i) for i in chosen]
    )
    return f"{table}.{name} = {value!r} on {len(chosen)} row(s)"


def delete_rows(
    connection: sqlite3.Connection, rng: random.Random, table: str, columns: list[tuple[str, str]]
) -> str:
    share = rng.choice([0.0, 0.1, 1.0])  # 0: one row
    ids = [row[0] for row in connection.execute(f'SELECT rowid FROM "{table}"')]
    chosen = rng.sample(ids, max(1, int(len(ids) * share))) if ids else []
    connection.executemany(f'DELETE FROM "{table}" WHERE rowid = ?', [(i,) for i in chosen])
    return f"{len(chosen)} row(s) of {table} deleted"


def duplicate_rows(
    connection: sqlite3.Connection, rng: random.Random, table: str, columns: list[tuple[str, str]]
) -> str:
    _rebuild(connection, table, columns)
    keep_id = rng.random() < 0.3  # the same id twice, or a copy under a new id
    ids = [row[0] for row in connection.execute(f'SELECT rowid FROM "{table}"')]
    chosen = rng.sample(ids, min(len(ids), rng.choice([1, 5])))
    names = [name for name, _ in columns]
    values = ", ".join(
        f'"{n}" + (SELECT max(rowid) FROM "{table}")' if n == "id" and not keep_id else f'"{n}"'
        for n in names
    )
    connection.executemany(
        f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
        f'SELECT {values} FROM "{table}" WHERE rowid = ?',
        [(i,) for i in chosen],
    )
    return f"{len(chosen)} row(s) of {table} duplicated ({'same' if keep_id else 'new'} id)"


DAMAGES: tuple[Damage, ...] = (
    drop_column,
    retype_column,
    fill_with_garbage,
    fill_with_garbage,
    delete_rows,
    duplicate_rows,
)


def damage_once(sources: Path, rng: random.Random) -> str:
    """Damage one random table of one of the two files in one random way; say how."""
    file = sources / rng.choice(["app.sqlite", "app.sqlite", "crm.sqlite"])
    with closing(sqlite3.connect(file)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            )
        ]
        table = rng.choice(tables)
        columns = [
            (str(name), str(kind))
            for _, name, kind, *_ in connection.execute(f'PRAGMA table_info("{table}")')
        ]
        how = rng.choice(DAMAGES)(connection, rng, table, columns)
        connection.commit()
    return f"{file.stem}: {how}"


def damage(sources: Path, rng: random.Random) -> str:
    """One to three damages (a retyped column, then garbage in it, say); say which."""
    return "; ".join(damage_once(sources, rng) for _ in range(rng.choice([1, 1, 2, 3])))


def marts(run: Run) -> dict[str, Any]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:

        def query(sql: str) -> list[tuple[Any, ...]]:
            return connection.execute(sql).fetchall()

        return {
            "monthly_turnover": dict(query("select month, turnover from marts.monthly_turnover")),
            "nps": query("select * from marts.nps"),
            "turnover_by_cohort": {
                (row[0], row[5], row[4]): (row[1], row[2], row[3], row[6])
                for row in query("select * from marts.turnover_by_cohort")
            },
            "cumulative": {
                (row[3], row[7]): (row[0], row[4], row[5], row[6], row[8], row[9])
                for row in query("select * from marts.freelancer_cumulative_turnover")
            },
        }


def oracle(sources: Path) -> dict[str, Any]:
    """The marts computed in Python; raises when the damaged files break what it relies on."""
    s = expected.Sources(sources)
    return {
        "monthly_turnover": expected.monthly_turnover(s),
        "nps": [expected.nps(s)],
        "turnover_by_cohort": expected.turnover_by_cohort(s),
        "cumulative": expected.cumulative_turnover(s),
    }


@pytest.fixture(scope="module")
def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for every case: dbt's partial parse is reused from case to case."""
    return tmp_path_factory.mktemp("damaged")


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + CASES))
def test_damaged_sources_fail_in_one_line_or_give_right_marts(
    seed: int, extracted_folder: Path, shared_folder: Path
) -> None:
    sources = shared_folder / "sources"
    shutil.rmtree(sources, ignore_errors=True)
    shutil.copytree(extracted_folder / "sources", sources)
    how = damage(sources, random.Random(seed))
    # A full load: the damage bypasses the applications' `updated_at`, which an incremental
    # load trusts to find changed rows (docs/history.md); the property is about the content.
    run = run_cli(shared_folder, "--quiet", "load", "--full-refresh", "transform")
    output = run.stdout + run.stderr
    assert "Traceback" not in output, how
    if run.exit_code == 0:
        try:
            wanted = oracle(sources)
        except (KeyError, ValueError, TypeError, AttributeError, InvalidOperation) as error:
            pytest.fail(f"{how}: transform exited 0 on sources the oracle rejects ({error!r})")
        assert marts(run) == wanted, how
    else:
        lines = run.stderr.strip().splitlines()
        assert run.exit_code == 1, how
        assert lines[-1].startswith("Error: "), (how, lines)
        assert [line for line in lines if line.startswith("Error")] == [lines[-1]], how
