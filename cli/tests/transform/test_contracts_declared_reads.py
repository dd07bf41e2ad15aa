"""What the cohorts and the invoices take of the contracts, declared in their `meta.reads`
(docs/publishing.md#what-a-transform-rebuilds): each user's first contract start, and each
contract's freelancer and entity.

A contract that ends rebuilds the contracts' models and not the cohorts, nor the freelancers
read from them, nor the invoices; a new contract that becomes a user's first rebuilds all
three. The slow sibling, on an extracted history, also compares what is published with a full
build: test_transform_partial.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.settings import Settings
from support.cli import run_cli
from support.dbt_results import rebuilt_models

READERS = {
    "intermediate__freelancer_cohorts",
    "intermediate__freelancers",
    "intermediate__invoices",
}


def _transform(folder: Path) -> None:
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr


def _edit_contracts(settings: Settings, statement: str) -> None:
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        connection.execute(statement)


def _cohorts(settings: Settings) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        return connection.execute(
            "select freelancer_id, first_contract_start_date, cohort"
            " from intermediate.freelancer_cohorts order by freelancer_id"
        ).fetchall()


def test_a_contract_that_ends_rebuilds_what_reads_its_dates_only(built: Settings) -> None:
    before = _cohorts(built)
    # User 4's contract ends: the contracts' models are rebuilt, not the cohorts nor the invoices.
    _edit_contracts(
        built,
        "update sources.app__job_contracts set end_date = '2024-07-31',"
        " updated_at = '2024-07-31 18:00:00' where id = 5",
    )
    _transform(built.data_folder)
    rebuilt = rebuilt_models(built)
    assert {"intermediate__job_contracts", "marts__freelancer_cumulative_turnover"} <= rebuilt
    assert not rebuilt & READERS
    assert _cohorts(built) == before

    # User 3's first contract started 2023-04-15; one from 2023-02-06 now comes first.
    _edit_contracts(
        built,
        "insert into sources.app__job_contracts (id, user_id, entity, start_date, end_date,"
        " created_at, updated_at) values (6, 3, 'green', '2023-02-06', '2023-03-31',"
        " '2023-02-06 09:00:00', '2023-03-31 18:00:00')",
    )
    _transform(built.data_folder)
    assert rebuilt_models(built) >= READERS
    moved = {row[0]: row[1:] for row in _cohorts(built)}
    assert [str(value) for value in moved[3]] == ["2023-02-06", "2023-02-01"]
    assert {key: value for key, value in moved.items() if key != 3} == {
        row[0]: row[1:] for row in before if row[0] != 3
    }
