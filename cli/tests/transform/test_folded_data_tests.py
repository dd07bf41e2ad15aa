"""The data tests that check several things in one node (dbt/macros/test_primary_key.sql and
test_not_null_columns.sql) find what dbt's `unique` and `not_null` found, one per column: their
SQL as the build compiled it, run again on the hand-made lakehouse damaged in each way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import Run

PRIMARY_KEY = "primary_key_staging__app__users_user_id"
USER_COLUMNS = "user_has_names_email_and_sign_up_time"
USER_EMAIL = "user_email_is_unique"
# Every App id and calendar month is a primary key: one node each, not a unique and a not_null.
KEYED = {
    "staging__app__users": "user_id",
    "staging__app__job_contracts": "job_contract_id",
    "staging__app__invoices": "invoice_id",
    "staging__app__clients": "client_id",
    "staging__crm__customers": "customer_id",
    "intermediate__months": "month",
    "intermediate__crm_month_ends": "month",
}


def _compiled(settings: Settings) -> dict[str, str]:
    """Each data test's name and the SQL the build ran for it."""
    results = json.loads(settings.run_results_file.read_text())["results"]
    return {
        result["unique_id"].split(".")[2]: str(result["compiled_code"])
        for result in results
        if result["unique_id"].startswith("test.")
    }


@pytest.fixture
def damaged(handmade_run: Run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the hand-made build (the writer's file, whose views read `sources`) and the
    compiled data tests."""
    assert handmade_run.exit_code == 0, handmade_run.stderr
    folder = tmp_path / "folded"
    shutil.copytree(handmade_run.data_folder, folder)
    settings = Settings(data_folder=folder)
    return settings.writer_lakehouse_file, _compiled(settings)


def _failing(writer: Path, sql: str, *damage: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(writer)) as connection:
        for statement in damage:
            connection.execute(statement)
        return sorted(connection.execute(sql).fetchall(), key=str)


def test_each_key_is_one_test_and_no_column_test_is_left_beside_it(handmade_run: Run) -> None:
    tests = _compiled(Settings(data_folder=handmade_run.data_folder))
    for model, column in KEYED.items():
        assert f"primary_key_{model}_{column}" in tests
        assert f"unique_{model}_{column}" not in tests
        assert f"not_null_{model}_{column}" not in tests
    assert not [name for name in tests if name.startswith("not_null_staging__app__users")]


def test_the_clean_build_passes_both(damaged: tuple[Path, dict[str, str]]) -> None:
    writer, tests = damaged
    assert _failing(writer, tests[PRIMARY_KEY]) == []
    assert _failing(writer, tests[USER_COLUMNS]) == []
    assert _failing(writer, tests[USER_EMAIL]) == []


def test_a_primary_key_fails_on_a_duplicated_id_and_on_a_missing_one(
    damaged: tuple[Path, dict[str, str]],
) -> None:
    writer, tests = damaged
    duplicate = "insert into sources.app__users select * from sources.app__users where id = 2"
    missing = (
        "insert into sources.app__users select * replace (null as id)"
        " from sources.app__users where id = 3"
    )
    assert _failing(writer, tests[PRIMARY_KEY], duplicate, missing) == [(2, 2), (None, 1)]


def test_null_columns_fail_naming_the_user_and_each_null_column(
    damaged: tuple[Path, dict[str, str]],
) -> None:
    writer, tests = damaged
    assert _failing(
        writer,
        tests[USER_COLUMNS],
        "update sources.app__users set email = null, created_at = null where id = 2",
        "update sources.app__users set first_name = null where id = 3",
    ) == [(2, "email, created_at"), (3, "first_name")]


def test_a_shared_email_fails_naming_the_users_not_the_email(
    damaged: tuple[Path, dict[str, str]],
) -> None:
    writer, tests = damaged
    (email,) = _failing(writer, "select email from sources.app__users where id = 1")[0]
    assert _failing(
        writer,
        tests[USER_EMAIL],
        # Three users share one email (written differently: the test compares it normalised),
        # two share another; a user without an email shares nothing.
        f"update sources.app__users set email = upper('{email}') where id = 3",
        f"update sources.app__users set email = ' {email}' where id = 2",
        "update sources.app__users set email = 'shared@example.org' where id in (4, 5)",
        "update sources.app__users set email = null where id = 6",
    ) == [("1, 2, 3", 3), ("4, 5", 2)]
