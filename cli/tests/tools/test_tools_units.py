"""Unit tests of the tools' small pieces: value conversion, dbt names, chained parsing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.lakehouse import quote_identifier, quote_literal
from jump.data_platform.reporting import describe_age
from jump.data_platform.settings import Settings
from jump.data_platform.tools.values import to_json, to_text


def test_to_text_matches_duckdb_csv_conventions() -> None:
    assert to_text(None) == ""
    assert to_text(True) == "true"
    assert to_text(dt.date(2024, 2, 29)) == "2024-02-29"
    assert to_text(dt.datetime(2024, 1, 1, 10, 30)) == "2024-01-01 10:30:00"
    assert to_text(Decimal("0.10")) == "0.10"
    assert to_text({"a": [1, None]}) == '{"a": [1, null]}'


def test_to_json_keeps_numbers_and_writes_iso_text() -> None:
    assert to_json(Decimal("1200.50")) == 1200.5
    assert to_json(Decimal("12")) == 12 and isinstance(to_json(Decimal("12")), int)
    assert to_json(float("nan")) is None
    assert to_json(dt.datetime(2024, 1, 1, 10)) == "2024-01-01 10:00:00"
    assert to_json(dt.time(8, 5)) == "08:05:00"
    identifier = uuid.uuid4()
    assert to_json([identifier, dt.timedelta(days=1)]) == [str(identifier), "1 day, 0:00:00"]
    json.dumps(to_json({"k": (Decimal("1.5"), dt.date(2024, 1, 1))}))  # serialisable


def test_quoting() -> None:
    assert quote_identifier('we"ird') == '"we""ird"'
    assert quote_literal("it's.csv") == "'it''s.csv'"


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (dt.timedelta(seconds=-5), "0 min"),
        (dt.timedelta(minutes=59, seconds=59), "59 min"),
        (dt.timedelta(hours=1), "1 hour"),
        (dt.timedelta(hours=23, minutes=20), "23 hours"),
        (dt.timedelta(days=1), "1 day"),
        (dt.timedelta(days=739946, hours=15), "739,946 days"),
    ],
)
def test_one_way_to_say_an_age(age: dt.timedelta, text: str) -> None:
    """`status` (a source's age, its staleness) and `transform` (a stale source) say it alike."""
    assert describe_age(age) == text


def test_an_option_value_named_like_a_command_is_a_value(
    data_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["export", "marts.monthly_turnover", "-o", "status", "--format", "csv"]
    assert main(["--data-folder", str(data_folder), "-q", *args]) == 0
    assert (tmp_path / "status").read_text(encoding="utf-8").startswith("month,turnover")


def test_a_command_after_the_sql_runs_next(
    data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-folder",
            str(data_folder),
            "-q",
            "query",
            "select 'first' as step",
            "--format",
            "csv",
            "status",
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("step\nfirst\n{")
    assert json.loads(out.split("\n", 2)[2])["exists"] is True


def test_a_corrupt_lakehouse_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    lakehouse.write_text("not a database", encoding="utf-8")
    assert main(["--data-folder", str(tmp_path), "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: cannot open lakehouse {lakehouse}: ") and err.count("\n") == 1
