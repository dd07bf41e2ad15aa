"""The parity check itself can fail: one cent, one row or one column apart is a difference.
(No Spark needed: an Arrow table stands in for Spark's rows.)"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from spark.parity import differences


@pytest.fixture
def lakehouse(tmp_path: Path) -> Path:
    path = tmp_path / "lakehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.turnover as select * from (values "
            "(1, 10.00::decimal(18,2)), (2, 20.50::decimal(18,2)), (2, 20.50::decimal(18,2))"
            ") as t(freelancer_id, turnover)"
        )
    return path


def arrow(rows: list[tuple[int, str]]) -> pa.Table:
    return pa.table(
        {
            "freelancer_id": pa.array([row[0] for row in rows], pa.int32()),
            "turnover": pa.array([Decimal(row[1]) for row in rows], pa.decimal128(18, 2)),
        }
    )


def test_identical_rows_have_no_difference(lakehouse: Path) -> None:
    same = arrow([(2, "20.50"), (1, "10.00"), (2, "20.50")])
    found = differences(lakehouse, "marts.turnover", same)
    assert (found["rows"], found["only_duckdb"], found["only_spark"]) == (3, [], [])


def test_one_cent_apart_is_a_difference(lakehouse: Path) -> None:
    cent = arrow([(1, "10.01"), (2, "20.50"), (2, "20.50")])
    found = differences(lakehouse, "marts.turnover", cent)
    assert found["only_duckdb"] == [(1, Decimal("10.00"))]
    assert found["only_spark"] == [(1, Decimal("10.01"))]


def test_a_missing_duplicate_is_a_difference(lakehouse: Path) -> None:
    found = differences(lakehouse, "marts.turnover", arrow([(1, "10.00"), (2, "20.50")]))
    assert found["only_duckdb"] == [(2, Decimal("20.50"))]


def test_other_columns_fail(lakehouse: Path) -> None:
    with pytest.raises(AssertionError):
        differences(lakehouse, "marts.turnover", pa.table({"freelancer_id": [1]}))
