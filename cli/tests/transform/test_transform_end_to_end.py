"""extract, load, transform at scale 1 through the entry point; every mart is checked against
values computed independently in Python straight from the SQLite files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from support.cli import Run
from transform import independent_marts as expected

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sources(scale_one_run: Run) -> expected.Sources:
    return expected.Sources(scale_one_run.data_folder / "sources")


def rows(run: Run, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_transform_succeeds_and_warns_about_the_planted_gap(
    scale_one_run: Run, sources: expected.Sources
) -> None:
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    missing = expected.missing_references(sources)
    assert missing  # the extract plants a gap
    text = " ".join(scale_one_run.stderr.split())
    assert "invoice_references_are_consecutive (warn)" in text
    assert f"anomaly=missing, how_many={len(missing)}, invoice_references={missing[0]}" in text
    assert "is stale" not in text  # just loaded: `_loaded_at` (UTC) is fresh


def test_monthly_turnover(scale_one_run: Run, sources: expected.Sources) -> None:
    actual = dict(rows(scale_one_run, "select month, turnover from marts.monthly_turnover"))
    wanted = expected.monthly_turnover(sources)
    assert actual == wanted
    assert 0 in actual.values()  # the planted empty month is there, with 0


def test_nps(scale_one_run: Run, sources: expected.Sources) -> None:
    assert rows(scale_one_run, "select * from marts.nps") == [expected.nps(sources)]


def test_nps_counts_a_freelancer_whose_later_crm_duplicate_has_no_score(
    scale_one_run: Run, sources: expected.Sources
) -> None:
    """A freelancer entered twice in the CRM, the later row without a score: their answer
    stands (the deduplicated CRM keeps the later row, which erased 15 respondents at seed 42)."""
    answered = {answer[0] for answer in expected.survey_answers(sources)}
    erased = {
        uid
        for uid, score in expected.crm_scores(sources).items()
        if score is None and uid in answered
    }
    assert erased  # the extract has such duplicates
    [(respondents,)] = rows(scale_one_run, "select respondents from marts.nps")
    assert respondents == expected.nps(sources)[1]


def test_nps_monthly(scale_one_run: Run, sources: expected.Sources) -> None:
    actual = {
        row[0]: row[1:]
        for row in rows(
            scale_one_run,
            "select month, nps, respondents, promoters, passives, detractors, answers_in_month,"
            " nps_all_time, respondents_all_time, is_complete, is_observed from marts.nps_monthly",
        )
    }
    assert actual == expected.nps_monthly(sources)
    last = max(actual)
    assert actual[last][6:8] == expected.nps(sources)[:2]  # all time: today's NPS


def test_monthly_marts_cover_the_same_months_and_flag_the_unfinished_one(
    scale_one_run: Run, sources: expected.Sources
) -> None:
    months = {}
    for mart in ["monthly_turnover", "nps_monthly", "turnover_by_cohort"]:
        months[mart] = rows(
            scale_one_run,
            f"select distinct month, is_complete from marts.{mart} order by month",
        )
    assert months["monthly_turnover"] == months["nps_monthly"] == months["turnover_by_cohort"]
    [(month, _)] = [row for row in months["nps_monthly"] if not row[1]]
    assert month == sources.as_of_month
    assert rows(
        scale_one_run,
        "select count(*) from marts.freelancer_cumulative_turnover"
        f" where is_complete = (month < date '{sources.as_of_month}')",
    ) == rows(scale_one_run, "select count(*) from marts.freelancer_cumulative_turnover")


def test_crm_scores_match(scale_one_run: Run, sources: expected.Sources) -> None:
    actual = dict(
        rows(
            scale_one_run,
            "select freelancer_id, satisfaction_score from intermediate.freelancers"
            " where crm_customer_id is not null",
        )
    )
    assert actual == expected.crm_scores(sources)


def test_turnover_by_cohort(scale_one_run: Run, sources: expected.Sources) -> None:
    actual = {
        (row[0], row[5], row[4]): (row[1], row[2], row[3], row[6])
        for row in rows(scale_one_run, "select * from marts.turnover_by_cohort")
    }
    assert actual == expected.turnover_by_cohort(sources)
    # The planted hand-over (docs/sources.md): user 1 invoiced under both entities in June 2024.
    assert {key[2] for key in actual if key[:2] == (1, date(2024, 6, 1))} == {"blue", "green"}


def test_freelancer_cumulative_turnover(scale_one_run: Run, sources: expected.Sources) -> None:
    actual = {
        (row[3], row[7]): (row[0], row[4], row[5], row[6], row[8], row[9])
        for row in rows(scale_one_run, "select * from marts.freelancer_cumulative_turnover")
    }
    assert actual == expected.cumulative_turnover(sources)


def test_totals_reconcile_to_the_cent(scale_one_run: Run, sources: expected.Sources) -> None:
    total = sum((amount for *_, amount in sources.invoices), Decimal(0))
    for mart in ["monthly_turnover", "turnover_by_cohort", "freelancer_cumulative_turnover"]:
        [(mart_total,)] = rows(scale_one_run, f"select sum(turnover) from marts.{mart}")
        assert mart_total == total, mart
