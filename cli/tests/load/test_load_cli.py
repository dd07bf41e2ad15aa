"""`data-platform load` through the real entry point: a faithful, replacing, all-or-nothing copy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.load import loader
from jump.data_platform.settings import Settings
from load.load_support import (
    expected_lakehouse,
    lakehouse_columns,
    lakehouse_tables,
    write_sources,
)

ALL_TABLES = [
    "app__clients",
    "app__extract_metadata",
    "app__invoices",
    "app__job_contracts",
    "app__users",
    "crm__customers",
    "crm__extract_metadata",
]


def load(folder: Path, *options: str) -> int:
    return main(["--quiet", "--data-folder", str(folder), "load", *options])


def lakehouse(folder: Path) -> Path:
    return Settings(data_folder=folder).lakehouse_file


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    assert error.startswith("Error: ")
    return error


def loaded_at_values(path: Path) -> set[datetime]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            value
            for table in ALL_TABLES
            for (value,) in connection.execute(
                f"SELECT DISTINCT _loaded_at FROM sources.{table}"
            ).fetchall()
        }


def test_load_copies_every_table_with_its_values_and_types(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    before = datetime.now(UTC).replace(tzinfo=None)
    assert load(tmp_path) == 0
    after = datetime.now(UTC).replace(tzinfo=None)

    tables = lakehouse_tables(lakehouse(tmp_path))
    assert list(tables) == ALL_TABLES
    assert tables == expected_lakehouse(tmp_path)
    assert lakehouse_columns(lakehouse(tmp_path), "app__invoices") == {
        "id": "BIGINT",
        "reference": "VARCHAR",
        "job_contract_id": "BIGINT",
        "client_id": "BIGINT",
        "issue_date": "VARCHAR",
        "amount": "DOUBLE",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR",
        "_loaded_at": "TIMESTAMP",
    }
    assert lakehouse_columns(lakehouse(tmp_path), "crm__customers")["satisfaction_score"] == (
        "BIGINT"
    )
    # One UTC timestamp for every table of the run.
    (loaded_at,) = loaded_at_values(lakehouse(tmp_path))
    assert before <= loaded_at <= after


def test_a_second_load_replaces_the_tables_with_the_new_files(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    first = lakehouse_tables(lakehouse(tmp_path))
    write_sources(tmp_path, seed=2)
    assert load(tmp_path) == 0
    second = lakehouse_tables(lakehouse(tmp_path))
    assert second == expected_lakehouse(tmp_path)
    assert len(second["app__invoices"]) != len(first["app__invoices"])


def test_sources_option_replaces_only_the_selected_sources(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    write_sources(tmp_path, seed=2)
    assert load(tmp_path, "--sources", "crm") == 0
    after = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    new = lakehouse_tables(lakehouse(tmp_path))
    for table in ALL_TABLES:
        if table.startswith("app__"):
            assert after[table] == before[table]  # _loaded_at included: untouched
        else:
            assert new[table] == expected_lakehouse(tmp_path, ("crm",))[table]
            assert after[table] != before[table]


def _remove(path: Path) -> None:
    path.unlink()


def _not_sqlite(path: Path) -> None:
    path.write_text("id,name\n1,not a database\n")


def _corrupt(path: Path) -> None:
    """Garbage over the last pages: the header and schema read fine, the data does not."""
    data = bytearray(path.read_bytes())
    for index in range(len(data) - 3 * 4096, len(data)):
        data[index] = index * 7919 % 251
    path.write_bytes(bytes(data))


def _drop_table(table: str) -> Callable[[Path], None]:
    def drop(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            connection.execute(f"DROP TABLE {table}")
        connection.close()

    return drop


@pytest.mark.parametrize(
    ("source", "breakage", "message"),
    [
        ("app", _remove, "app.sqlite is missing; `data-platform extract` creates it"),
        ("crm", _remove, "crm.sqlite is missing"),
        ("crm", _not_sqlite, "crm.sqlite is not a readable SQLite database"),
        ("app", _corrupt, "app.sqlite is not a readable SQLite database"),
        ("crm", _corrupt, "crm.sqlite is not a readable SQLite database"),
        ("app", _drop_table("invoices"), "app.sqlite has no table invoices"),
        ("crm", _drop_table("customers"), "crm.sqlite has no table customers"),
        ("crm", _drop_table("extract_metadata"), "crm.sqlite has no table extract_metadata"),
    ],
    ids=[
        "app-missing",
        "crm-missing",
        "crm-not-sqlite",
        "app-corrupt",
        "crm-corrupt",
        "app-no-invoices",
        "crm-no-customers",
        "crm-no-metadata",
    ],
)
def test_a_bad_file_leaves_every_table_unchanged(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    breakage: Callable[[Path], None],
    message: str,
) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    capsys.readouterr()

    write_sources(tmp_path, seed=2, invoices=2000)
    breakage(tmp_path / "sources" / f"{source}.sqlite")
    assert load(tmp_path) == 1
    error = one_line_error(capsys)
    assert message in error
    assert str(tmp_path / "sources" / f"{source}.sqlite") in error
    assert lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True) == before


def test_a_failure_while_writing_rolls_back_the_tables_already_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    write_sources(tmp_path, seed=2)

    real_quote = loader.quote_identifier

    def failing_quote(name: str) -> str:
        # The app tables are replaced inside the transaction before the CRM's turn comes:
        # then DuckDB fails on an unterminated identifier.
        return f'"{name}' if name.startswith("crm__") else real_quote(name)

    monkeypatch.setattr(loader, "quote_identifier", failing_quote)
    assert load(tmp_path) == 1
    error = one_line_error(capsys)
    assert "the lakehouse was left as it was" in error
    assert lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True) == before


def test_a_missing_source_fails_before_the_lakehouse_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(tmp_path) == 1
    error = one_line_error(capsys)
    assert f"source file {tmp_path / 'sources' / 'app.sqlite'} is missing" in error
    assert not lakehouse(tmp_path).exists()


def test_a_locked_lakehouse_gives_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    capsys.readouterr()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "connection = duckdb.connect(sys.argv[1])\n"
            "print('ready', flush=True)\n"
            "time.sleep(120)\n",
            # Another program writing the writer's file (dbt run by hand, for instance).
            str(Settings(data_folder=tmp_path).writer_lakehouse_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        write_sources(tmp_path, seed=2)
        assert load(tmp_path) == 1
        error = one_line_error(capsys)
    finally:
        holder.kill()
        holder.wait()
    writer = Settings(data_folder=tmp_path).writer_lakehouse_file
    assert f"lakehouse {writer} is locked by another process" in error
    assert "(DuckDB allows one writer)" in error
    assert f"PID {holder.pid}" in error
    assert lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True) == before


def test_a_reader_holding_the_lakehouse_does_not_stop_a_load(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            "connection = duckdb.connect(sys.argv[1])\n"  # even read-write: a reader's copy
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n",
            str(lakehouse(tmp_path)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        write_sources(tmp_path, seed=2)
        assert load(tmp_path) == 0
    finally:
        holder.kill()
        holder.wait()
    assert lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True) != before


def test_schema_drift_added_column_appears_removed_column_does_not_break(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    app = tmp_path / "sources" / "app.sqlite"
    with sqlite3.connect(app) as connection:
        connection.execute("ALTER TABLE users ADD COLUMN phone TEXT")
        connection.execute("UPDATE users SET phone = '+33 6 12 34 56 ' || id WHERE id % 2 = 0")
        connection.execute("ALTER TABLE clients DROP COLUMN updated_at")
        connection.execute("ALTER TABLE invoices ADD COLUMN vat_rate REAL DEFAULT 0.2")
    connection.close()
    assert load(tmp_path) == 0
    assert lakehouse_tables(lakehouse(tmp_path)) == expected_lakehouse(tmp_path)
    users = lakehouse_columns(lakehouse(tmp_path), "app__users")
    assert users["phone"] == "VARCHAR"
    assert list(users)[-2:] == ["phone", "_loaded_at"]
    assert "updated_at" not in lakehouse_columns(lakehouse(tmp_path), "app__clients")
    assert lakehouse_columns(lakehouse(tmp_path), "app__invoices")["vat_rate"] == "DOUBLE"


def test_loading_twice_gives_the_same_lakehouse(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=3)
    assert load(tmp_path) == 0
    first = lakehouse_tables(lakehouse(tmp_path))
    first_columns = {table: lakehouse_columns(lakehouse(tmp_path), table) for table in first}
    assert load(tmp_path) == 0
    assert lakehouse_tables(lakehouse(tmp_path)) == first
    assert {table: lakehouse_columns(lakehouse(tmp_path), table) for table in first} == (
        first_columns
    )


def test_repeated_loads_do_not_grow_the_file(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=4, users=2000, invoices=30_000)
    sizes = []
    for _ in range(6):
        assert load(tmp_path) == 0
        sizes.append(lakehouse(tmp_path).stat().st_size)
    # Replaced tables' blocks are freed by the checkpoint and reused: the file reaches a
    # steady size instead of growing by the data's size at every load.
    assert max(sizes[2:]) <= max(sizes[:2]), sizes
    assert not Path(f"{lakehouse(tmp_path)}.wal").exists()


def test_extract_then_load_in_one_chained_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-folder",
            str(tmp_path),
            "extract",
            "--scale",
            "1",
            "--as-of",
            "2025-06-30",
            "load",
        ]
    )
    assert code == 0
    assert lakehouse_tables(lakehouse(tmp_path)) == expected_lakehouse(tmp_path)
    progress = capsys.readouterr().err
    assert "full sources.app__invoices: +" in progress
    assert "rows/s" in progress


def test_an_unknown_source_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(tmp_path, "--sources", "erp") == 2
    assert "'erp' is not one of 'app', 'crm'" in capsys.readouterr().err


def test_a_run_killed_inside_the_transaction_leaves_every_table_unchanged(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert load(tmp_path) == 0
    before = lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True)
    write_sources(tmp_path, seed=2, invoices=5000)
    # The process kills itself once the App's tables are replaced, before the CRM's turn.
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from jump.data_platform.load import loader\n"
            "real = loader.lakehouse_table\n"
            "def name(source, table):\n"
            "    if source == 'crm':\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    return real(source, table)\n"
            "loader.lakehouse_table = name\n"
            "from jump.data_platform.cli.main import main\n"
            "main(['--quiet', '--data-folder', sys.argv[1], 'load'])\n",
            str(tmp_path),
        ],
        check=False,
    )
    assert killed.returncode == -9
    assert lakehouse_tables(lakehouse(tmp_path), with_loaded_at=True) == before


def test_an_extra_table_is_copied_and_dropped_when_its_source_table_goes(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    app = tmp_path / "sources" / "app.sqlite"
    with sqlite3.connect(app) as connection:
        connection.execute("CREATE TABLE payments (id INTEGER PRIMARY KEY, amount REAL)")
        connection.execute("INSERT INTO payments VALUES (1, 12.5), (2, 99.99)")
    connection.close()
    assert load(tmp_path) == 0
    assert lakehouse_tables(lakehouse(tmp_path))["app__payments"] == [(1, 12.5), (2, 99.99)]

    # Gone from the App: gone from the lakehouse; a CRM-only load does not touch App tables.
    with sqlite3.connect(app) as connection:
        connection.execute("DROP TABLE payments")
    connection.close()
    assert load(tmp_path, "--sources", "crm") == 0
    assert "app__payments" in lakehouse_tables(lakehouse(tmp_path))
    assert load(tmp_path) == 0
    assert lakehouse_tables(lakehouse(tmp_path)) == expected_lakehouse(tmp_path)


def test_each_tables_changes_are_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_sources(tmp_path, seed=1)
    assert main(["--data-folder", str(tmp_path), "load"]) == 0
    err = capsys.readouterr().err
    for table in ALL_TABLES:
        assert err.count(f"sources.{table}:") == 1, table
    assert "sources.app__extract_metadata: +1 ~0 -0 (1 row) in" in err
    assert " (1 rows)" not in err
    assert err.count("rows changed") == 1
