"""`data-platform query` through the real entry point, on the fixture lakehouse."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings


def lakehouse_of(data_folder: Path) -> Path:
    return Settings(data_folder=data_folder).lakehouse_file


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_table_format_shows_the_rows(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "query",
            "select * from marts.monthly_turnover order by month",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert "2024-04-01" in out and "1200.50" in out and "310.25" in out
    assert "3 rows" in err


def test_csv_goes_to_stdout_exactly(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "--quiet",
            "query",
            "--format",
            "csv",
            "select id, first_name, last_name from sources.app__users order by id",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "id,first_name,last_name\n1,Zoé,Martin\n2,Noël,Dupont\n3,Anaïs,O'Brien\n"
    assert err == ""  # --quiet: nothing but the result


def test_json_is_an_array_of_records(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "query",
            "--format",
            "json",
            "select month, turnover, null as nothing from marts.monthly_turnover order by month",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == [
        {"month": "2024-04-01", "turnover": 1200.5, "nothing": None},
        {"month": "2024-05-01", "turnover": 0.0, "nothing": None},
        {"month": "2024-06-01", "turnover": 310.25, "nothing": None},
    ]


def test_json_of_no_rows(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "query",
            "--format",
            "json",
            "select * from marts.monthly_turnover where false",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out) == []


def test_max_rows_truncates_the_table_with_a_warning(
    data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "--quiet",
            "query",
            "--max-rows",
            "2",
            "select * from range(10) as t(n)",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert "│ 1 │" in out and "│ 2 │" not in out
    assert "first 2 rows only" in err  # a warning shows even when quiet


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.hacked as select 1 as a",
        "delete from marts.monthly_turnover",
        "drop table marts.monthly_turnover",
        "insert into sources.app__users (id) values (99)",
        "update marts.monthly_turnover set turnover = 0",
        "create or replace view staging.app__users as select 1 as id",
    ],
)
def test_a_query_cannot_change_the_lakehouse(
    data_folder: Path, capsys: pytest.CaptureFixture[str], statement: str
) -> None:
    lakehouse = lakehouse_of(data_folder)
    before = digest(lakehouse)
    code = main(["--data-folder", str(data_folder), "query", statement])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("Error: the lakehouse ") and "read-only" in err[-1]
    assert str(lakehouse) in err[-1]
    assert digest(lakehouse) == before
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        assert connection.sql("select count(*) from marts.monthly_turnover").fetchone() == (3,)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("selec 1", "syntax error"),
        ("select * from marts.nope", "nope does not exist"),
        ("select 1; select 2", "2 statements"),
        ("   ", "empty"),
    ],
)
def test_bad_sql_is_one_line_and_exit_1(
    data_folder: Path, capsys: pytest.CaptureFixture[str], statement: str, expected: str
) -> None:
    code = main(["--data-folder", str(data_folder), "query", statement])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("Error: ")
    assert expected in err
    assert "Traceback" not in err


def test_missing_lakehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-folder", str(tmp_path), "query", "select 1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Error: no lakehouse at ") and "lakehouse.duckdb" in err


def test_locked_lakehouse_is_one_line_naming_the_file(
    locked_data_folder: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, pid = locked_data_folder
    lakehouse = lakehouse_of(folder)
    code = main(["--data-folder", str(folder), "query", "select 1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert f"Error: lakehouse {lakehouse} is locked by another process (PID {pid}," in err


def test_a_log_file_records_the_run(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-folder", str(data_folder), "-q", "query", "select 7 as seven"]) == 0
    assert "seven" in capsys.readouterr().out
    logs = (data_folder / "logs").glob("*.log")
    assert any("query: select 7 as seven" in log.read_text(encoding="utf-8") for log in logs)


def test_csv_and_json_of_every_kind_of_value(
    data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = (
        "select true as flag, [1, 2] as list, {'a': 1} as record, null::int as nothing,"
        " 1.50::decimal(18,2) as amount, date '2024-02-29' as day,"
        " timestamp '2024-01-01 10:30:00' as moment, 'a,\"b\"' as text, 2.5::double as ratio"
    )
    assert main(["--data-folder", str(data_folder), "-q", "query", "--format", "csv", sql]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "flag,list,record,nothing,amount,day,moment,text,ratio",
        'true,"[1, 2]","{""a"": 1}",,1.50,2024-02-29,2024-01-01 10:30:00,"a,""b""",2.5',
    ]
    assert main(["--data-folder", str(data_folder), "-q", "query", "--format", "json", sql]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "flag": True,
            "list": [1, 2],
            "record": {"a": 1},
            "nothing": None,
            "amount": 1.5,
            "day": "2024-02-29",
            "moment": "2024-01-01 10:30:00",
            "text": 'a,"b"',
            "ratio": 2.5,
        }
    ]
