"""`data-platform extract` end to end through the real entry point."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.sources import extract as extract_module
from jump.data_platform.sources import sqlite_writer
from jump.data_platform.sources.written_files import LastWritten
from support.cli import run_cli


def test_extract_writes_both_sources(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "extract", "--as-of", "2026-02-10")
    assert run.exit_code == 0
    for source, table in [("app", "invoices"), ("crm", "customers")]:
        with sqlite3.connect(tmp_path / "sources" / f"{source}.sqlite") as connection:
            [(count,)] = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
            [metadata] = connection.execute(
                "SELECT as_of, extracted_at FROM extract_metadata"
            ).fetchall()
        connection.close()
        assert count > 0
        # A date means the whole day: its last second, in Europe/Paris (winter: +01:00).
        assert metadata == ("2026-02-10T23:59:59+01:00", "2026-02-10 23:59:59")
    assert "invoices" in run.stderr
    # Beside each file, the record of its write (sources/written_files.py).
    assert sorted(path.name for path in (tmp_path / "sources").iterdir()) == [
        ".app.sqlite.changes.json",
        ".crm.sqlite.changes.json",
        "app.sqlite",
        "crm.sqlite",
    ]


def test_a_chained_extract_does_not_hold_its_history_through_the_next_steps(
    tmp_path: Path,
) -> None:
    """`data-platform extract load transform` (as `make` runs it) in one process: the month's
    simulated history, kept for the scheduler's next hourly extract, is released when the
    command's extract ends (0.2 GB at scale 100, which put the chained build over 1.2 GiB);
    what the load needs of the write (sources/written_files.py) stays."""
    folder = tmp_path / "chained"
    assert run_cli(folder, "extract", "--as-of", "2026-02-10", "load").exit_code == 0
    assert extract_module._LastHistory.history is None
    app = folder / "sources" / "app.sqlite"
    assert LastWritten.of(app) is not None
    # The same process's next extract simulates the month again, and writes what changed.
    hour_later = run_cli(folder, "extract", "--as-of", "2026-02-11T10:00", "load")
    assert hour_later.exit_code == 0, hour_later.stderr
    assert extract_module._LastHistory.history is None


def test_as_of_takes_a_time_and_defaults_to_now(tmp_path: Path) -> None:
    assert run_cli(tmp_path / "hour", "extract", "--as-of", "2026-06-30T14:00").exit_code == 0
    app = tmp_path / "hour" / "sources" / "app.sqlite"
    with sqlite3.connect(app) as connection:
        [(as_of, latest)] = connection.execute(
            "SELECT (SELECT as_of FROM extract_metadata), max(created_at) FROM invoices"
        ).fetchall()
    connection.close()
    assert as_of == "2026-06-30T14:00:00+02:00"
    assert "2026-06-30 09:00:00" <= latest <= "2026-06-30 14:00:00"
    assert run_cli(tmp_path / "now", "extract", "--sources", "app").exit_code == 0
    with sqlite3.connect(tmp_path / "now" / "sources" / "app.sqlite") as connection:
        [(now,)] = connection.execute("SELECT as_of FROM extract_metadata").fetchall()
    connection.close()
    assert abs(datetime.fromisoformat(now) - datetime.now(UTC)) < timedelta(minutes=10)


def test_sources_option_selects_one_application(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "extract", "--sources", "crm").exit_code == 0
    assert sorted(path.name for path in (tmp_path / "sources").iterdir()) == [
        ".crm.sqlite.changes.json",
        "crm.sqlite",
    ]


def test_data_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_PLATFORM_DATA_FOLDER", str(tmp_path / "from-env"))
    assert main(["-q", "extract", "--sources", "app"]) == 0  # no --data-folder: not run_cli
    assert (tmp_path / "from-env" / "sources" / "app.sqlite").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["extract", "--scale", "0"], "'--scale': 0 is not in the range 1<=x<=10000"),
        (["extract", "--scale", "-3"], "'--scale'"),
        (["extract", "--as-of", "2026-02-30"], "'--as-of': '2026-02-30' is not a date"),
        (["extract", "--as-of", "2026-02-10T25:00"], "'--as-of': '2026-02-10T25:00' is not a"),
        (["extract", "--as-of", "tomorrow"], "'--as-of'"),
        (["extract", "--sources", "erp"], "'erp' is not one of 'app', 'crm'"),
        (["--random-seed", "x", "extract"], "'--random-seed'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    run = run_cli(tmp_path, *arguments)
    assert run.exit_code == 2
    error = run.stderr
    assert error.count("\n") == 1
    assert error.startswith("Error: ")
    assert message in error
    assert not (tmp_path / "sources").exists()


def test_unwritable_data_folder_gives_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    not_a_folder = tmp_path / "file" / "data"
    run = run_cli(not_a_folder, "extract")
    assert run.exit_code == 1
    error = run.stderr
    assert error.count("\n") == 1
    assert error.startswith(f"Error: cannot create folder {not_a_folder / 'sources'}")


def test_an_interrupted_extract_leaves_the_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli(tmp_path, "extract", "--as-of", "2026-01-15").exit_code == 0
    app = tmp_path / "sources" / "app.sqlite"
    before = app.read_bytes()

    class Killed(BaseException):
        """Like a KeyboardInterrupt arriving in the middle of the write."""

    def die_half_way(path: str, **options: object) -> object:
        # The new file already holds its tables, still empty: a half-written database.
        assert Path(path).stat().st_size > 0
        raise Killed

    monkeypatch.setattr(sqlite_writer.adbc_sqlite, "connect", die_half_way)
    with pytest.raises(Killed):
        run_cli(tmp_path, "extract", "--as-of", "2026-06-15")
    assert app.read_bytes() == before
    assert sorted(path.name for path in app.parent.iterdir()) == [
        ".app.sqlite.changes.json",
        ".crm.sqlite.changes.json",
        "app.sqlite",
        "crm.sqlite",
    ]


def test_help_and_version(tmp_path: Path) -> None:
    version = run_cli(tmp_path, "--version")
    assert version.exit_code == 0
    assert "data-platform, version" in version.stdout
    help_run = run_cli(tmp_path, "extract", "--help")
    assert help_run.exit_code == 0
    help_text = help_run.stdout
    for option in ["--sources", "--as-of", "--scale", "YYYY-MM-DD[THH:MM]"]:
        assert option in help_text
