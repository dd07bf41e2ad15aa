"""A repeated extract that writes only what changed (the scheduler's, backfill's) gives exactly
the file a whole new extract gives, and falls back to a whole extract when it cannot apply."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.sources import extract as extract_module
from jump.data_platform.sources import sqlite_update, sqlite_writer
from jump.data_platform.sources.extract import extract_sources
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE, Timeline
from jump.data_platform.sources.written_files import LastWritten
from support.cli import run_cli
from support.processes import holding
from support.sqlite_rows import rows

TABLES = {"app": ("users", "job_contracts", "clients", "invoices"), "crm": ("customers",)}


def _content(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the metadata but its extraction instant), and the schema."""
    content = {}
    for source, tables in TABLES.items():
        path = Settings(data_folder=folder).source_file(source)
        content[f"{source}.schema"] = rows(
            path, "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
        )
        for table in tables:
            content[f"{source}.{table}"] = rows(path, f"SELECT * FROM {table} ORDER BY id")
        content[f"{source}.metadata"] = rows(
            path,
            "SELECT source, as_of, random_seed, scale, generator_version FROM extract_metadata",
        )
    return content


def _extract(folder: Path, as_of: datetime, changes_only: bool) -> None:
    extract_sources(
        Settings(data_folder=folder), ["app", "crm"], as_of, 1, changes_only=changes_only
    )


@pytest.mark.parametrize("another_process", [False, True])
def test_extracts_brought_forward_equal_whole_extracts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, another_process: bool
) -> None:
    """Four random steps forward (hours to months apart): after each, the file brought forward
    holds exactly the rows, schema and indexes of a new extract at that instant. The App's
    file, which the platform wrote and nothing touched since, is brought forward by the
    simulation's changed rows, without comparing its keys: in this process (what it
    remembers) or in another one (the record saved beside the file)."""
    written_whole: list[Path] = []
    compared: list[str] = []  # tables whose keys were compared with the file's

    def write_database(path: Path, *args: Any) -> None:
        written_whole.append(path)
        sqlite_writer.write_database(path, *args)

    def update_table(cursor: Any, name: str, table: pa.Table, previous: Any) -> Any:
        if "id" in table.column_names:
            compared.append(name)
        return real_update_table(cursor, name, table, previous)

    real_update_table = sqlite_update._update_table
    monkeypatch.setattr(extract_module, "write_database", write_database)
    monkeypatch.setattr(sqlite_update, "_update_table", update_table)
    draw = random.Random(20261127)
    as_of = datetime(2025, 1, 1, tzinfo=COMPANY_TIME_ZONE) + timedelta(hours=draw.randrange(9000))
    _extract(tmp_path / "forward", as_of, changes_only=True)
    for _ in range(4):
        as_of += timedelta(hours=draw.choice([1, 5, 30, 24 * 45]))
        if another_process:
            LastWritten._files.clear()
        _extract(tmp_path / "forward", as_of, changes_only=True)
        _extract(tmp_path / "whole", as_of, changes_only=False)
        assert _content(tmp_path / "forward") == _content(tmp_path / "whole")
    # Only the first extract wrote the forward files whole; only the CRM's keys were compared.
    assert [path.parent.parent.name for path in written_whole].count("forward") == 2
    assert set(compared) == {"customers"}


@pytest.mark.parametrize(
    ("held", "start"),
    [
        ("2025-10-26T01:30:00+02:00", True),  # an hour earlier, summer time
        ("2025-10-26T02:30:00+02:00", False),  # earlier, but later on the clock: 02:30 > 02:10
        ("2025-10-26T02:10:00+01:00", True),  # the very instant: nothing to write
        ("2025-10-26T03:00:00+01:00", False),  # later
        ("2025-10-26T01:30:00", False),  # no offset: not an instant the platform wrote
        ("yesterday", False),
        (None, False),
    ],
)
def test_the_changed_rows_start_at_the_held_instant_unless_the_clock_went_back(
    held: str | None, start: bool
) -> None:
    """On the night the clocks go back, 02:10 winter time comes after 02:30 summer time: a
    file holding 02:30 has rows the later instant does not, which only a key comparison
    removes (sources/extract.py: window_start)."""
    now = Timeline(datetime.fromisoformat("2025-10-26T02:10:00+01:00"))
    since = extract_module.window_start(held, now)
    assert (since is not None) == start
    if since is not None:
        assert since == Timeline(datetime.fromisoformat(str(held))).cutoff_second


def test_a_file_edited_by_hand_is_written_anew(tmp_path: Path) -> None:
    """A table the file lost, or an earlier as-of: the extract writes the whole file again."""
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    _extract(tmp_path / "whole", as_of, changes_only=False)
    folder = tmp_path / "edited"
    _extract(folder, as_of - timedelta(days=3), changes_only=False)
    app = Settings(data_folder=folder).source_file("app")
    with sqlite3.connect(app) as connection:
        connection.execute("DROP TABLE clients")
    connection.close()
    _extract(folder, as_of, changes_only=True)
    assert _content(folder) == _content(tmp_path / "whole")
    _extract(folder, as_of + timedelta(days=30), changes_only=True)
    _extract(folder, as_of, changes_only=True)  # back in time: anew
    assert _content(folder) == _content(tmp_path / "whole")


@pytest.mark.parametrize("source", ["app", "crm"])
def test_another_history_is_written_anew(tmp_path: Path, source: str) -> None:
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    extract_sources(Settings(data_folder=tmp_path, random_seed=7), [source], as_of, 1)
    extract_sources(Settings(data_folder=tmp_path), [source], as_of, 1, changes_only=True)
    path = Settings(data_folder=tmp_path).source_file(source)
    assert rows(path, "SELECT random_seed FROM extract_metadata") == [(42,)]


def test_extracts_of_one_month_share_its_simulation_and_equal_fresh_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history of a month is simulated once per process (the hourly extracts of the
    scheduler): an extract reusing it equals one simulated from nothing."""
    early = datetime(2025, 5, 3, 9, tzinfo=COMPANY_TIME_ZONE)
    late = datetime(2025, 5, 28, 17, tzinfo=COMPANY_TIME_ZONE)
    _extract(tmp_path / "early", early, changes_only=False)
    shared = extract_module._LastHistory.history
    _extract(tmp_path / "reused", late, changes_only=False)
    assert extract_module._LastHistory.history is shared  # not simulated again
    monkeypatch.setattr(extract_module._LastHistory, "history", None)
    _extract(tmp_path / "fresh", late, changes_only=False)
    assert extract_module._LastHistory.history is not shared
    assert _content(tmp_path / "reused") == _content(tmp_path / "fresh")
    assert _content(tmp_path / "reused") != _content(tmp_path / "early")


def test_an_instant_already_written_writes_nothing_unless_the_file_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler extracting the hour it holds (a retry, a refresh by hand) leaves the file
    untouched; a file written by someone else since is brought forward again (repaired)."""
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    _extract(tmp_path / "whole", as_of, changes_only=False)
    folder = tmp_path / "forward"
    _extract(folder, as_of - timedelta(hours=3), changes_only=True)
    _extract(folder, as_of, changes_only=True)
    app = Settings(data_folder=folder).source_file("app")
    before = app.stat()
    simulated: list[str] = []
    real_tables = extract_module.Simulation.tables

    def tables(self: extract_module.Simulation, source: str) -> Any:
        simulated.append(source)
        return real_tables(self, source)

    monkeypatch.setattr(extract_module.Simulation, "tables", tables)
    _extract(folder, as_of, changes_only=True)
    assert simulated == [] and app.stat().st_mtime_ns == before.st_mtime_ns

    with sqlite3.connect(app) as connection:
        connection.execute(
            "UPDATE invoices SET amount = amount + 1, updated_at = '2025-06-01 12:00:00'"
            " WHERE id = 1"
        )
    connection.close()
    _extract(folder, as_of, changes_only=True)
    assert simulated == ["app"]  # the CRM's file is as it was written
    assert _content(folder) == _content(tmp_path / "whole")


@pytest.mark.parametrize("offset", [0, 10**12])
def test_changed_ids_by_position_or_by_sorting(offset: int) -> None:
    """Ids numbered from 1 are matched by a table indexed by id, ids far apart by sorting:
    both find the same rows gone and written."""
    previous = pa.table({"id": [1, 2, 3, 5], "updated_at": ["a", "a", "a", "a"]})
    current = pa.table({"id": [5, 2, 3, 9], "updated_at": ["a", "b", "a", "a"]})
    gone, written = sqlite_update._changed_ids(
        previous.set_column(0, "id", pc.add(previous["id"], offset)),
        current.set_column(0, "id", pc.add(current["id"], offset)),
    )
    assert (gone - offset).tolist() == [1, 2] and (written - offset).tolist() == [2, 9]


def test_the_cli_brings_a_file_forward_and_full_refresh_writes_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`extract` at a later instant writes only what changed (the file equals a whole extract);
    a row edited by hand without moving its `updated_at` stays until `--full-refresh`."""
    written_whole: list[str] = []

    def write_database(path: Path, *args: Any) -> None:
        written_whole.append(path.name)
        sqlite_writer.write_database(path, *args)

    monkeypatch.setattr(extract_module, "write_database", write_database)
    folder = tmp_path / "cli"
    assert run_cli(folder, "extract", "--as-of", "2025-06-01T10:00").exit_code == 0
    assert run_cli(folder, "extract", "--as-of", "2025-06-02T15:00").exit_code == 0
    assert written_whole == ["app.sqlite", "crm.sqlite"]  # the second run wrote no file whole
    _extract(tmp_path / "whole", datetime(2025, 6, 2, 15, tzinfo=COMPANY_TIME_ZONE), False)
    assert _content(folder) == _content(tmp_path / "whole")

    app = Settings(data_folder=folder).source_file("app")
    with sqlite3.connect(app) as connection:
        connection.execute("UPDATE invoices SET amount = amount + 1 WHERE id = 1")
    connection.close()
    assert run_cli(folder, "extract", "--as-of", "2025-06-02T15:00").exit_code == 0
    assert _content(folder) != _content(tmp_path / "whole")
    assert (
        run_cli(folder, "extract", "--as-of", "2025-06-02T15:00", "--full-refresh").exit_code == 0
    )
    assert _content(folder) == _content(tmp_path / "whole")


def test_a_file_brought_forward_is_updated_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bringing a file forward writes the changed rows into the file itself, in one SQLite
    transaction: no copy of the whole file beside it (the App's is 190 MB at scale 100)."""
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    folder = tmp_path / "forward"
    _extract(folder, as_of - timedelta(days=2), changes_only=True)
    files = {source: Settings(data_folder=folder).source_file(source) for source in TABLES}
    inodes = {source: path.stat().st_ino for source, path in files.items()}
    opened: list[str] = []
    real_connect = sqlite_update.adbc_sqlite.connect

    def connect(uri: str, **options: Any) -> Any:
        opened.append(uri)
        return real_connect(uri, **options)

    monkeypatch.setattr(sqlite_update.adbc_sqlite, "connect", connect)
    _extract(folder, as_of, changes_only=True)
    assert [uri.split("?")[0] for uri in opened] == [p.resolve().as_uri() for p in files.values()]
    assert {source: path.stat().st_ino for source, path in files.items()} == inodes
    assert sorted(p.name for p in folder.joinpath("sources").iterdir()) == [
        ".app.sqlite.changes.json",
        ".crm.sqlite.changes.json",
        "app.sqlite",
        "crm.sqlite",
    ]
    _extract(tmp_path / "whole", as_of, changes_only=False)
    assert _content(folder) == _content(tmp_path / "whole")


@pytest.mark.parametrize("keyed", [True, False])
def test_an_update_that_fails_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    """A write that fails after other tables were written (a full disk, an I/O error) rolls
    the whole transaction back: every table as it was, no journal left."""
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    _extract(tmp_path, as_of, changes_only=True)
    before = _content(tmp_path)
    app = Settings(data_folder=tmp_path).source_file("app")
    later = extract_module.Simulation(Settings().random_seed, 1, as_of + timedelta(days=20))
    real_update_table = sqlite_update._update_table
    failing = "invoices" if keyed else "extract_metadata"  # written after the others

    def update_table(cursor: Any, name: str, table: pa.Table, previous: Any) -> Any:
        written = real_update_table(cursor, name, table, previous)
        if name == failing:
            raise sqlite3.OperationalError("disk I/O error")
        return written

    monkeypatch.setattr(sqlite_update, "_update_table", update_table)
    with pytest.raises(DataPlatformError, match=f"cannot write {app}: disk I/O error"):
        sqlite_update.update_database(app, later.tables("app"))
    assert not app.with_name(app.name + "-journal").exists()
    assert _content(tmp_path) == before


_READER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN")
connection.execute("SELECT count(*) FROM invoices").fetchall()
print("reading", flush=True)
sys.stdin.read()
"""


def test_a_reader_that_keeps_the_file_makes_the_extract_write_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader in another process stays in its transaction past the wait: the update in
    place cannot commit and rolls back; the extract writes a new file and renames it into
    place, which the reader does not see."""
    as_of = datetime(2025, 6, 1, 12, tzinfo=COMPANY_TIME_ZONE)
    _extract(tmp_path / "forward", as_of - timedelta(days=2), changes_only=True)
    app = Settings(data_folder=tmp_path / "forward").source_file("app")
    written_whole: list[str] = []

    def write_database(path: Path, *args: Any) -> None:
        written_whole.append(path.name)
        sqlite_writer.write_database(path, *args)

    monkeypatch.setattr(extract_module, "write_database", write_database)
    monkeypatch.setattr(sqlite_update, "BUSY_TIMEOUT_MS", 100)
    with holding(_READER, str(app)) as (_, line):
        assert line == "reading\n"
        _extract(tmp_path / "forward", as_of, changes_only=True)
    assert written_whole == ["app.sqlite"]
    _extract(tmp_path / "whole", as_of, changes_only=False)
    assert _content(tmp_path / "forward") == _content(tmp_path / "whole")
