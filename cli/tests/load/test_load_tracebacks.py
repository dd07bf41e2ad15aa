"""Bad states that gave a Python traceback now give one line, the data intact."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

from load.load_support import write_sources
from support.cli import run_cli


def test_a_null_id_in_an_incremental_load_is_one_line(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert run_cli(tmp_path, "load").exit_code == 0
    lakehouse = tmp_path / "lakehouse" / "lakehouse.duckdb"
    before = hashlib.sha256(lakehouse.read_bytes()).hexdigest()
    with closing(sqlite3.connect(tmp_path / "sources" / "app.sqlite")) as app:
        # The application's key, without its constraint, and one row without an id.
        app.executescript(
            "CREATE TABLE _u (id INTEGER, first_name TEXT, last_name TEXT, email TEXT, "
            "created_at TEXT, updated_at TEXT); INSERT INTO _u SELECT * FROM users; "
            "DROP TABLE users; ALTER TABLE _u RENAME TO users;"
            "UPDATE users SET id = NULL, updated_at = '2030-01-01 00:00:00' "
            "WHERE id = (SELECT min(id) FROM users);"
        )
        app.commit()
    run = run_cli(tmp_path, "load")
    assert run.exit_code == 1
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr
    assert "1 row with no id" in lines[-1] and "--full-refresh" in lines[-1]
    assert hashlib.sha256(lakehouse.read_bytes()).hexdigest() == before
