"""Incremental models give what a full build gives: a lakehouse refreshed step by step (loads
and transforms through time, rows inserted, updated and deleted in the App) equals one built
at once from the same final files, table for table.

Each transform builds into the build slot readers do not see, so the steps alternate between
two slots: four steps make the third and fourth builds incremental, the third across a new
month (every freelancer recomputed), the fourth within one (only those whose inputs changed
since the second step, the App's edits of the third included)."""

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
    # What each slot's marts were built from stays beside them for their next build.
    assert kept == [
        (f"marts__slot_{slot}", f"{mart}__inputs")
        for slot in ("a", "b")
        for mart in ("freelancer_cumulative_turnover", "turnover_by_cohort")
    ]
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from intermediate.invoices where invoice_id = 10"
        ).fetchall() == [(0,)]

    # A mart damaged in the slot the next build goes into (slot a: the fourth step published
    # slot b) while its inputs are unchanged: only --full-refresh rebuilds it.
    with duckdb.connect(str(stepwise.lakehouse_file)) as connection:
        connection.execute(
            "delete from marts__slot_a.turnover_by_cohort where month < '2025-01-01'"
        )
    run = run_cli(stepwise.data_folder, "--quiet", "transform", "--full-refresh")
    assert run.exit_code == 0, run.stderr
    assert _tables(stepwise.lakehouse_file) == built
