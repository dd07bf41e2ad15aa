"""Read a SQLite source back as plain rows, for assertions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        result = connection.execute(sql).fetchall()
    connection.close()
    return result


def table(path: Path, name: str) -> dict[int, tuple[Any, ...]]:
    """Every row of a table keyed by its id, with column names in `columns(path, name)`."""
    return {row[0]: row for row in rows(path, f"SELECT * FROM {name} ORDER BY id")}


def columns(path: Path, name: str) -> list[str]:
    return [row[1] for row in rows(path, f"PRAGMA table_info({name})")]
