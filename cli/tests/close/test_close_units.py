"""The close step's pieces that need no lakehouse."""

from __future__ import annotations

import datetime as dt

import pytest

from jump.data_platform.close.figures import closed_marts, figures_query
from jump.data_platform.close.month_close import parse_month, previous_month
from jump.data_platform.transform.dbt_project import find_dbt_project


def test_a_month_is_written_yyyy_mm() -> None:
    assert parse_month("2026-11") == dt.date(2026, 11, 1)
    assert parse_month(" 2024-01 ") == dt.date(2024, 1, 1)
    for bad in ["2026-13", "2026-00", "2026-1", "11/2026", "2026-11-01", ""]:
        with pytest.raises(ValueError, match="use YYYY-MM"):
            parse_month(bad)


def test_the_scheduled_close_takes_the_month_before() -> None:
    assert previous_month(dt.date(2026, 12, 5)) == dt.date(2026, 11, 1)
    assert previous_month(dt.date(2027, 1, 5)) == dt.date(2026, 12, 1)


def test_every_monthly_mart_is_frozen_as_the_dbt_project_declares() -> None:
    marts = {mart.name: mart for mart in closed_marts(find_dbt_project())}
    assert set(marts) == {
        "monthly_turnover",
        "turnover_by_cohort",
        "freelancer_cumulative_turnover",
        "nps_monthly",
    }
    assert marts["freelancer_cumulative_turnover"].measures == ("turnover", "cumulative_turnover")
    # A freelancer can have two rows in a hand-over month: one per issuing entity.
    assert "freelancer_id" in marts["turnover_by_cohort"].key
    assert "entity" in marts["turnover_by_cohort"].key
    query = figures_query(list(marts.values()))
    # One parameter (the month) per mart and measure.
    assert query.count("?") == sum(len(mart.measures) for mart in marts.values())
