"""Values a spreadsheet would misread: CSV cells that start a formula get a leading `'` (on by
default for export, an option for query), and an Excel cell cut at 32,767 characters warns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from jump.data_platform.settings import Settings
from support.cli import run_cli

FORMULAS = ['=HYPERLINK("http://x", "y")', "+1+1", "@SUM(1)", "-2+3", "\tx"]


@pytest.fixture
def hostile_folder(fresh_data_folder: Path) -> Path:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create table marts.hostile (id integer, name varchar, amount integer)")
        connection.executemany(
            "insert into marts.hostile values (?, ?, ?)",
            [(i, text, -i) for i, text in enumerate([*FORMULAS, "plain"])],
        )
        connection.execute("create table marts.long_name as select repeat('x', 40000) as name")
    return fresh_data_folder


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_csv_neutralises_formulas_by_default(hostile_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "h.csv"
    run = run_cli(hostile_folder, "export", "marts.hostile", "-o", str(output))
    assert run.exit_code == 0, run.stderr
    rows = cells(output.read_text(encoding="utf-8"))
    assert [row[1] for row in rows[1:]] == [f"'{text}" for text in FORMULAS] + ["plain"]
    assert [row[2] for row in rows[1:]] == [str(-i) for i in range(6)]  # numbers untouched


def test_export_csv_raw_on_request(hostile_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "h.csv"
    run = run_cli(
        hostile_folder, "export", "marts.hostile", "-o", str(output), "--no-escape-formulas"
    )
    assert run.exit_code == 0, run.stderr
    assert [row[1] for row in cells(output.read_text(encoding="utf-8"))[1:]] == [
        *FORMULAS,
        "plain",
    ]


def test_export_to_stdout_neutralises_too(hostile_folder: Path) -> None:
    run = run_cli(hostile_folder, "export", "marts.hostile", "-o", "-")
    assert run.exit_code == 0, run.stderr
    assert cells(run.stdout)[1][1] == f"'{FORMULAS[0]}"


def test_query_csv_is_raw_unless_asked(hostile_folder: Path) -> None:
    sql = "select name from marts.hostile order by id"
    raw = run_cli(hostile_folder, "query", sql, "--format", "csv")
    assert [row[0] for row in cells(raw.stdout)[1:]] == [*FORMULAS, "plain"]
    escaped = run_cli(hostile_folder, "query", sql, "--format", "csv", "--escape-formulas")
    assert [row[0] for row in cells(escaped.stdout)[1:]] == [f"'{t}" for t in FORMULAS] + ["plain"]


def test_xlsx_warns_when_a_cell_is_cut(hostile_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "long.xlsx"
    run = run_cli(hostile_folder, "export", "marts.long_name", "-o", str(output))
    assert run.exit_code == 0, run.stderr
    assert "1 value longer than Excel's 32,767 characters was cut" in run.stderr
    sheet = openpyxl.load_workbook(output, read_only=True).active
    assert len(next(sheet.iter_rows(min_row=2, values_only=True))[0]) == 32_767
