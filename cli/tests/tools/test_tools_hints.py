"""Errors that say what to do: DuckDB's hints kept on the one line, a layer not built yet, a
mistyped data folder left uncreated."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings


def run(folder: Path, *args: str) -> int:
    return main(["--data-folder", str(folder), *args])


@pytest.mark.parametrize(
    ("statement", "hint"),
    [
        ("select turnovr from marts.monthly_turnover", 'Candidate bindings: "turnover"'),
        ("select * from marts.monthly_turnovr", 'Did you mean "monthly_turnover"?'),
    ],
)
def test_query_errors_keep_duckdbs_hints_on_one_line(
    data_folder: Path, capsys: pytest.CaptureFixture[str], statement: str, hint: str
) -> None:
    assert run(data_folder, "query", statement) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: query on ") and hint in err
    assert err.count("\n") == 1 and "LINE 1" not in err


@pytest.fixture
def loaded_only(tmp_path: Path) -> Path:
    """A lakehouse with its sources loaded and no transform yet."""
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create schema sources; create table sources.app__users (id int)")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        ("query", "select * from marts.nps"),
        ("export", "marts.nps", "-o", "nps.csv"),
        ("export", "nps", "-o", "nps.csv"),
    ],
)
def test_a_mart_before_any_transform_points_to_transform(
    loaded_only: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    args = [str(loaded_only / a) if a.endswith(".csv") else a for a in command]
    assert run(loaded_only, *args) == 1
    err = capsys.readouterr().err
    assert "`data-platform transform`" in err and "run it first" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [("query", "select 1"), ("load",), ("transform",), ("report",), ("export", "marts.nps")],
)
def test_a_mistyped_data_folder_is_left_uncreated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    mistyped = tmp_path / "dta"
    assert run(mistyped, *command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: Invalid value for '--data-folder': no data folder {mistyped}")
    assert err.count("\n") == 1
    assert not mistyped.exists()


def test_status_of_a_missing_data_folder_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mistyped = tmp_path / "dta"
    assert run(mistyped, "status") == 0
    assert "No lakehouse at" in capsys.readouterr().out
    assert not mistyped.exists()
