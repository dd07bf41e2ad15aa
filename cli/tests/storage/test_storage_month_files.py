"""A large mart kept as one Parquet file per month (storage/month_files.py): only the months
that changed are written again, the others share the previous publication's files, and the
files read back as the mart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.storage.month_files import COLUMNS, kept_month_figures, write_months

MART = "main.mart"


def _mart() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(
        "create table mart as select (i % 50)::bigint as freelancer_id,"
        " (date '2024-01-01' + to_months((i % 3)::integer))::date as month,"
        " (i * 1.5)::decimal(18, 2)"
        " as turnover from range(300) as t(i)"
    )
    return connection


def _figures(connection: duckdb.DuckDBPyConnection, relation: str) -> dict[str, Any]:
    figures = kept_month_figures(connection, relation)
    assert figures is not None, f"{relation} is not kept by month"
    return figures


def _kept_by_month(connection: duckdb.DuckDBPyConnection, relation: str) -> bool:
    return kept_month_figures(connection, relation) is not None


def _read(folder: Path, connection: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return connection.execute(
        f"select * from read_parquet('{folder}/*.parquet') order by all"
    ).fetchall()


def test_only_the_changed_months_are_written_again(tmp_path: Path) -> None:
    connection = _mart()
    assert _kept_by_month(connection, MART)
    first = _figures(connection, MART)
    assert set(first) == {COLUMNS, "2024-01-01", "2024-02-01", "2024-03-01"}
    write_months(connection, MART, tmp_path / "1", first, None)
    assert len(list((tmp_path / "1").glob("*.parquet"))) == 3
    assert (
        _read(tmp_path / "1", connection)
        == connection.execute(f"select * from {MART} order by all").fetchall()
    )

    # An hour later: one row of March changed.
    connection.execute("update mart set turnover = turnover + 1 where month = '2024-03-01'")
    second = _figures(connection, MART)
    write_months(connection, MART, tmp_path / "2", second, (tmp_path / "1", first))
    shared = {
        path.name
        for path in (tmp_path / "2").glob("*.parquet")
        if path.stat().st_ino == (tmp_path / "1" / path.name).stat().st_ino
    }
    assert sorted(name[:10] for name in shared) == ["2024-01-01", "2024-02-01"]
    assert (
        _read(tmp_path / "2", connection)
        == connection.execute(f"select * from {MART} order by all").fetchall()
    )
    assert _read(tmp_path / "1", connection) != _read(tmp_path / "2", connection)


def test_a_mart_whose_columns_changed_is_written_whole(tmp_path: Path) -> None:
    connection = _mart()
    first = _figures(connection, MART)
    write_months(connection, MART, tmp_path / "1", first, None)
    connection.execute("alter table mart add column entity varchar default 'blue'")
    second = _figures(connection, MART)
    write_months(connection, MART, tmp_path / "2", second, (tmp_path / "1", first))
    for path in (tmp_path / "2").glob("*.parquet"):
        assert not (tmp_path / "1" / path.name).exists() or (
            path.stat().st_ino != (tmp_path / "1" / path.name).stat().st_ino
        )
    assert {row[-1] for row in _read(tmp_path / "2", connection)} == {"blue"}


def test_a_mart_of_one_row_per_month_or_with_undated_rows_stays_one_file() -> None:
    connection = _mart()
    connection.execute("create table monthly as select distinct month from mart")
    assert not _kept_by_month(connection, "main.monthly")
    connection.execute("insert into mart values (1, null, 1.00)")
    assert not _kept_by_month(connection, MART)
    connection.execute("create table undated as select 1 as freelancer_id")
    assert not _kept_by_month(connection, "main.undated")
    connection.execute("create table stamped as select month::timestamp as month from mart")
    assert not _kept_by_month(connection, "main.stamped")
