"""Incremental models give what a full build gives: a lakehouse refreshed step by step (loads
and transforms through time, rows inserted, updated and deleted in the App) equals one built
at once from the same final files, table for table.

An incremental model is updated where it lives (its one copy of state), each step from the
step before: four steps make the second, third and fourth builds incremental, the third across
a new month (every freelancer recomputed), the fourth within one (only those whose inputs
changed since the third step)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.as_of import end_of_day
from jump.data_platform.sources.extract import extract_sources
from support.cli import run_cli

pytestmark = pytest.mark.slow

# The incremental models (intermediate.invoices, the two marts by freelancer) and what they feed. Not the NPS marts: they read the
# snapshots, whose history a lakehouse refreshed step by step has (a survey answer changed
# between the steps) and one built at once cannot.
COMPARED = [
    "intermediate.invoices",
    "intermediate.invoice_reference_anomalies",
    "marts.monthly_turnover",
    "marts.turnover_by_cohort",
    "marts.freelancer_cumulative_turnover",
]


def _tables(lakehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        return {
            name: connection.execute(f"select * from {name} order by all").fetchall()
            for name in COMPARED
        }


def _edit_app(folder: Path) -> None:
    """An invoice deleted and one corrected (with its updated_at), as the App's users do."""
    with sqlite3.connect(folder / "sources" / "app.sqlite") as app:
        app.execute("DELETE FROM invoices WHERE id = 10")
        app.execute(
            "UPDATE invoices SET amount = amount + 1, updated_at = '2025-07-20 10:00:00' "
            "WHERE id = 20"
        )
    app.close()


def test_a_lakehouse_refreshed_step_by_step_equals_one_built_at_once(tmp_path: Path) -> None:
    stepwise = Settings(data_folder=tmp_path / "stepwise")
    for as_of in (date(2025, 6, 30), date(2025, 7, 5), date(2025, 7, 20), date(2025, 7, 25)):
        extract_sources(stepwise, ["app", "crm"], end_of_day(as_of), scale=1)
        if as_of >= date(2025, 7, 20):  # the App keeps its edits
            _edit_app(stepwise.data_folder)
        run = run_cli(stepwise.data_folder, "--quiet", "load", "transform")
        assert run.exit_code == 0, run.stderr

    at_once = tmp_path / "at_once"
    shutil.copytree(stepwise.sources_folder, at_once / "sources")
    run = run_cli(at_once, "--quiet", "load", "transform")
    assert run.exit_code == 0, run.stderr

    refreshed, built = _tables(stepwise.lakehouse_file), _tables(run.lakehouse)
    assert refreshed == built
    with duckdb.connect(str(stepwise.lakehouse_file), read_only=True) as connection:
        kept = connection.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_name like '%\\_\\_inputs' escape '\\' order by all"
        ).fetchall()
    # What each incremental model was built from stays beside it, in the one slot it lives in,
    # for its next build.
    assert sorted(name for _, name in kept) == [
        "freelancer_cumulative_turnover__inputs",
        "invoice_reference_anomalies__inputs",
        "invoices__inputs",
        "turnover_by_cohort__inputs",
    ]
    with duckdb.connect(str(stepwise.lakehouse_file), read_only=True) as connection:
        for schema, name in kept:
            model = name.removesuffix("__inputs")
            assert connection.execute(
                "select count(*) from duckdb_views() where schema_name = ?"
                " and view_name = ? and sql like ?",
                [schema.split("__slot_")[0], model, f"%{schema}%"],
            ).fetchone() == (1,)
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from intermediate.invoices where invoice_id = 10"
        ).fetchall() == [(0,)]

    # A mart damaged in the writer's file while its inputs are unchanged: a transform finds
    # nothing changed and rebuilds nothing; only --full-refresh rebuilds it.
    with duckdb.connect(str(stepwise.writer_lakehouse_file)) as connection:
        row = connection.execute(
            "select regexp_extract(sql, 'marts__slot_[ab]') from duckdb_views()"
            " where schema_name = 'marts' and view_name = 'turnover_by_cohort'"
        ).fetchone()
        assert row is not None
        connection.execute(f"delete from {row[0]}.turnover_by_cohort where month < '2025-01-01'")
    run = run_cli(stepwise.data_folder, "transform")
    assert run.exit_code == 0, run.stderr
    assert "Nothing changed since the last publication" in run.stderr
    run = run_cli(stepwise.data_folder, "--quiet", "transform", "--full-refresh")
    assert run.exit_code == 0, run.stderr
    assert _tables(stepwise.lakehouse_file) == built
