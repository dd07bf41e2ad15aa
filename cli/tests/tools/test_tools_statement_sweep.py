"""No statement run by a reader changes a file: the lakehouse, its WAL, the sources, anything.

DuckDB adds the open database file and its `.wal` to `allowed_paths` by itself, so
`enable_external_access = false` alone let `COPY ... TO '<lakehouse>' (USE_TMP_FILE false)`
empty the lakehouse. Readers refuse such statements by type before running them; DuckDB's own
shell has its local file system switched off once the lakehouse is open.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import connect
from jump.data_platform.settings import Settings
from jump.data_platform.tools import shell
from jump.data_platform.tools.query import execute_one, fetch_batches
from support.cli import run_cli

ENTRY_POINT = Path(sys.executable).parent / "data-platform"

# Statements of every type DuckDB has that could touch a file ({target} is one), then options.
TEMPLATES = (
    "COPY (SELECT 1 WHERE false) TO {target} ({options})",
    "COPY marts.monthly_turnover TO {target} ({options})",
    "COPY (SELECT 'gone' AS x) TO {target}",
    "COPY marts.monthly_turnover FROM {target}",
    "EXPLAIN ANALYZE COPY (SELECT 1 WHERE false) TO {target} ({options})",
    "explain analyse copy (select 1) to {target} ({options})",
    "EXPLAIN COPY (SELECT 1) TO {target} ({options})",
    "/* a comment */ COPY (SELECT 1 WHERE false) TO {target} ({options})",
    "PREPARE p AS COPY (SELECT 1 WHERE false) TO {target} ({options})",
    "EXPORT DATABASE {target} ({options})",
    "EXPORT DATABASE {target}",
    "IMPORT DATABASE {target}",
    "ATTACH {target} AS other",
    "ATTACH {target} AS other (READ_ONLY false)",
    "ATTACH {target} AS other (TYPE sqlite)",
    "COPY FROM DATABASE lakehouse TO other",
    "DETACH lakehouse",
    "INSTALL {target}",
    "LOAD {target}",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "VACUUM",
    "ANALYZE",
    "CREATE TABLE marts.t AS SELECT 1",
    "CREATE TEMP TABLE t AS SELECT * FROM marts.monthly_turnover",
    "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')",
    "INSERT INTO marts.monthly_turnover VALUES (DATE '2024-07-01', 1)",
    "UPDATE marts.monthly_turnover SET turnover = 0",
    "DELETE FROM marts.monthly_turnover",
    "DROP TABLE marts.monthly_turnover",
    "ALTER TABLE marts.monthly_turnover RENAME TO gone",
    "SET profiling_output = {target}",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "PRAGMA enable_profiling",
    "CALL enable_logging(storage = 'file', storage_path = {target})",
    "SELECT * FROM read_text({target})",
    "SELECT * FROM marts.monthly_turnover",
    "SUMMARIZE marts.monthly_turnover",
)
OPTIONS = (
    "USE_TMP_FILE false",
    "USE_TMP_FILE true",
    "FORMAT csv",
    "FORMAT parquet",
    "FORMAT json",
    "HEADER false",
    "OVERWRITE true",
    "OVERWRITE_OR_IGNORE true",
    "PER_THREAD_OUTPUT true",
    "APPEND true",
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_wal(lakehouse: Path) -> Path:
    """Leave a committed transaction in the lakehouse's WAL, not yet checkpointed."""
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("PRAGMA disable_checkpoint_on_shutdown")
        connection.execute("SET checkpoint_threshold = '1TB'")
        connection.execute("INSERT INTO marts.monthly_turnover VALUES (DATE '2024-07-01', 99.00)")
    wal = lakehouse.with_name(lakehouse.name + ".wal")
    assert wal.stat().st_size > 0
    return wal


class Files:
    """Every file a statement could aim at, and a snapshot of the whole tree holding them."""

    def __init__(self, root: Path, data_folder: Path) -> None:
        self.root = root
        self.lakehouse = Settings(data_folder=data_folder).lakehouse_file
        self.wal = with_wal(self.lakehouse)
        sources = Settings(data_folder=data_folder).sources_folder
        sources.mkdir(parents=True, exist_ok=True)
        self.source = sources / "app.sqlite"
        with sqlite3.connect(self.source) as sqlite:  # a real SQLite file, as ATTACH opens it
            sqlite.execute("create table users (id integer, email text)")
            sqlite.execute("insert into users values (1, 'zoe.martin@example.com')")
        self.outside = root / "outside" / "precious.csv"
        self.outside.parent.mkdir()
        self.outside.write_text("precious\n", encoding="utf-8")
        self.targets = (
            self.lakehouse,
            self.wal,
            self.source,
            self.outside,
            root / "outside" / "new.csv",
            root / "outside" / "dump",
        )
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, str]:
        return {
            str(path.relative_to(self.root)): digest(path)
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and path.parent.name != "logs"  # each run writes its own log
        }


@pytest.fixture
def files(tmp_path: Path, fresh_data_folder: Path) -> Files:
    return Files(tmp_path, fresh_data_folder)


def run_reader(lakehouse: Path, sql: str) -> None:
    """One statement as `data-platform query` runs it, then EXECUTE of anything it prepared."""
    connection = connect(lakehouse, read_only=True)
    try:
        for text in (sql, "EXECUTE p"):
            try:
                if execute_one(connection, text, lakehouse) is not None:
                    for _ in fetch_batches(connection, lakehouse):
                        pass
            except DataPlatformError:
                pass
    finally:
        connection.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    template=st.sampled_from(TEMPLATES),
    target=st.integers(min_value=0, max_value=5),
    options=st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True),
)
def test_no_reader_statement_changes_a_file(
    files: Files, template: str, target: int, options: list[str]
) -> None:
    sql = template.format(target=f"'{files.targets[target]}'", options=", ".join(options))
    run_reader(files.lakehouse, sql)
    assert files.snapshot() == files.before, sql


def test_every_template_against_every_file(files: Files) -> None:
    """The exhaustive sibling of the property test: each template, each file, once."""
    for template in TEMPLATES:
        for target in files.targets:
            sql = template.format(target=f"'{target}'", options="HEADER false, USE_TMP_FILE false")
            run_reader(files.lakehouse, sql)
            assert files.snapshot() == files.before, sql
    # The committed transaction in the WAL is still there.
    connection = connect(files.lakehouse, read_only=True)
    try:
        found = connection.execute(
            "select count(*) from marts.monthly_turnover where turnover = 99"
        ).fetchone()
    finally:
        connection.close()
    assert found == (1,)


def test_query_refuses_copy_over_the_lakehouse_without_a_temporary_file(files: Files) -> None:
    """The issue's case: exit 0 and a 0-byte lakehouse before."""
    for target in (files.lakehouse, files.wal):
        run = run_cli(
            files.lakehouse.parent.parent,
            "query",
            f"COPY (SELECT 1 WHERE false) TO '{target}' (HEADER false, USE_TMP_FILE false)",
        )
        assert run.exit_code == 1
        assert run.stderr.startswith("Error: refused: COPY statements"), run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    assert files.snapshot() == files.before


def test_the_builtin_shell_refuses_copy_to_the_lakehouse(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shell, "duckdb_cli_binary", lambda: None)
    script = (
        "".join(
            template.format(target=f"'{target}'", options="HEADER false, USE_TMP_FILE false")
            + ";\n"
            for template in TEMPLATES
            for target in files.targets
        )
        + "EXECUTE p;\nselect 'still ' || count(*) as n from marts.monthly_turnover;\n"
    )
    lines: Iterator[str] = iter(script.splitlines())

    def read_line(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    connection = connect(files.lakehouse, read_only=True)
    try:
        shell.run_builtin_shell(connection, files.lakehouse, Console(file=out), read_line)
    finally:
        connection.close()
    assert "still 4" in out.getvalue()
    assert files.snapshot() == files.before


@pytest.mark.skipif(shell.duckdb_cli_binary() is None, reason="the duckdb-cli package is absent")
def test_the_duckdb_shell_cannot_write_the_lakehouse(files: Files) -> None:
    """DuckDB's shell runs every statement it is given: its local file system is off."""
    script = (
        "".join(
            template.format(target=f"'{target}'", options="HEADER false, USE_TMP_FILE false")
            + ";\n"
            for template in TEMPLATES
            for target in files.targets
            if "enable_logging" not in template  # aborts DuckDB's shell itself, harmlessly
        )
        + "select 'still ' || count(*) as n from marts.monthly_turnover;\n"
    )
    done = subprocess.run(
        [str(ENTRY_POINT), "--data-folder", str(files.lakehouse.parent.parent), "query"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "still 4" in done.stdout, done.stderr
    assert "Failed to execute query" not in done.stderr
    assert files.snapshot() == files.before
