"""Hand-made SQLite sources (following docs/sources.md) and readers of both sides, for tests.

Tests build their own small files so that each can vary them (another seed, a dropped table,
an added column) without running the simulation.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import duckdb

APP_SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE job_contracts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, entity TEXT NOT NULL,
    start_date TEXT NOT NULL, end_date TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE invoices (id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE,
    job_contract_id INTEGER NOT NULL, client_id INTEGER NOT NULL, issue_date TEXT NOT NULL,
    amount REAL NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
CRM_SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, last_name TEXT, first_name TEXT, email TEXT,
    satisfaction_score INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
METADATA_SCHEMA = """
CREATE TABLE extract_metadata (source TEXT NOT NULL, as_of TEXT NOT NULL,
    extracted_at TEXT NOT NULL, random_seed INTEGER NOT NULL, scale INTEGER NOT NULL,
    generator_version TEXT NOT NULL);
"""
FIRST_NAMES = ["Zoé", "Élodie", "François", "Anaïs", "Jérôme", "Loïc", "Chloé", "Hélène"]
LAST_NAMES = ["Lefèvre", "Müller", "Dupont", "N'Diaye", "Garçon", "Château", "O'Brien"]


def _timestamp(rng: random.Random, year: int = 2024) -> str:
    return (
        f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )


def write_sources(folder: Path, seed: int = 1, users: int = 40, invoices: int = 300) -> Path:
    """Write `<folder>/sources/app.sqlite` and `crm.sqlite` (replacing them); return the folder.

    The row counts vary with the seed, so two seeds give tables of different sizes.
    """
    rng = random.Random(seed)
    users += seed % 7
    invoices += seed * 13 % 50
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for name in ("app", "crm"):
        (sources / f"{name}.sqlite").unlink(missing_ok=True)

    with sqlite3.connect(sources / "app.sqlite") as app:
        app.executescript(APP_SCHEMA + METADATA_SCHEMA)
        user_rows = []
        for user in range(1, users + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            created = _timestamp(rng)
            user_rows.append((user, first, last, f"u{user}.{seed}@example.fr", created, created))
        app.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", user_rows)
        contracts = [
            (
                user,
                user,
                rng.choice(["blue", "green"]),
                "2024-01-01",
                None if rng.random() < 0.6 else "2024-09-30",
                "2024-01-01 00:00:00",
                _timestamp(rng),
            )
            for user in range(1, users + 1)
        ]
        app.executemany("INSERT INTO job_contracts VALUES (?, ?, ?, ?, ?, ?, ?)", contracts)
        app.executemany(
            "INSERT INTO clients VALUES (?, ?, ?, ?)",
            [
                (client, f"Société {client} & Cie", "2023-05-01 08:00:00", "2023-05-01 08:00:00")
                for client in range(1, 11)
            ],
        )
        app.executemany(
            "INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    invoice,
                    f"JMP{invoice:08d}",
                    rng.randint(1, users),
                    rng.randint(1, 10),
                    f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    round(rng.uniform(50, 9000), 2),
                    _timestamp(rng),
                    _timestamp(rng),
                )
                for invoice in range(1, invoices + 1)
            ],
        )
        app.execute(
            "INSERT INTO extract_metadata VALUES ('app', '2024-12-31', '2024-12-31 23:59:59', "
            f"{seed}, 1, 'test')"
        )
    app.close()

    with sqlite3.connect(sources / "crm.sqlite") as crm:
        crm.executescript(CRM_SCHEMA + METADATA_SCHEMA)
        crm.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    customer,
                    f" {rng.choice(LAST_NAMES).upper()}",
                    rng.choice(FIRST_NAMES).lower(),
                    f"U{customer}.{seed}@Example.fr ",
                    None if rng.random() < 0.3 else rng.randint(0, 10),
                    _timestamp(rng),
                    _timestamp(rng),
                )
                for customer in range(1, users + 3)
            ],
        )
        crm.execute(
            "INSERT INTO extract_metadata VALUES ('crm', '2024-12-31', '2024-12-31 23:59:59', "
            f"{seed}, 1, 'test')"
        )
    crm.close()
    return folder


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a SQLite file: its rows in rowid order."""
    with sqlite3.connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables = {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            for name in names
        }
    connection.close()
    return tables


def lakehouse_tables(path: Path, with_loaded_at: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the `sources` schema, its rows sorted (`_loaded_at` left out unless asked)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'sources' ORDER BY table_name"
            ).fetchall()
        ]
        exclude = "" if with_loaded_at else " EXCLUDE (_loaded_at)"
        return {
            name: sorted(
                connection.execute(f'SELECT *{exclude} FROM sources."{name}"').fetchall(),
                key=_sort_key,
            )
            for name in names
        }


def lakehouse_columns(path: Path, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table of the `sources` schema."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return dict(
            connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'sources' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        )


def expected_lakehouse(
    data_folder: Path, sources: tuple[str, ...] = ("app", "crm")
) -> dict[str, list[tuple[Any, ...]]]:
    """What the `sources` schema must hold after loading the data folder's files."""
    expected = {}
    for source in sources:
        for name, rows in sqlite_tables(data_folder / "sources" / f"{source}.sqlite").items():
            expected[f"{source}__{name}"] = sorted(rows, key=_sort_key)
    return dict(sorted(expected.items()))


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs sort last; other values compare as Python values.
    return tuple((value is None, value if value is not None else 0) for value in row)
