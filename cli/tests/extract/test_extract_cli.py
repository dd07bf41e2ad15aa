"""`data-platform extract` end to end through the real entry point."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.sources import sqlite_writer


def test_extract_writes_both_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-folder", str(tmp_path), "extract", "--as-of", "2026-02-10"])
    assert code == 0
    for source, table in [("app", "invoices"), ("crm", "customers")]:
        with sqlite3.connect(tmp_path / "sources" / f"{source}.sqlite") as connection:
            [(count,)] = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
            [(as_of,)] = connection.execute("SELECT as_of FROM extract_metadata").fetchall()
        connection.close()
        assert count > 0
        assert as_of == "2026-02-10"
    assert "invoices" in capsys.readouterr().err
    assert sorted(path.name for path in (tmp_path / "sources").iterdir()) == [
        "app.sqlite",
        "crm.sqlite",
    ]


def test_sources_option_selects_one_application(tmp_path: Path) -> None:
    assert main(["--data-folder", str(tmp_path), "extract", "--sources", "crm"]) == 0
    assert [path.name for path in (tmp_path / "sources").iterdir()] == ["crm.sqlite"]


def test_data_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_PLATFORM_DATA_FOLDER", str(tmp_path / "from-env"))
    assert main(["-q", "extract", "--sources", "app"]) == 0
    assert (tmp_path / "from-env" / "sources" / "app.sqlite").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["extract", "--scale", "0"], "'--scale': 0 is not in the range 1<=x<=10000"),
        (["extract", "--scale", "-3"], "'--scale'"),
        (["extract", "--as-of", "2026-02-30"], "'--as-of': '2026-02-30' is not a date"),
        (["extract", "--as-of", "tomorrow"], "'--as-of'"),
        (["extract", "--sources", "erp"], "'erp' is not one of 'app', 'crm'"),
        (["--random-seed", "x", "extract"], "'--random-seed'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["--data-folder", str(tmp_path), *arguments]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("Error: ")
    assert message in error
    assert not (tmp_path / "sources").exists()


def test_unwritable_data_folder_gives_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    not_a_folder = tmp_path / "file" / "data"
    assert main(["--data-folder", str(not_a_folder), "extract"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"Error: cannot create folder {not_a_folder / 'sources'}")


def test_an_interrupted_extract_leaves_the_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--data-folder", str(tmp_path), "extract", "--as-of", "2026-01-15"]) == 0
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
        main(["--data-folder", str(tmp_path), "extract", "--as-of", "2026-06-15"])
    assert app.read_bytes() == before
    assert sorted(path.name for path in app.parent.iterdir()) == ["app.sqlite", "crm.sqlite"]


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "data-platform, version" in capsys.readouterr().out
    assert main(["extract", "--help"]) == 0
    help_text = capsys.readouterr().out
    for option in ["--sources", "--as-of", "--scale"]:
        assert option in help_text
