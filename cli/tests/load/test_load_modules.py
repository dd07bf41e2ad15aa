"""The load modules on their own: type mapping, split reads, errors."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import lock_error, open_lakehouse, table_exists, tables_of
from jump.data_platform.load import sqlite_reader
from jump.data_platform.load.loader import load_files
from jump.data_platform.load.sqlite_reader import (
    SqliteFile,
    _ranges,
    column_affinity,
    read_tables,
)
from load.load_support import expected_lakehouse, lakehouse_tables, write_sources


def sqlite_file(path: Path, *statements: str) -> SqliteFile:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return SqliteFile(path)


def series(last: int) -> str:
    """SQL of the numbers 1..last in a column `value` (Python's SQLite has no generate_series)."""
    return (
        "WITH RECURSIVE series(value) AS "
        f"(SELECT 1 UNION ALL SELECT value + 1 FROM series WHERE value < {last}) "
    )


def read_one(file: SqliteFile, threads: int = 1) -> pa.Table:
    (table,) = read_tables([("test", file, file.tables())], threads)
    return table.data


@pytest.mark.parametrize(
    ("declared", "affinity"),
    [
        ("INTEGER", "INTEGER"),
        ("BIGINT", "INTEGER"),
        ("TEXT", "TEXT"),
        ("VARCHAR(20)", "TEXT"),
        ("REAL", "REAL"),
        ("DOUBLE PRECISION", "REAL"),
        ("", "BLOB"),
        ("BLOB", "BLOB"),
        ("DATE", "NUMERIC"),
        ("DECIMAL(10,2)", "NUMERIC"),
    ],
)
def test_column_affinity_follows_sqlite_rules(declared: str, affinity: str) -> None:
    assert column_affinity(declared) == affinity


@pytest.mark.parametrize(("low", "high", "parts"), [(1, 10, 3), (1, 1, 4), (5, 1_000_003, 2)])
def test_ranges_cover_every_rowid_once(low: int, high: int, parts: int) -> None:
    ranges = _ranges(low, high, parts)
    assert len(ranges) <= parts
    assert ranges[0][0] == low
    assert ranges[-1][1] == high
    assert all(end + 1 == start for (_, end), (start, _) in itertools.pairwise(ranges))


def test_an_empty_table_gets_its_declared_types(tmp_path: Path) -> None:
    file = sqlite_file(tmp_path / "s.sqlite", "CREATE TABLE t (a INTEGER, b TEXT, c REAL)")
    data = read_one(file)
    assert data.num_rows == 0
    assert data.schema == pa.schema([("a", pa.int64()), ("b", pa.string()), ("c", pa.float64())])


def test_a_text_column_null_in_the_first_batch_is_read_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The driver infers a type from the first batch: all NULL there, text afterwards.
    monkeypatch.setattr(sqlite_reader, "BATCH_ROWS", 4)
    file = sqlite_file(
        tmp_path / "s.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT, extra)",
        "INSERT INTO t (id) " + series(10) + "SELECT value FROM series",
        "UPDATE t SET note = 'late ' || id, extra = 'x' WHERE id > 8",
    )
    data = read_one(file)
    assert data.column("note").type == pa.string()
    assert data.column("note").to_pylist() == [None] * 8 + ["late 9", "late 10"]
    assert data.column("extra").to_pylist() == [None] * 8 + ["x", "x"]


def test_a_large_table_read_in_ranges_keeps_its_rows_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_reader, "SPLIT_ROWS", 10)
    monkeypatch.setattr(sqlite_reader, "BATCH_ROWS", 16)
    file = sqlite_file(
        tmp_path / "s.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT)",
        "INSERT INTO t " + series(100) + "SELECT value * 3, 'row ' || value FROM series",
        "DELETE FROM t WHERE id % 7 = 0",
    )
    data = read_one(file, threads=3)
    ids = [value * 3 for value in range(1, 101) if value * 3 % 7]
    assert data.column("id").to_pylist() == ids
    assert data.column("label").to_pylist() == [f"row {value // 3}" for value in ids]


def test_split_reads_load_the_same_lakehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sources(tmp_path, seed=5)
    monkeypatch.setattr(sqlite_reader, "SPLIT_ROWS", 20)
    files = {source: tmp_path / "sources" / f"{source}.sqlite" for source in ("app", "crm")}
    result = load_files(files, tmp_path / "lakehouse.duckdb", threads=3)
    assert lakehouse_tables(tmp_path / "lakehouse.duckdb") == expected_lakehouse(tmp_path)
    assert result.rows == sum(len(rows) for rows in expected_lakehouse(tmp_path).values())


def test_a_value_that_does_not_fit_its_declared_type_is_an_error(tmp_path: Path) -> None:
    file = sqlite_file(
        tmp_path / "s.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, amount INTEGER)",
        "INSERT INTO t VALUES (1, 10), (2, 'ten')",
    )
    with pytest.raises(DataPlatformError, match=r"s\.sqlite: table t has values that do not"):
        read_one(file)


def test_a_source_column_named_loaded_at_is_an_error(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    app = tmp_path / "sources" / "app.sqlite"
    sqlite_file(app, "ALTER TABLE users ADD COLUMN _loaded_at TEXT")
    with pytest.raises(DataPlatformError, match="table users has a column _loaded_at"):
        load_files({"app": app}, tmp_path / "lakehouse.duckdb")
    assert not (tmp_path / "lakehouse.duckdb").exists()


def test_the_lock_message_names_the_file_and_the_holder() -> None:
    detail = (
        'IO Error: Could not set lock on file "/x/lakehouse.duckdb": Conflicting lock is held '
        "in /usr/bin/python3.11 (PID 4242) by user ana. See also https://duckdb.org/docs"
    )
    message = lock_error(Path("data/lakehouse/lakehouse.duckdb"), detail)
    assert message is not None
    assert message.message.startswith(
        "lakehouse data/lakehouse/lakehouse.duckdb is locked by another process "
        "(PID 4242, /usr/bin/python3.11) (DuckDB allows one writer)"
    )
    assert lock_error(Path("x"), "IO Error: disk full") is None


def test_the_tables_of_a_lakehouse_are_its_own_tables_read_at_once(tmp_path: Path) -> None:
    with open_lakehouse(tmp_path / "other.duckdb") as other:
        other.execute("create table main.elsewhere as select 1 as x")
    with open_lakehouse(tmp_path / "lakehouse.duckdb") as connection:
        connection.execute("create schema sources")
        connection.execute('create table sources."Users" as select 1 as x')
        connection.execute('create view sources.users_view as select * from sources."Users"')
        connection.execute(f"attach '{tmp_path / 'other.duckdb'}' as other (read_only)")
        found = tables_of(connection)
        assert found == {("sources", "Users")}
        # The same answer as asking of each relation in turn, which it replaces in loops.
        for schema, name in [
            ("sources", "Users"),
            ("sources", "users_view"),
            ("main", "elsewhere"),
        ]:
            assert table_exists(connection, f"{schema}.{name}") == ((schema, name) in found)


def test_a_lakehouse_that_is_not_duckdb_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "lakehouse.duckdb"
    path.write_text("not a database")
    with (
        pytest.raises(DataPlatformError, match=r"cannot open lakehouse .*not a valid DuckDB"),
        open_lakehouse(path),
    ):
        pass


def test_the_lakehouse_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "lakehouse.duckdb"
    with open_lakehouse(path) as connection:
        assert connection.execute("SELECT 42").fetchone() == (42,)
    assert path.is_file()


def test_generated_columns_are_copied(tmp_path: Path) -> None:
    file = sqlite_file(
        tmp_path / "s.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, amount REAL, "
        "doubled REAL GENERATED ALWAYS AS (amount * 2) VIRTUAL)",
        "INSERT INTO t (id, amount) VALUES (1, 1.25), (2, NULL)",
    )
    data = read_one(file)
    assert data.column_names == ["id", "amount", "doubled"]
    assert data.column("doubled").to_pylist() == [2.5, None]


# A writer killed inside its transaction: the rows changed, the cache spilled into the file (its
# original pages in the journal beside it), then SIGKILL before the commit.
_KILLED_WRITER = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")
connection.execute("BEGIN")
connection.execute("UPDATE test SET value = -value")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_write_killed_in_its_transaction_is_rolled_back_before_reading(tmp_path: Path) -> None:
    """SQLite leaves a killed writer's changes in the file and the pages they replaced in its
    journal: the reader rolls them back (SQLite's recovery; a read-only connection cannot)
    and reads the rows as they were committed."""
    path = tmp_path / "killed.sqlite"
    sqlite_file(
        path,
        "CREATE TABLE test (id INTEGER PRIMARY KEY, value INTEGER, padding TEXT)",
        series(5000) + "INSERT INTO test SELECT value, value, printf('%0500d', 0) FROM series",
    )
    committed = path.read_bytes()
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False)
    journal = path.with_name(path.name + "-journal")
    assert killed.returncode == -signal.SIGKILL
    assert journal.is_file() and path.read_bytes() != committed  # half-written, as SQLite left it
    table = read_one(SqliteFile(path))
    assert table.num_rows == 5000 and pc.min(table["value"]).as_py() == 1
    assert not journal.exists() and path.read_bytes() == committed


_COMMITTING_WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
connection.execute("UPDATE test SET value = 2")
print("holding", flush=True)
time.sleep(0.5)
connection.execute("COMMIT")
"""


def test_a_reader_waits_for_a_writer_committing_in_another_process(tmp_path: Path) -> None:
    """An extract brings the file forward in place while a load in another process reads it:
    the reader waits for the commit's lock (up to BUSY_TIMEOUT_MS) instead of failing."""
    path = tmp_path / "busy.sqlite"
    file = sqlite_file(
        path,
        "CREATE TABLE test (id INTEGER PRIMARY KEY, value INTEGER)",
        "INSERT INTO test VALUES (1, 1)",
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", _COMMITTING_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "holding\n"
    assert read_one(file)["value"].to_pylist() == [2]
    assert writer.wait(timeout=30) == 0
