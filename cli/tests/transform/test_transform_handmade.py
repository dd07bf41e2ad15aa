"""`data-platform transform` over the hand-made lakehouse: every mart checked by hand."""

from __future__ import annotations

import json
import marshal
import os
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from jinja2.bccache import bc_magic

from jump.data_platform.settings import Settings
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import (
    LAKEHOUSE_ENV_VAR,
    close_duckdb,
    dbt_arguments,
    environment_variable,
)
from jump.data_platform.transform.selection import load_graph
from support.cli import Run, run_cli

D = Decimal


def rows(run: Run, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_succeeds_with_a_summary(handmade_run: Run) -> None:
    assert handmade_run.exit_code == 0, handmade_run.stderr
    assert "models built" in handmade_run.stderr
    assert "Error" not in handmade_run.stderr


def test_dbt_runs_the_threads_the_environment_says(handmade_run: Run) -> None:
    """`DATA_PLATFORM_DBT_THREADS` (4 when unset) reaches dbt's profile: `make test-fast` sets
    2, two pytest workers sharing two cores."""
    threads = os.environ.get("DATA_PLATFORM_DBT_THREADS", "4")
    log = (handmade_run.settings.dbt_logs_folder / "dbt.log").read_text(encoding="utf-8")
    assert f"Concurrency: {threads} threads (target='lakehouse')" in log


def test_the_transform_keeps_the_templates_dbt_compiled_for_the_next_process(
    handmade_run: Run,
) -> None:
    """transform/compiled_templates.py: the nodes' SQL of the build (and the macros, which
    dbt compiles once a process: the pytest worker may have compiled them for another test)."""
    saved = handmade_run.settings.dbt_compiled_templates_file
    templates = marshal.loads(saved.read_bytes())
    results = json.loads(handmade_run.settings.run_results_file.read_text(encoding="utf-8"))
    assert len(templates) >= len(results["results"]) > 20
    assert all(data.startswith(bc_magic) for data in templates.values())


def test_reference_gap_warns_and_names_the_missing_reference(handmade_run: Run) -> None:
    warnings = [line for line in handmade_run.stderr.split("Warning: ") if "consecutive" in line]
    assert len(warnings) == 1
    warning = " ".join(warnings[0].split())
    assert "anomaly=missing, how_many=1, invoice_references=JMP00000004" in warning


def test_stale_sources_are_warnings(handmade_run: Run) -> None:
    # The hand-made sources were "loaded" in 2024: every source with a freshness rule is stale.
    text = " ".join(handmade_run.stderr.split())
    assert "source app.invoices (sources.app__invoices) is stale" in text
    assert "source crm.customers (sources.crm__customers) is stale" in text


def test_layers_are_schemas_with_the_guide_names(handmade_run: Run) -> None:
    relations = set(
        rows(
            handmade_run,
            "select table_schema || '.' || table_name from information_schema.tables",
        )
    )
    for name in [
        "staging.app__users",
        "staging.app__invoices",
        "staging.crm__customers",
        "intermediate.freelancers",
        "intermediate.job_contracts",
        "intermediate.clients",
        "intermediate.invoices",
        "marts.monthly_turnover",
        "marts.nps",
        "marts.turnover_by_cohort",
        "marts.freelancer_cumulative_turnover",
    ]:
        assert (name,) in relations


def test_run_results_are_in_the_data_folder(handmade_run: Run) -> None:
    results = json.loads(
        (Settings(data_folder=handmade_run.data_folder).run_results_file).read_text()
    )
    assert results["args"]["which"] == "build"
    statuses = {result["status"] for result in results["results"]}
    assert statuses <= {"success", "pass", "warn"}


def test_a_data_folder_copied_elsewhere_keeps_dbts_partial_parse(
    handmade_run: Run, tmp_path: Path
) -> None:
    # dbt parses the whole project again (seconds) when its profile changed since the last
    # parse; the lakehouse's path is the profile's. A data folder copied or moved elsewhere
    # (a restored backup, each test's copy) keeps the parse it had.
    folder = tmp_path / "moved"
    shutil.copytree(handmade_run.data_folder, folder)
    with duckdb.connect(str(Settings(data_folder=folder).writer_lakehouse_file)) as connection:
        connection.execute(
            "update sources.app__clients set name = 'Autre', _loaded_at = '2024-07-01 09:00:00'"
            " where id = 1"
        )
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    parse = json.loads(
        (Settings(data_folder=folder).dbt_target_folder / "perf_info.json").read_text()
    )
    assert parse["is_partial_parse_enabled"] and parse["parsed_path_count"] == 0
    # The build wrote into the copy, not into the folder it was copied from.
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from _publish.publications").fetchone() == (2,)
    with duckdb.connect(str(handmade_run.lakehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from _publish.publications").fetchone() == (1,)


def test_lakehouse_is_released_after_the_run(handmade_run: Run) -> None:
    # dbt-duckdb keeps its database in a class attribute: a write connection would fail if the
    # transform had left it open in this process (DuckDB: one writer per file).
    with duckdb.connect(str(handmade_run.lakehouse)) as connection:
        connection.execute("create table if not exists main.probe as select 1 as x")
        connection.execute("drop table main.probe")


def test_monthly_turnover_fills_every_month_with_zero(handmade_run: Run) -> None:
    turnover = dict(rows(handmade_run, "select month, turnover from marts.monthly_turnover"))
    assert min(turnover) == date(2023, 1, 1)  # the first invoice's month
    assert max(turnover) == date(2024, 6, 1)  # the as-of month
    assert len(turnover) == 18  # no month missing
    assert turnover[date(2023, 8, 1)] == 0  # the empty month is there
    assert turnover[date(2023, 3, 1)] == D("0.10")
    assert turnover[date(2024, 6, 1)] == D("12.34")
    assert sum(turnover.values()) == D("7596.11")


def test_crm_matching_by_email_then_unique_name(handmade_run: Run) -> None:
    matches = rows(
        handmade_run,
        "select freelancer_id, crm_customer_id, crm_match_method, satisfaction_score"
        " from intermediate.freelancers order by freelancer_id",
    )
    assert matches == [
        (1, 2, "email", 9),  # duplicate CRM rows: the latest update wins
        (2, 5, "email", None),
        (3, 3, "name", 10),  # accents, case, white space differ
        (4, 4, "name", 0),  # the other Jean Martin took his record by email
        (5, None, None, None),
        (6, None, None, None),  # two App users named Paul Roux: no guess
        (7, None, None, None),
    ]


def test_nps(handmade_run: Run) -> None:
    # Respondents: 9 (promoter), 10 (promoter), 0 (detractor); the prospect's 7 does not count.
    assert rows(handmade_run, "select * from marts.nps") == [(D("33.33"), 3, 2, 0, 1)]


def test_turnover_by_cohort(handmade_run: Run) -> None:
    by_month = {
        (freelancer, month): (cohort, entity, turnover)
        for freelancer, cohort, entity, month, turnover in rows(
            handmade_run,
            "select freelancer_id, cohort, entity, month, turnover from marts.turnover_by_cohort",
        )
    }
    assert {freelancer for freelancer, _ in by_month} == {1, 2, 3, 4}  # 5 never had a contract
    assert by_month[1, date(2023, 1, 1)] == (date(2023, 1, 1), "blue", D("1000.10"))
    assert by_month[1, date(2023, 4, 1)] == (date(2023, 1, 1), "blue", 0)  # the gap
    assert by_month[1, date(2023, 5, 1)] == (date(2023, 1, 1), "green", D("1999.99"))
    assert by_month[3, date(2024, 6, 1)] == (date(2023, 4, 1), "blue", 0)  # after its end
    assert (3, date(2023, 3, 1)) not in by_month  # before the cohort
    assert len([key for key in by_month if key[0] == 4]) == 2  # May and June 2024
    assert sum(value[2] for value in by_month.values()) == D("7596.11")


def test_cumulative_turnover_across_contracts(handmade_run: Run) -> None:
    freelancer_1 = rows(
        handmade_run,
        "select job_contract_id, month, turnover, cumulative_turnover"
        " from marts.freelancer_cumulative_turnover where freelancer_id = 1 order by month",
    )
    months = [month for _, month, _, _ in freelancer_1]
    assert date(2023, 4, 1) not in months  # between the two contracts
    assert freelancer_1[0] == (1, date(2023, 1, 1), D("1000.10"), D("1000.10"))
    assert freelancer_1[2] == (1, date(2023, 3, 1), D("0.10"), D("1000.20"))
    assert freelancer_1[3] == (3, date(2023, 5, 1), D("1999.99"), D("3000.19"))
    assert freelancer_1[-1] == (3, date(2024, 6, 1), D("12.34"), D("3012.73"))


@pytest.mark.parametrize(
    ("mart", "column", "expected"),
    [
        ("monthly_turnover", "turnover", "DECIMAL(18,2)"),
        ("monthly_turnover", "month", "DATE"),
        ("nps", "nps", "DECIMAL(5,2)"),
        ("turnover_by_cohort", "cohort", "DATE"),
        ("freelancer_cumulative_turnover", "cumulative_turnover", "DECIMAL(18,2)"),
    ],
)
def test_mart_contracts(handmade_run: Run, mart: str, column: str, expected: str) -> None:
    [(data_type,)] = rows(
        handmade_run,
        "select data_type from information_schema.columns"
        f" where table_schema = 'marts' and table_name = '{mart}' and column_name = '{column}'",
    )
    assert data_type == expected


def test_transform_runs_no_unit_test(handmade_run: Run) -> None:
    results = json.loads(
        (Settings(data_folder=handmade_run.data_folder).run_results_file).read_text()
    )
    kinds = {result["unique_id"].split(".")[0] for result in results["results"]}
    # Snapshots run with every transform, and the project's on-run-end hook ("operation").
    assert kinds == {"model", "snapshot", "test", "operation"}


def test_dbt_unit_tests_pass(handmade_run: Run, tmp_path: Path) -> None:
    # The unit tests check the SQL of the marts and of the CRM matching against fixed rows;
    # they read only the columns of the relations the transform built.
    from dbt.cli.main import dbtRunner

    arguments = dbt_arguments(find_dbt_project(), tmp_path / "target", tmp_path / "logs")
    try:
        with environment_variable(LAKEHOUSE_ENV_VAR, str(handmade_run.lakehouse.resolve())):
            result: Any = dbtRunner().invoke(["test", "--select", "test_type:unit", *arguments])
    finally:
        close_duckdb()
    assert result.exception is None
    statuses = {
        str(node.node.name): str(node.status)
        for node in result.result.results
        if node.node.resource_type == "unit_test"  # not the project's on-run-end hook
    }
    assert len(statuses) == 19, statuses  # every `unit_tests:` entry of the project
    assert set(statuses.values()) == {"pass"}, statuses


def test_the_declared_fingerprints_name_every_reader(handmade_run: Run) -> None:
    """A source's `meta.fingerprint` says what the models read of it: the App's as-of month
    (intermediate.months) and the CRM's load instants (intermediate.crm_month_ends). A new
    reader must be checked against the declaration, which this test then names."""
    graph = load_graph(handmade_run.data_folder / "dbt" / "graph.json", None)
    assert graph is not None
    declared = {s.selector: s for s in graph.sources.values() if s.fingerprint}
    assert set(declared) == {"source:app.extract_metadata", "source:platform.loads"}

    def readers(unique_id: str) -> set[str]:
        direct = {n for n in graph.nodes.values() if unique_id in n.parents}
        views = {n.name for n in direct if n.materialized == "view"}
        return {n.name for n in direct if n.materialized != "view"} | {
            reader for view in direct if view.name in views for reader in readers(view.unique_id)
        }

    app, loads = declared["source:app.extract_metadata"], declared["source:platform.loads"]
    assert readers(app.unique_id) == {"intermediate__months"}
    assert readers(loads.unique_id) == {"intermediate__crm_month_ends"}


def test_the_declared_reads_are_all_a_model_takes_of_its_view(handmade_run: Run) -> None:
    """A model's `meta.reads` says what it takes of a staging view: the calendar, the months of
    the first and last invoices; the cohorts, each user's first contract start; the invoices,
    each contract's freelancer and entity; the CRM matching, the users who had signed up by the
    CRM's extraction. A change to what it reads must be checked against the declaration, which
    this test then names."""
    graph = load_graph(handmade_run.data_folder / "dbt" / "graph.json", None)
    assert graph is not None
    reads = {
        node.name: [graph.nodes[parent].name for parent, _ in node.reads]
        for node in graph.nodes.values()
        if node.reads
    }
    assert reads == {
        "intermediate__months": ["staging__app__invoices"],
        "intermediate__freelancer_cohorts": ["staging__app__job_contracts"],
        "intermediate__invoices": ["staging__app__job_contracts"],
        "intermediate__freelancer_matches": ["staging__app__users"],
    }
    models = find_dbt_project() / "models" / "intermediate"
    sql = (models / "intermediate__months.sql").read_text()
    taken = re.findall(r"select (\w+\(\w+\)) from \{\{ ref\('staging__app__invoices'\) \}\}", sql)
    assert sorted(taken) == ["max(issue_date)", "min(issue_date)"]
    assert sql.count("staging__app__invoices") == len(taken)
    # What the cohorts and the invoices take of the contracts' view: the view's columns named
    # in the one CTE that reads it.
    settings = Settings(data_folder=handmade_run.data_folder)

    def columns_of(view: str) -> set[str]:
        with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
            return {
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'staging' and table_name = ?",
                    [view],
                ).fetchall()
            }

    columns = columns_of("app__job_contracts")

    def taken_of_contracts(model: str, cte: str) -> list[str]:
        sql = (models / f"{model}.sql").read_text()
        assert sql.count("staging__app__job_contracts") == 1
        (body,) = re.findall(rf"\n{cte} as \((.*?)\n\)", sql, flags=re.DOTALL)
        assert "staging__app__job_contracts" in body
        return [word for word in re.findall(r"\w+", body) if word in columns]

    # The cohorts: each user's earliest start. The invoices: each contract's freelancer, entity.
    assert taken_of_contracts("intermediate__freelancer_cohorts", "first_contracts") == [
        "user_id",
        "start_date",
        "user_id",
    ]
    sql = (models / "intermediate__freelancer_cohorts.sql").read_text()
    assert "min(start_date)" in sql
    assert set(taken_of_contracts("intermediate__invoices", "contracts")) == {
        "job_contract_id",
        "user_id",
        "entity",
    }
    # The matching: the users' keys and names, of those signed up by the CRM's extraction, in
    # the one CTE that reads them, as its declaration says.
    sql = (models / "intermediate__freelancer_matches.sql").read_text()
    assert sql.count("staging__app__users") == 1
    (users,) = re.findall(r"\nwith users as \((.*?)\n\)", sql, flags=re.DOTALL)
    code = re.sub(r"--[^\n]*", "", users)
    (matches,) = (node for node in graph.nodes.values() if node.name.endswith("matches"))
    ((_, declared),) = matches.reads
    # The same cut in both: signed up by the CRM's latest extraction instant.
    cut = "coalesce(created_at<=(selectmax(crm_extraction.extracted_at)from"
    assert cut in re.sub(r"\s", "", code)
    assert cut in re.sub(r"\s", "", declared)
    users_columns = columns_of("app__users")
    of_users = {"user_id", "email", "last_name_normalized", "first_name_normalized", "created_at"}
    assert {word for word in re.findall(r"\w+", code) if word in users_columns} == of_users
    assert {word for word in re.findall(r"\w+", declared) if word in users_columns} == of_users
