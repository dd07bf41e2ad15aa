"""After damaged sources put names and emails where dates and ids belong, no file the platform
writes under the data folder holds them (the sources and the lakehouse hold people's data by
design and are left out)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from support.cli import run_cli

pytestmark = pytest.mark.slow

PLANTED = (
    "Vincent Guillon",
    "vincent.guillon@example.org",
    "Stéphane Letellier",
    "Zacharie Martin",
    "zacharie.martin@example.org",
)
DATA_HOLDERS = ("sources", "lakehouse")


def retype(connection: sqlite3.Connection, table: str, column: str) -> None:
    """`column` of `table` as untyped TEXT without constraint, so that any value fits."""
    columns = [(str(r[1]), str(r[2])) for r in connection.execute(f"PRAGMA table_info({table})")]
    definition = ", ".join(f'"{n}" {"TEXT" if n == column else k}' for n, k in columns)
    connection.executescript(
        f"CREATE TABLE _damaged ({definition}); INSERT INTO _damaged SELECT * FROM {table};"
        f"DROP TABLE {table}; ALTER TABLE _damaged RENAME TO {table};"
    )


def names_in_user_dates(connection: sqlite3.Connection) -> None:
    connection.execute(
        "UPDATE users SET created_at = 'Vincent Guillon' WHERE id = (SELECT min(id) FROM users)"
    )
    connection.execute(
        "UPDATE users SET updated_at = 'vincent.guillon@example.org' "
        "WHERE id = (SELECT max(id) FROM users)"
    )


def name_in_a_contract_start(connection: sqlite3.Connection) -> None:
    connection.execute(
        "UPDATE job_contracts SET start_date = 'Stéphane Letellier' "
        "WHERE id = (SELECT min(id) FROM job_contracts)"
    )


def name_as_an_invoice_id(connection: sqlite3.Connection) -> None:
    retype(connection, "invoices", "id")
    connection.execute(
        "UPDATE invoices SET id = 'Zacharie Martin' WHERE rowid = (SELECT min(rowid) FROM invoices)"
    )
    connection.execute(
        "UPDATE invoices SET id = 'zacharie.martin@example.org' "
        "WHERE rowid = (SELECT max(rowid) FROM invoices)"
    )


def leaks(data_folder: Path) -> list[str]:
    found = []
    for path in sorted(data_folder.rglob("*")):
        if not path.is_file() or path.relative_to(data_folder).parts[0] in DATA_HOLDERS:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        found += [f"{path}: {name}" for name in PLANTED if name.lower() in text]
    return found


@pytest.mark.parametrize(
    "damage", [names_in_user_dates, name_in_a_contract_start, name_as_an_invoice_id]
)
def test_no_planted_name_or_email_outside_the_data(
    extracted_folder: Path, tmp_path: Path, damage: Callable[[sqlite3.Connection], None]
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    with closing(sqlite3.connect(folder / "sources" / "app.sqlite")) as connection:
        damage(connection)
        connection.commit()
    first = run_cli(folder, "load", "transform")
    assert first.exit_code == 1, first.stderr  # each damage fails a test or the load
    # The same sources again (an incremental load), a query naming people, the status.
    run_cli(folder, "load", "transform")
    run_cli(
        folder,
        "query",
        "select * from sources.app__users where last_name = 'Letellier' "
        "and first_name = 'Stéphane' or email = 'vincent.guillon@example.org'",
    )
    run_cli(folder, "query", "select 'Zacharie Martin'::int")
    run_cli(folder, "status")
    assert leaks(folder) == []
