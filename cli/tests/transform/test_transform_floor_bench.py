"""Issue 24's plain-SQL floor (benchmarks/transform_bench.py): the four marts the business
asks for, computed by DuckDB alone from the SQL the transform ran, equal the transform's."""

from __future__ import annotations

from pathlib import Path

import duckdb
from benchmarks import transform_bench

from jump.data_platform.settings import Settings
from support.cli import Run


def test_the_floor_computes_the_four_marts_as_the_transform_did(scale_one_run: Run) -> None:
    settings = Settings(data_folder=scale_one_run.data_folder)
    run = transform_bench.duckdb_seconds(settings)
    assert run.marts_identical
    assert 0 < run.marts_seconds < run.models_seconds
    # The floor runs the four marts and what they read, not what restates or follows them.
    models, _ = transform_bench._compiled_nodes(settings)
    read = transform_bench._read_by_marts(models)
    floor = {model["alias"] for model in models if model["unique_id"] in read}
    assert set(transform_bench.FOUR_MARTS) | {"invoices", "months", "freelancer_matches"} <= floor
    assert not floor & {"restatements", "nps_monthly", "invoice_reference_anomalies"}


def test_the_floor_notices_marts_that_differ(tmp_path: Path) -> None:
    connection = duckdb.connect(str(tmp_path / "lakehouse.duckdb"))
    connection.execute("create table a as select * from range(3) as t(n)")
    connection.execute("create table b as select * from range(3) as t(n)")
    assert transform_bench._same_rows(connection, "a", "b")
    connection.execute("insert into b values (2)")  # a duplicate row counts
    assert not transform_bench._same_rows(connection, "a", "b")
