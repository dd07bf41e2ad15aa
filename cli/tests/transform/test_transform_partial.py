"""A transform that rebuilds part of the graph publishes what a full build publishes.

A lakehouse is built, then refreshed eight times: an App extract an hour later that changed no
row, the CRM alone changed, an App invoice changed, an App contract ended, a contract moved
before its user's first, the first month's invoices deleted, a sign-up after the CRM's
extraction, nothing changed. Each refresh rebuilds only what reads what changed (dbt's
run_results.json says which nodes ran), and its marts and intermediate tables equal, row for row, those of a
`transform --full-refresh` of the same lakehouse right after (every model rebuilt whole from
the same sources and snapshots). dbt parses the project once: the slots are set on its parse."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import run_cli
from support.dbt_results import rebuilt_models

pytestmark = pytest.mark.slow

AS_OF = "2025-06-30"  # its last second
EVENING = "2025-06-30T22:00"
COHORT_MODELS = {"intermediate__freelancer_cohorts", "intermediate__freelancers"}
NPS_MODELS = {
    "intermediate__freelancer_matches",
    "intermediate__survey_answers",
    "intermediate__crm_month_ends",
    "marts__nps",
    "marts__nps_monthly",
    "staging__crm__customers",
}


def _published(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        names = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('intermediate', 'marts') order by all"
        ).fetchall()
        return {
            name: connection.execute(f"select * from {name} order by all").fetchall()
            for (name,) in names
        }


def _edit(application: Path, statement: str) -> None:
    """A row changed in an application, as its users do (its `updated_at` with it)."""
    with sqlite3.connect(application) as connection:
        connection.execute(statement)
    connection.close()


def _refresh_equals_a_full_build(settings: Settings) -> set[str]:
    run = run_cli(settings.data_folder, "--quiet", "load", "transform")
    assert run.exit_code == 0, run.stderr
    rebuilt, refreshed = rebuilt_models(settings), _published(settings)
    run = run_cli(settings.data_folder, "--quiet", "transform", "--full-refresh")
    assert run.exit_code == 0, run.stderr
    assert _published(settings) == refreshed
    return rebuilt


def test_a_partial_refresh_publishes_what_a_full_build_does(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    run = run_cli(
        tmp_path, "--quiet", "extract", "--scale", "1", "--as-of", EVENING, "load", "transform"
    )
    assert run.exit_code == 0, run.stderr
    dbt_log = settings.dbt_logs_folder / "dbt.log"
    full_parses = dbt_log.read_text(encoding="utf-8").count("Starting full parse")

    # Two hours later, at night: a new App as-of, no App row changed. The models read the
    # as-of month only (the source's declared fingerprint): nothing to rebuild or publish.
    publications = len(list(settings.publications_folder.iterdir()))
    run = run_cli(tmp_path, "extract", "--sources", "app", "--as-of", AS_OF, "load", "transform")
    assert run.exit_code == 0, run.stderr
    assert "Nothing changed since the last publication" in run.stderr
    assert len(list(settings.publications_folder.iterdir())) == publications
    # Every refresh put models in a new combination of slots: dbt parsed the project once.
    assert dbt_log.read_text(encoding="utf-8").count("Starting full parse") == full_parses

    _edit(
        settings.sources_folder / "crm.sqlite",
        "update customers set satisfaction_score = '3', updated_at = '2025-06-30 12:00:00'"
        " where id = (select min(id) from customers where satisfaction_score is not null)",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert "snapshots__crm__customers" in rebuilt and "marts__nps" in rebuilt
    assert not rebuilt & {
        "marts__turnover_by_cohort",
        "marts__monthly_turnover",
        "intermediate__invoices",
    }

    _edit(
        settings.sources_folder / "app.sqlite",
        "update invoices set amount = amount + 1, updated_at = '2025-06-30 12:00:00' where id = 20",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert {"intermediate__invoices", "marts__turnover_by_cohort", "marts__restatements"} <= rebuilt
    # The calendar reads only the months of the first and last invoices, which did not move:
    # an App refresh recomputes no NPS.
    assert not rebuilt & NPS_MODELS

    # A contract ends: the contracts' models are rebuilt, not the cohorts nor the invoices,
    # which take only each user's first contract start, and each contract's freelancer and
    # entity (their declared reads).
    _edit(
        settings.sources_folder / "app.sqlite",
        "update job_contracts set end_date = '2025-06-30', updated_at = '2025-06-30 12:00:00'"
        " where id = (select min(id) from job_contracts where end_date is null)",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert {"intermediate__job_contracts", "marts__freelancer_cumulative_turnover"} <= rebuilt
    assert not rebuilt & {*COHORT_MODELS, "intermediate__invoices"}
    assert not rebuilt & NPS_MODELS  # the CRM matches read the users, not the contracts

    # A contract that starts before a user's first: their cohort moves.
    _edit(
        settings.sources_folder / "app.sqlite",
        "update job_contracts set start_date = date(start_date, '-1 month'),"
        " updated_at = '2025-06-30 12:00:00' where id = 1",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert rebuilt >= COHORT_MODELS
    assert not rebuilt & NPS_MODELS

    # The first month's invoices gone: the calendar starts a month later, the NPS follows.
    _edit(
        settings.sources_folder / "app.sqlite",
        "delete from invoices where substr(issue_date, 1, 7)"
        " = (select substr(min(issue_date), 1, 7) from invoices)",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert {"intermediate__months", "marts__nps_monthly", "marts__monthly_turnover"} <= rebuilt
    assert "marts__nps" not in rebuilt

    # A freelancer signs up at 23:00, after the CRM's extraction (22:00): the users' models are
    # rebuilt, not the CRM matching nor the NPS; the next CRM extraction will match them.
    _edit(
        settings.sources_folder / "app.sqlite",
        "insert into users (id, first_name, last_name, email, created_at, updated_at)"
        " select max(id) + 1, 'Luc', 'Petit', 'luc.petit.new@example.com',"
        " '2025-06-30 23:00:00', '2025-06-30 23:00:00' from users",
    )
    rebuilt = _refresh_equals_a_full_build(settings)
    assert rebuilt >= {"staging__app__users", *COHORT_MODELS}
    assert not rebuilt & NPS_MODELS

    publications = len(list(settings.publications_folder.iterdir()))
    run = run_cli(tmp_path, "load", "transform")
    assert run.exit_code == 0, run.stderr
    assert "Nothing changed since the last publication" in run.stderr
    assert len(list(settings.publications_folder.iterdir())) == publications
    # Every refresh put models in a new combination of slots: dbt parsed the project once.
    assert dbt_log.read_text(encoding="utf-8").count("Starting full parse") == full_parses
