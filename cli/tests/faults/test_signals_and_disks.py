"""Real signals to real runs, a real full disk: one line, previous files intact, no leftovers."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import run_cli
from support.disks import tiny_disk
from support.processes import digest, start, temporaries, wait_for
from support.sqlite_rows import rows

pytestmark = pytest.mark.slow


def test_ctrl_c_during_extract(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli(data, "-q", "extract", "--sources", "app").exit_code == 0
    app = Settings(data_folder=data).source_file("app")
    before = digest(app)
    process = start(data, "extract", "--sources", "app", "--scale", "20", "--as-of", "2025-06-30")
    wait_for(lambda: bool(temporaries(app.parent)), process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines() == [
        "Error: interrupted during extract: the source files are as they were "
        "(a file is renamed into place only when complete, or brought forward in one SQLite "
        "transaction)"
    ]
    assert digest(app) == before
    assert temporaries(app.parent) == []


def test_ctrl_c_during_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli(data, "-q", "extract", "load").exit_code == 0
    lakehouse = Settings(data_folder=data).lakehouse_file
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        [(before,)] = connection.execute("select count(*) from sources.app__invoices").fetchall()
    assert run_cli(data, "-q", "extract", "--sources", "app", "--scale", "20").exit_code == 0
    logs = Settings(data_folder=data).logs_folder
    known = set(logs.iterdir())
    process = start(data, "load", "--sources", "app")

    def writing() -> bool:
        return any("Writing" in p.read_text() for p in set(logs.iterdir()) - known)

    wait_for(writing, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == (
        "Error: interrupted during load: the lakehouse is as it was before this load "
        "(one transaction)"
    )
    assert "Traceback" not in err
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        [(after,)] = connection.execute("select count(*) from sources.app__invoices").fetchall()
    assert after == before


def test_ctrl_c_during_transform(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli(data, "-q", "extract", "load").exit_code == 0
    dbt_log = Settings(data_folder=data).dbt_logs_folder / "dbt.log"
    process = start(data, "transform")

    def building() -> bool:  # dbt has started running models
        return dbt_log.exists() and " START " in dbt_log.read_text(errors="replace")

    wait_for(building, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "Error: interrupted during transform: the sources are intact; "
        "run `data-platform transform` again to rebuild the layers"
    )
    shown = run_cli(data, "status")  # recorded as interrupted, with why (not `FAILED ...: `)
    assert "Last transform: interrupted (" in shown.stdout, shown.stdout
    assert "error: Ctrl-C (SIGINT) during the dbt build" in shown.stdout


def test_a_killed_extract_leaves_nothing_after_the_next_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sources = Settings(data_folder=data).sources_folder
    process = start(data, "extract", "--sources", "app", "--scale", "20")
    wait_for(lambda: bool(temporaries(sources)), process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    leftovers = temporaries(sources)
    assert leftovers and all(f".app.sqlite.{process.pid}.tmp" in p.name for p in leftovers)
    assert run_cli(data, "-q", "extract", "--sources", "app").exit_code == 0
    assert temporaries(sources) == []
    assert sorted(path.name for path in sources.iterdir()) == [
        ".app.sqlite.changes.json",
        "app.sqlite",
    ]


def test_an_extract_killed_bringing_a_file_forward_is_rolled_back(tmp_path: Path) -> None:
    """SIGKILL while `extract` writes two years of rows into the App's file, once SQLite has
    spilled some into the file (it grew): its journal stays beside it. `load` rolls the write
    back and loads the file as it was; the next `extract` brings it forward to a file equal to
    a whole extract."""
    data = tmp_path / "data"
    early = ("--sources", "app", "--scale", "20", "--as-of", "2024-06-30")
    late = ("--sources", "app", "--scale", "20", "--as-of", "2026-06-30")
    assert run_cli(data, "-q", "extract", *early).exit_code == 0
    app = Settings(data_folder=data).source_file("app")
    journal = app.with_name(app.name + "-journal")
    committed = digest(app)
    size = app.stat().st_size
    process = start(data, "extract", *late)
    wait_for(lambda: journal.exists() and app.stat().st_size > size, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert journal.exists() and digest(app) != committed  # half-written, with its journal
    assert run_cli(data, "-q", "load", "--sources", "app").exit_code == 0
    assert not journal.exists() and digest(app) == committed
    with duckdb.connect(str(Settings(data_folder=data).lakehouse_file), read_only=True) as db:
        [(as_of,)] = db.execute("select as_of from sources.app__extract_metadata").fetchall()
    assert str(as_of).startswith("2024-06-30")
    assert run_cli(data, "-q", "extract", *late).exit_code == 0
    assert run_cli(tmp_path / "whole", "-q", "extract", *late).exit_code == 0
    whole = Settings(data_folder=tmp_path / "whole").source_file("app")
    for table in ("users", "job_contracts", "clients", "invoices"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert rows(app, query) == rows(whole, query), table


def test_a_running_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    sources = tmp_path / "data" / "sources"
    sources.mkdir(parents=True)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = sources / f".app.sqlite.{alive.pid}.tmp"
        theirs.write_text("being written", encoding="utf-8")
        assert run_cli(tmp_path / "data", "-q", "extract", "--sources", "app").exit_code == 0
        assert theirs.exists()
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.parametrize("size_kib", [1024, 1300, 1350])
def test_extract_on_a_full_disk(tmp_path: Path, size_kib: int) -> None:
    """The disk fills at different points: SQLite's DDL (1 MiB), ADBC's bulk insert (1.3 MiB)."""
    data = tmp_path / "data"
    with tiny_disk(data, size_kib):
        run = run_cli(data, "extract")
        leftovers = temporaries(data / "sources")
    assert run.exit_code == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, run.stderr
    assert ".sqlite: " in errors[0] and "database or disk is full" in errors[0]
    assert "Traceback" not in run.stderr
    assert leftovers == []


def test_a_whole_data_folder_on_a_full_disk(tmp_path: Path) -> None:
    """The disk fills during the transform: dbt's own log fails too (612 lines before)."""
    data = tmp_path / "data"
    with tiny_disk(data, 3 * 1024):
        process = start(data, "extract", "load", "transform")  # as a user runs it
        _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "Traceback" not in err and "Logging error" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert errors == [err.strip().splitlines()[-1]]
    assert "No space left on device" in errors[0]
