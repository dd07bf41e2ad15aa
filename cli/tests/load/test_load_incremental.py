"""Incremental load: only what changed is applied, and the result equals a full load."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.load import incremental as incremental_module
from jump.data_platform.load.history import (
    FULL,
    INCREMENTAL,
    LoadRecord,
    is_older,
    recent_loads,
)
from jump.data_platform.load.loader import load_sources
from jump.data_platform.settings import Settings
from jump.data_platform.sources.extract import extract_sources
from jump.data_platform.sources.written_files import LastWritten, delta_file
from load.load_support import expected_lakehouse, lakehouse_tables, write_sources
from support.cli import run_cli


def _read_recent_loads(lakehouse: Path, limit: int = 5) -> list[LoadRecord]:
    with open_lakehouse(lakehouse, read_only=True) as connection:
        return recent_loads(connection, limit)


PARIS = ZoneInfo("Europe/Paris")


def _set_as_of(folder: Path, as_of: str) -> None:
    for source in ("app", "crm"):
        with sqlite3.connect(folder / "sources" / f"{source}.sqlite") as connection:
            connection.execute("UPDATE extract_metadata SET as_of = ?", [as_of])
        connection.close()


def _change_app(folder: Path) -> None:
    """One of each change an application makes: an insert, an update (with its updated_at),
    a delete, and an insert dated in the past (found by its id, not its date)."""
    with sqlite3.connect(folder / "sources" / "app.sqlite") as app:
        app.execute("DELETE FROM invoices WHERE id IN (3, 4)")
        app.execute(
            "UPDATE job_contracts SET end_date = '2025-01-31', updated_at = '2025-02-01 09:00:00' "
            "WHERE id = 2"
        )
        app.execute(
            "INSERT INTO invoices SELECT 100000, 'JMP00100000', job_contract_id, client_id, "
            "'2025-01-02', 12.5, '2025-01-02 10:00:00', '2025-01-02 10:00:00' "
            "FROM invoices WHERE id = 1"
        )
        app.execute(
            "INSERT INTO users VALUES (5000, 'Old', 'Row', 'old@example.fr', "
            "'2020-01-01 00:00:00', '2020-01-01 00:00:00')"
        )
    app.close()


def test_only_the_changed_rows_are_applied_and_the_copy_stays_faithful(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    settings = Settings(data_folder=tmp_path)
    first = load_sources(settings, ["app", "crm"])
    assert {table.mode for table in first.tables} == {FULL}

    _change_app(tmp_path)
    _set_as_of(tmp_path, "2025-01-02T12:00:00+01:00")
    second = load_sources(settings, ["app", "crm"])

    by_name = {table.name: table for table in second.tables}
    assert by_name["app__invoices"].mode == INCREMENTAL
    assert (by_name["app__invoices"].inserted, by_name["app__invoices"].deleted) == (1, 2)
    assert by_name["app__job_contracts"].updated == 1
    assert by_name["app__users"].inserted == 1
    assert by_name["crm__customers"].changed == 0
    assert by_name["app__extract_metadata"].mode == FULL  # no id: always replaced
    assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(tmp_path)


def test_unchanged_rows_keep_their_loaded_at(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    settings = Settings(data_folder=tmp_path)
    load_sources(settings, ["app"])
    _change_app(tmp_path)
    load_sources(settings, ["app"])
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        stamps = dict(
            connection.execute(
                "SELECT id, _loaded_at FROM sources.app__job_contracts WHERE id IN (1, 2)"
            ).fetchall()
        )
    assert stamps[2] > stamps[1]


def test_each_load_is_recorded_and_status_shows_the_last_ones(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    assert run_cli(tmp_path, "--quiet", "load").exit_code == 0
    _change_app(tmp_path)
    assert run_cli(tmp_path, "--quiet", "load", "--sources", "app").exit_code == 0

    loads = _read_recent_loads(Settings(data_folder=tmp_path).lakehouse_file)
    assert [(load.load_id, load.source) for load in loads] == [(2, "app"), (1, "app"), (1, "crm")]
    assert loads[0].mode == "mixed"  # incremental tables, and extract_metadata replaced
    assert (loads[0].inserted, loads[0].updated, loads[0].deleted) == (3, 1, 3)
    assert loads[0].as_of == "2024-12-31"

    status = run_cli(tmp_path, "status")
    assert status.exit_code == 0, status.stderr
    assert "Recent loads" in status.stdout
    assert "incremental" in status.stdout or "mixed" in status.stdout


def test_an_older_extract_is_refused_in_one_line_unless_full_refresh(tmp_path: Path) -> None:
    write_sources(tmp_path, seed=1)
    _set_as_of(tmp_path, "2025-03-01T10:00:00+01:00")
    assert run_cli(tmp_path, "--quiet", "load").exit_code == 0
    before = lakehouse_tables(Settings(data_folder=tmp_path).lakehouse_file, with_loaded_at=True)

    _set_as_of(tmp_path, "2025-03-01T09:00:00+01:00")
    refused = run_cli(tmp_path, "--quiet", "load")
    assert refused.exit_code == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "app.sqlite is an extract as of 2025-03-01T09:00:00+01:00, older than" in refused.stderr
    assert "--full-refresh" in refused.stderr
    assert lakehouse_tables(refused.lakehouse, with_loaded_at=True) == before

    replaced = run_cli(tmp_path, "--quiet", "load", "--full-refresh")
    assert replaced.exit_code == 0, replaced.stderr
    loads = _read_recent_loads(replaced.lakehouse, limit=1)
    assert {load.mode for load in loads} == {FULL}


@pytest.mark.parametrize(
    ("new", "loaded", "older"),
    [
        ("2025-03-01", "2025-03-01", False),
        ("2025-02-28", "2025-03-01", True),
        ("2025-03-01T23:00:00+01:00", "2025-03-01", True),  # a date means its end
        ("2025-03-02T00:00:00+01:00", "2025-03-01", False),
        ("2025-10-26T02:30:00+01:00", "2025-10-26T02:30:00+02:00", False),  # an hour later
        ("2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00", True),
    ],
)
def test_as_of_comparison(new: str, loaded: str, older: bool) -> None:
    assert is_older(new, loaded) is older


def _extract(settings: Settings, as_of: datetime, changes_only: bool = False) -> None:
    """The extract at an instant (the hourly simulation)."""
    extract_sources(settings, ["app", "crm"], as_of, scale=1, changes_only=changes_only)


def test_incremental_load_equals_a_full_load_after_random_as_of_steps(tmp_path: Path) -> None:
    """The simulation at a random increasing sequence of as-of instants, loaded incrementally,
    gives row for row what one full load of the last extract gives."""
    rng = random.Random(12)
    incremental = Settings(data_folder=tmp_path / "incremental", random_seed=5)
    as_of = datetime(2025, 1, 1, 9, tzinfo=PARIS)
    for _ in range(5):
        as_of += timedelta(hours=rng.randint(1, 24 * 60))
        _extract(incremental, as_of)
        load_sources(incremental, ["app", "crm"])
    loaded = lakehouse_tables(incremental.lakehouse_file)
    assert loaded == expected_lakehouse(incremental.data_folder)

    full = Settings(data_folder=incremental.data_folder, random_seed=5)
    load_sources(full, ["app", "crm"], full_refresh=True)
    assert lakehouse_tables(full.lakehouse_file) == loaded
    changes = _read_recent_loads(incremental.lakehouse_file, limit=10)
    assert any(load.mode != FULL for load in changes)


def _spy_on_key_scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the tables whose keys a load reads from their file, as it reads them."""
    scanned: list[str] = []
    real_keyed_rows = incremental_module._keyed_rows

    def keyed_rows(file: Any, info: Any) -> Any:
        scanned.append(info.name)
        return real_keyed_rows(file, info)

    monkeypatch.setattr(incremental_module, "_keyed_rows", keyed_rows)
    return scanned


def test_a_load_of_what_this_process_extracted_applies_the_ids_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's extracts (brought forward in this process) then loads: each load applies
    the ids the extract changed, reads no key of the file, and ends where a full load does."""
    scanned = _spy_on_key_scans(monkeypatch)
    rng = random.Random(7)
    settings = Settings(data_folder=tmp_path / "forward", random_seed=5)
    as_of = datetime(2025, 3, 1, 9, tzinfo=PARIS)
    _extract(settings, as_of, changes_only=True)
    load_sources(settings, ["app", "crm"])
    for _ in range(4):
        as_of += timedelta(hours=rng.choice([1, 7, 24 * 20]))
        _extract(settings, as_of, changes_only=True)
        load_sources(settings, ["app", "crm"])
        assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(settings.data_folder)
    assert scanned == []
    changes = _read_recent_loads(settings.lakehouse_file, limit=10)
    assert sum(load.inserted + load.updated + load.deleted for load in changes[:-2]) > 0


def test_a_load_in_another_process_applies_the_ids_the_extract_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`data-platform extract` then `data-platform load`, two processes: the load applies the
    ids the extract saved beside the file, reads no key, and ends where a full load does; a
    file edited after its extract (its saved ids then stale) is compared key by key."""
    scanned = _spy_on_key_scans(monkeypatch)
    settings = Settings(data_folder=tmp_path / "forward", random_seed=5)
    as_of = datetime(2025, 3, 1, 9, tzinfo=PARIS)
    _extract(settings, as_of, changes_only=True)
    load_sources(settings, ["app", "crm"])
    for hours in (1, 24 * 20):
        as_of += timedelta(hours=hours)
        _extract(settings, as_of, changes_only=True)
        LastWritten._files.clear()  # what a new process knows
        load_sources(settings, ["app", "crm"])
        assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(settings.data_folder)
    assert scanned == []

    _extract(settings, as_of + timedelta(hours=2), changes_only=True)
    LastWritten._files.clear()
    app = settings.source_file("app")
    with sqlite3.connect(app) as connection:
        connection.execute(
            "UPDATE invoices SET amount = amount + 1, "
            "updated_at = datetime(updated_at, '+1 second') WHERE id = 1"
        )
    connection.close()
    load_sources(settings, ["app", "crm"])
    assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(settings.data_folder)
    assert "invoices" in scanned


@pytest.mark.parametrize("content", ["", "{not json", '{"before": 1}', '{"tables": []}'])
def test_a_damaged_file_of_saved_ids_is_ignored(tmp_path: Path, content: str) -> None:
    """The saved ids are a shortcut: a damaged file of them makes the load compare the keys,
    with the same result, and a file written whole replaces them with its identity alone."""
    settings = Settings(data_folder=tmp_path / "forward", random_seed=5)
    as_of = datetime(2025, 3, 1, 9, tzinfo=PARIS)
    _extract(settings, as_of, changes_only=True)
    load_sources(settings, ["app", "crm"])
    _extract(settings, as_of + timedelta(hours=30), changes_only=True)
    saved = delta_file(settings.source_file("app"))
    assert saved.is_file()
    saved.write_text(content, encoding="utf-8")
    LastWritten._files.clear()
    load_sources(settings, ["app", "crm"])
    assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(settings.data_folder)
    _extract(settings, as_of + timedelta(hours=31), changes_only=False)
    record = json.loads(saved.read_text(encoding="utf-8"))
    assert (record["before"], record["tables"]) == (None, {})


def test_a_file_unchanged_since_its_last_load_is_not_read_again(tmp_path: Path) -> None:
    """A source whose file is the very one its last load read (same size, times and inode) is
    left out: a refresh of an hour already loaded costs no read of the history."""
    write_sources(tmp_path, seed=1)
    settings = Settings(data_folder=tmp_path)
    writes: list[str] = []  # `on_write` is called before a load writes, never when it does not
    load_sources(settings, ["app", "crm"], on_write=lambda: writes.append("first"))
    again = load_sources(settings, ["app", "crm"], on_write=lambda: writes.append("again"))
    assert (again.tables, again.unchanged, again.load_id) == ((), ("app", "crm"), 1)
    assert {load.load_id for load in _read_recent_loads(settings.lakehouse_file)} == {1}

    _change_app(tmp_path)  # written by the application: its times move
    third = load_sources(settings, ["app", "crm"], on_write=lambda: writes.append("third"))
    assert writes == ["first", "third"]
    assert {table.source for table in third.tables} == {"app"} and third.unchanged == ("crm",)
    assert lakehouse_tables(settings.lakehouse_file) == expected_lakehouse(tmp_path)

    # The same bytes put back by a copy that keeps the times (`cp -p`): read again.
    crm = tmp_path / "sources" / "crm.sqlite"
    shutil.copy2(crm, tmp_path / "crm.copy")
    shutil.copy2(tmp_path / "crm.copy", crm)
    fourth = load_sources(settings, ["crm"])
    assert {table.name: table.changed for table in fourth.tables}["crm__customers"] == 0
    assert fourth.load_id == 3
