"""extract, load, transform at scale 1 through the entry point; every mart is checked against
values computed independently in Python straight from the SQLite files."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest

from support.cli import Run
from transform import independent_marts as expected

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sources(end_to_end_run: Run) -> expected.Sources:
    return expected.Sources(end_to_end_run.data_folder / "sources")


def rows(run: Run, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_transform_succeeds_and_warns_about_the_planted_gap(
    end_to_end_run: Run, sources: expected.Sources
) -> None:
    assert end_to_end_run.exit_code == 0, end_to_end_run.stderr
    missing = expected.missing_references(sources)
    assert missing  # the extract plants a gap
    text = " ".join(end_to_end_run.stderr.split())
    assert "invoice_references_are_consecutive (warn)" in text
    assert f"anomaly=missing, how_many={len(missing)}, invoice_references={missing[0]}" in text
    assert "is stale" not in text  # just loaded: `_loaded_at` (UTC) is fresh


def test_monthly_turnover(end_to_end_run: Run, sources: expected.Sources) -> None:
    actual = dict(rows(end_to_end_run, "select month, turnover from marts.monthly_turnover"))
    wanted = expected.monthly_turnover(sources)
    assert actual == wanted
    assert 0 in actual.values()  # the planted empty month is there, with 0


def test_nps(end_to_end_run: Run, sources: expected.Sources) -> None:
    assert rows(end_to_end_run, "select * from marts.nps") == [expected.nps(sources)]


def test_crm_scores_match(end_to_end_run: Run, sources: expected.Sources) -> None:
    actual = dict(
        rows(
            end_to_end_run,
            "select freelancer_id, satisfaction_score from intermediate.freelancers"
            " where crm_customer_id is not null",
        )
    )
    assert actual == expected.crm_scores(sources)


def test_turnover_by_cohort(end_to_end_run: Run, sources: expected.Sources) -> None:
    actual = {
        (row[0], row[5]): (row[1], row[2], row[3], row[4], row[6])
        for row in rows(end_to_end_run, "select * from marts.turnover_by_cohort")
    }
    assert actual == expected.turnover_by_cohort(sources)


def test_freelancer_cumulative_turnover(end_to_end_run: Run, sources: expected.Sources) -> None:
    actual = {
        (row[3], row[7]): (row[0], row[4], row[5], row[6], row[8], row[9])
        for row in rows(end_to_end_run, "select * from marts.freelancer_cumulative_turnover")
    }
    assert actual == expected.cumulative_turnover(sources)


def test_totals_reconcile_to_the_cent(end_to_end_run: Run, sources: expected.Sources) -> None:
    total = sum((amount for *_, amount in sources.invoices), Decimal(0))
    for mart in ["monthly_turnover", "turnover_by_cohort", "freelancer_cumulative_turnover"]:
        [(mart_total,)] = rows(end_to_end_run, f"select sum(turnover) from marts.{mart}")
        assert mart_total == total, mart
