"""`data-platform export` through the real entry point, and the export module's atomicity."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import connect
from jump.data_platform.settings import Settings
from jump.data_platform.tools import export as export_module
from jump.data_platform.tools.relations import find_relation


def run(data_folder: Path, *args: str) -> int:
    return main(["--data-folder", str(data_folder), "export", *args])


def test_csv(data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "turnover.csv"
    assert run(data_folder, "marts.monthly_turnover", "--output", str(output)) == 0
    assert output.read_text(encoding="utf-8").splitlines() == [
        "month,turnover",
        "2024-04-01,1200.50",
        "2024-05-01,0.00",
        "2024-06-01,310.25",
    ]
    assert "Exported 3 rows of marts.monthly_turnover" in capsys.readouterr().err


def test_parquet_keeps_the_types(data_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "turnover.parquet"
    assert run(data_folder, "MARTS.Monthly_Turnover", "-o", str(output)) == 0  # case-insensitive
    with duckdb.connect() as connection:
        relation = connection.read_parquet(str(output))
        assert relation.types == ["DATE", "DECIMAL(18,2)"]
        assert relation.order("month").fetchall()[0][1] == Decimal("1200.50")


def test_xlsx_of_a_view(data_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "users.xlsx"
    assert run(data_folder, "staging.app__users", "-o", str(output)) == 0
    sheet = openpyxl.load_workbook(output, read_only=True).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("id", "email")
    assert sorted(rows[1:]) == [
        (1, "zoe.martin@example.com"),
        (2, "noel.dupont@example.com"),
        (3, "anais.obrien@example.com"),
    ]


def test_format_option_beats_the_suffix(data_folder: Path, tmp_path: Path) -> None:
    output = tmp_path / "turnover.txt"
    assert run(data_folder, "monthly_turnover", "-o", str(output), "--format", "csv") == 0
    assert output.read_text(encoding="utf-8").startswith("month,turnover\n")


def test_an_unknown_suffix_needs_format(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "turnover.txt"
    assert run(data_folder, "marts.monthly_turnover", "-o", str(output)) == 1
    assert "--format" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        ("marts.monthly_turnovr", "did you mean marts.monthly_turnover?"),
        ("monthly_turnovr", "did you mean marts.monthly_turnover?"),
        ('marts.monthly_turnover"; drop table marts.monthly_turnover; --', "unknown relation"),
        ("nowhere.at_all", "unknown relation nowhere.at_all"),
        ("app__users", "ambiguous"),  # in sources and in staging
    ],
)
def test_unknown_or_ambiguous_relation(
    data_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    relation: str,
    expected: str,
) -> None:
    output = tmp_path / "out.csv"
    assert run(data_folder, relation, "-o", str(output)) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1
    assert expected in err
    assert not output.exists()
    with duckdb.connect(str(Settings(data_folder=data_folder).lakehouse_file), True) as connection:
        assert connection.sql("select count(*) from marts.monthly_turnover").fetchone() == (3,)


def test_unwritable_output_path(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("I am a file", encoding="utf-8")
    assert run(data_folder, "marts.monthly_turnover", "-o", str(not_a_folder / "out.csv")) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot create folder") and str(not_a_folder) in err
    assert not_a_folder.read_text(encoding="utf-8") == "I am a file"


def test_output_is_a_folder(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    assert run(data_folder, "marts.monthly_turnover", "-o", str(folder)) == 2  # a usage error
    assert "is a directory" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_locked_lakehouse(
    locked_data_folder: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = locked_data_folder
    output = tmp_path / "out.csv"
    assert run(folder, "marts.monthly_turnover", "-o", str(output)) == 1
    assert "is locked by another process (PID " in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_failing_export_leaves_the_previous_file_and_no_partial_file(
    data_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_format: str
) -> None:
    output = tmp_path / f"previous.{file_format}"
    output.write_text("the previous export", encoding="utf-8")

    def fail_half_way(_connection: object, _relation: object, path: Path, *_: object) -> int:
        path.write_text("half an export", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "_copy", fail_half_way)
    monkeypatch.setattr(export_module, "_write_xlsx", fail_half_way)
    lakehouse = Settings(data_folder=data_folder).lakehouse_file
    connection = connect(lakehouse, read_only=True)
    try:
        relation = find_relation(connection, "marts.monthly_turnover", lakehouse)
    finally:
        connection.close()
    with pytest.raises(DataPlatformError, match="No space left on device"):
        export_module.export_relation(lakehouse, relation, output, file_format)
    assert output.read_text(encoding="utf-8") == "the previous export"
    assert [path.name for path in tmp_path.iterdir()] == [output.name]


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    data_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 2)
    output = tmp_path / "big.xlsx"
    assert run(data_folder, "marts.monthly_turnover", "-o", str(output)) == 1
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def test_xlsx_types(fresh_data_folder: Path, tmp_path: Path) -> None:
    import datetime as dt

    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute(
            """
            create table marts."odd/name: types" as select
                1::bigint as id, 12.30::decimal(18,2) as amount, true as flag,
                date '2024-02-29' as day, timestamp '2024-01-01 10:30:00' as moment,
                timestamptz '2024-01-01 12:00:00+02' as zoned, [1, 2] as list,
                null::varchar as nothing, '=1+1' as formula_like, 'a' || chr(1) || 'b' as control
            """
        )
    output = tmp_path / "types.xlsx"
    assert (
        main(
            [
                "--data-folder",
                str(fresh_data_folder),
                "-q",
                "export",
                "marts.odd/name: types",
                "-o",
                str(output),
            ]
        )
        == 0
    )
    workbook = openpyxl.load_workbook(output)
    sheet = workbook.active
    assert sheet.title == "odd_name_ types"
    header, row = list(sheet.iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["id"] == 1 and values["amount"] == 12.3 and values["flag"] is True
    assert values["day"] == dt.datetime(2024, 2, 29)
    assert values["moment"] == dt.datetime(2024, 1, 1, 10, 30)
    assert values["zoned"] == dt.datetime(2024, 1, 1, 10, 0)  # written as UTC wall-clock time
    assert values["list"] == "[1, 2]"
    assert values["nothing"] is None
    assert values["formula_like"] == "=1+1"  # text, never a formula
    assert values["control"] == "a_x0001_b"  # Excel's escape of a control character


def test_options_after_the_relation_and_a_chained_command(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "users.csv"
    args = ["export", "sources.app__users", "-o", str(output), "--format", "csv"]
    code = main(["--data-folder", str(data_folder), "-q", *args, "status", "--format", "json"])
    assert code == 0
    assert output.read_text(encoding="utf-8").startswith("id,first_name,")
    assert '"exists": true' in capsys.readouterr().out  # status ran after the export


def test_a_relation_is_exported_sorted_whatever_its_stored_order(
    fresh_data_folder: Path, tmp_path: Path
) -> None:
    """The same rows give the same file: a kept publication stores its large marts by month
    (storage/month_files.py), the lakehouse in the order they were built."""
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(
            "create table marts.stored as select * from"
            " (values (3, 'c'), (1, 'z'), (2, 'b'), (1, 'a')) as t(id, name)"
        )
    csv, xlsx = tmp_path / "stored.csv", tmp_path / "stored.xlsx"
    assert run(fresh_data_folder, "marts.stored", "-o", str(csv)) == 0
    assert csv.read_text(encoding="utf-8").splitlines() == ["id,name", "1,a", "1,z", "2,b", "3,c"]
    assert run(fresh_data_folder, "marts.stored", "-o", str(xlsx)) == 0
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    assert [tuple(row) for row in sheet.iter_rows(values_only=True)][1:] == [
        (1, "a"),
        (1, "z"),
        (2, "b"),
        (3, "c"),
    ]
