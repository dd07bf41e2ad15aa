"""A small hand-made lakehouse whose `sources` schema follows docs/sources.md exactly.

Every edge case of the marts is planted here on purpose, with values small enough to check by
hand: a month without invoices, a gap in the invoice references, two contracts of one freelancer
(with a gap between them and a change of entity), a running contract, CRM duplicates, accents,
case and white space, a CRM record matched by name only, a homonym that must not match, a
freelancer without a contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

AS_OF = "2024-06-15"
LOADED_AT = "2024-06-15 23:59:59"

# Column names and lakehouse types per table (SQLite INTEGER -> BIGINT, REAL -> DOUBLE,
# TEXT -> VARCHAR), without `_loaded_at`, which every table gets.
COLUMNS: dict[str, dict[str, str]] = {
    "app__users": {
        "id": "BIGINT",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "email": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
    },
    "app__job_contracts": {
        "id": "BIGINT",
        "user_id": "BIGINT",
        "entity": "VARCHAR",
        "start_date": "VARCHAR",
        "end_date": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
    },
    "app__clients": {
        "id": "BIGINT",
        "name": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
    },
    "app__invoices": {
        "id": "BIGINT",
        "reference": "VARCHAR",
        "job_contract_id": "BIGINT",
        "client_id": "BIGINT",
        "issue_date": "VARCHAR",
        "amount": "DOUBLE",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
    },
    "crm__customers": {
        "id": "BIGINT",
        "last_name": "VARCHAR",
        "first_name": "VARCHAR",
        "email": "VARCHAR",
        "satisfaction_score": "BIGINT",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
    },
    "app__extract_metadata": {
        "source": "VARCHAR",
        "as_of": "VARCHAR",
        "extracted_at": "VARCHAR",
        "random_seed": "BIGINT",
        "scale": "BIGINT",
        "generator_version": "VARCHAR",
    },
    "crm__extract_metadata": {
        "source": "VARCHAR",
        "as_of": "VARCHAR",
        "extracted_at": "VARCHAR",
        "random_seed": "BIGINT",
        "scale": "BIGINT",
        "generator_version": "VARCHAR",
    },
}

T = "2023-01-01 09:00:00"
ROWS: dict[str, list[tuple[Any, ...]]] = {
    "app__users": [
        (1, "Élodie", "Lefèvre", "elodie.lefevre@example.com", T, T),
        (2, "Jean", "Martin", "jean.martin@example.com", T, T),
        (3, "Chloé", "Dupont", "chloe.dupont@example.com", T, T),  # CRM: personal email
        (4, "Jean", "Martin", "jean.martin2@example.com", T, T),  # homonym of user 2
        (5, "Zoé", "Bernard", "zoe.bernard@example.com", T, T),  # never had a contract
        (6, "Paul", "Roux", "paul.roux@example.com", T, T),  # two Paul Roux, no contract:
        (7, "Paul", "Roux", "paul.roux2@example.com", T, T),  # the name is ambiguous
    ],
    "app__job_contracts": [
        # user 1: blue Jan-Mar 2023 (ended), then green from May 2023, still running
        (1, 1, "blue", "2023-01-10", "2023-03-20", "2023-01-10 09:00:00", "2023-03-20 18:00:00"),
        (2, 2, "green", "2023-02-01", None, "2023-02-01 09:00:00", "2023-02-01 09:00:00"),
        (3, 1, "green", "2023-05-02", None, "2023-05-02 09:00:00", "2023-05-02 09:00:00"),
        (4, 3, "blue", "2023-04-15", "2024-01-31", "2023-04-15 09:00:00", "2024-01-31 18:00:00"),
        (5, 4, "blue", "2024-05-20", None, "2024-05-20 09:00:00", "2024-05-20 09:00:00"),
    ],
    "app__clients": [
        (1, "Martin Conseil", T, T),
        (2, "Durand SA", T, T),
        (3, "Martin Conseil", T, T),  # homonym client: stays a distinct client
    ],
    "app__invoices": [
        # JMP00000004 is missing (the gap); no invoice at all in 2023-08 (the empty month).
        (1, "JMP00000001", 1, 1, "2023-01-31", 1000.10, T, T),
        (2, "JMP00000002", 2, 2, "2023-02-28", 250.05, T, T),
        (3, "JMP00000003", 1, 3, "2023-03-15", 0.1, T, T),
        (4, "JMP00000005", 3, 1, "2023-05-31", 1999.99, T, T),
        (5, "JMP00000006", 4, 2, "2023-07-01", 333.33, T, T),
        (6, "JMP00000007", 3, 1, "2023-09-30", 0.2, T, T),
        (7, "JMP00000008", 2, 2, "2024-01-31", 4000.0, T, T),
        (8, "JMP00000009", 3, 3, "2024-06-14", 12.34, T, T),
    ],
    "crm__customers": [
        # user 1 by email (case and blanks differ), entered twice: the latest update wins (9).
        (1, "LEFEVRE ", "elodie", " Elodie.Lefevre@example.com", 3, T, "2023-02-01 10:00:00"),
        (2, "Lefèvre", "Élodie", "elodie.lefevre@example.com", 9, T, "2023-06-01 10:00:00"),
        # user 3 by name only (personal email): accents and inner blanks differ.
        (3, "DUPONT", "  Chloe ", "chloe.perso@mail.example", 10, T, T),
        # user 4 by name: the other Jean Martin (user 2) is matched by email, so among the
        # users left this name is unique.
        (4, "Martin", "Jean", "jm@mail.example", 0, T, T),
        # user 2 by email, no answer yet.
        (5, "Martin", "Jean", "jean.martin@example.com", None, T, T),
        # a prospect the App does not know.
        (6, "Petit", "Luc", "luc.petit@mail.example", 7, T, T),
        # two unmatched App users are called Paul Roux: no match is guessed.
        (7, "ROUX", "Paul", "p.roux@mail.example", 8, T, T),
    ],
    "app__extract_metadata": [("app", AS_OF, f"{AS_OF} 23:59:59", 42, 1, "test")],
    "crm__extract_metadata": [("crm", AS_OF, f"{AS_OF} 23:59:59", 42, 1, "test")],
}


def build_lakehouse(path: Path, loaded_at: str = LOADED_AT) -> Path:
    """Write the hand-made `sources` schema into a new DuckDB file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists sources")
        for table, columns in COLUMNS.items():
            definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            connection.execute(
                f"create or replace table sources.{table} ({definition}, _loaded_at TIMESTAMP)"
            )
            placeholders = ", ".join("?" for _ in range(len(columns) + 1))
            connection.executemany(
                f"insert into sources.{table} values ({placeholders})",
                [(*row, loaded_at) for row in ROWS[table]],
            )
    return path
