"""The report's figures gathered from the hand-made lakehouse, each checked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from jump.data_platform.tools.report.data import ReportData, gather_report_data
from support.cli import Run

D = Decimal


@pytest.fixture(scope="module")
def data(handmade_run: Run) -> ReportData:
    assert handmade_run.exit_code == 0, handmade_run.stderr
    return gather_report_data(handmade_run.settings)


def test_as_of_and_freshness_come_from_the_extract_metadata(data: ReportData) -> None:
    assert data.as_of == dt.date(2024, 6, 15)
    assert [(f.source, f.as_of) for f in data.freshness] == [
        ("app", "2024-06-15"),
        ("crm", "2024-06-15"),
    ]
    assert all(f.loaded_at == dt.datetime(2024, 6, 15, 23, 59, 59) for f in data.freshness)


def test_every_month_is_there_empty_ones_at_zero(data: ReportData) -> None:
    months = {m.month: m for m in data.months}
    assert len(data.months) == 18  # 2023-01 to 2024-06, no gap
    assert months[dt.date(2023, 8, 1)].turnover == D("0.00")
    assert months[dt.date(2023, 1, 1)].turnover == D("1000.10")
    assert months[dt.date(2023, 1, 1)].blue == D("1000.10")
    assert months[dt.date(2023, 5, 1)].green == D("1999.99")
    assert sum(m.turnover for m in data.months) == D("7596.11")
    assert all(m.blue + m.green == m.turnover for m in data.months)


def test_the_as_of_month_is_unfinished(data: ReportData) -> None:
    assert [m.month for m in data.unfinished] == [dt.date(2024, 6, 1)]
    assert data.last_complete_month == dt.date(2024, 5, 1)
    assert data.has_completeness_column  # the marts' is_complete says so


def test_year_to_date_counts_complete_months_against_last_year(data: ReportData) -> None:
    ytd = data.year_to_date()
    assert (ytd.year, ytd.through) == (2024, dt.date(2024, 5, 1))
    assert ytd.current == D("4000.00")  # June's 12.34 is unfinished
    assert ytd.previous == D("3250.24")  # January to May 2023
    assert (ytd.blue, ytd.green) == (D("0.00"), D("4000.00"))


def test_nps(data: ReportData) -> None:
    assert data.nps.nps == D("33.33")
    assert (data.nps.respondents, data.nps.promoters, data.nps.detractors) == (3, 2, 1)
    assert data.nps_months is not None  # marts.nps_monthly: the trailing twelve months' NPS
    last = data.nps_months[-1]
    # Every hand-made answer is older than twelve months by June 2024: no respondent.
    assert (last.month, last.nps, last.respondents) == (dt.date(2024, 6, 1), None, 0)


def test_stagnating_freelancers_follow_the_rule(data: ReportData) -> None:
    # Window March-May 2024. Jean Martin (user 2) runs a contract and last invoiced in January:
    # listed. Élodie Lefèvre invoiced in June (unfinished month): not listed. The other Jean
    # Martin started in May 2024: not three months yet. Chloé Dupont's contract ended.
    assert data.stagnation_window == (dt.date(2024, 3, 1), dt.date(2024, 5, 1))
    assert [(p.freelancer_id, p.last_name, p.first_name) for p in data.stagnating] == [
        (2, "Martin", "Jean")
    ]
    assert data.stagnating_count == 1
    (jean,) = data.stagnating
    assert jean.entity == "green"
    assert jean.contract_start == dt.date(2023, 2, 1)
    assert jean.cumulative_turnover == D("4250.05")
    assert jean.last_invoice_month == dt.date(2024, 1, 1)


def test_cohorts(data: ReportData) -> None:
    assert [(c.cohort, c.freelancers, c.turnover) for c in data.cohorts] == [
        (dt.date(2023, 1, 1), 1, D("3012.73")),
        (dt.date(2023, 2, 1), 1, D("4250.05")),
        (dt.date(2023, 4, 1), 1, D("333.33")),
        (dt.date(2024, 5, 1), 1, D("0.00")),
    ]
    assert sum(cell.turnover for cell in data.cohort_months) == D("7596.11")


def test_last_transform_warnings_and_tests(data: ReportData) -> None:
    assert data.transform is not None
    assert any("invoice_references_are_consecutive" in name for name in data.transform.warnings)
    assert data.transform.tests.get("warn") == 1
    assert data.transform.tests.get("pass", 0) > 10
    assert data.transform.failures == []


def test_the_lakehouse_is_closed_on_return(handmade_run: Run) -> None:
    gather_report_data(handmade_run.settings)
    # A writer in this process can open it: no read-only handle is left behind.
    with duckdb.connect(str(handmade_run.lakehouse)) as connection:
        assert connection.execute("select count(*) from marts.nps").fetchone() == (1,)
