"""`data-platform report` and the report `transform` writes, through the real entry point."""

from __future__ import annotations

import re
import shutil
import webbrowser
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.cli.report import refresh_report
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.tools.report import build_report
from jump.data_platform.tools.report import data as data_module
from jump.data_platform.tools.report.data import gather_report_data
from jump.data_platform.tools.report.page import render_page
from support.cli import Run, run_cli
from transform.handmade_lakehouse import build_lakehouse

NNBSP = "\u202f"


def kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def copy_of_handmade(handmade_run: Run, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(handmade_run.data_folder, folder)
    return folder


def test_transform_writes_the_report(handmade_run: Run) -> None:
    assert handmade_run.exit_code == 0, handmade_run.stderr
    report = handmade_run.settings.report_file
    assert report == handmade_run.data_folder / "reports" / "index.html"
    assert report.is_file()
    assert f"Report written to {report}" in " ".join(handmade_run.stderr.split())


def test_the_page_is_self_contained(handmade_run: Run) -> None:
    html = handmade_run.settings.report_file.read_text(encoding="utf-8")
    # Nothing to fetch: no external script, style sheet, font or image.
    assert not re.search(r"<script[^>]+src=", html)
    assert "<link" not in html
    assert "@import" not in html
    assert "@font-face" not in html
    assert not re.search(r"<img[^>]+src=", html)
    # Plotly's bundle is inlined once for the page, not once per chart.
    assert html.count("plotly.js v") == 1
    assert html.count("data-figure=") == 4  # turnover, entities, NPS, cohorts
    # The text comes first: Plotly and the page's script at the end, so nothing waits for them.
    assert html.index('<section id="cfo">') < html.index("plotly.js v")
    assert "<script" not in html[: html.index("<body")]
    # The figures' JSON cannot close its <script> element, whatever the names hold.
    for payload in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S):
        assert "<" not in payload


def test_the_page_shows_the_hand_checked_figures(handmade_run: Run) -> None:
    html = handmade_run.settings.report_file.read_text(encoding="utf-8")
    assert kpi(html, "ytd-current") == f"4{NNBSP}000,00{NNBSP}EUR"
    assert kpi(html, "ytd-previous") == f"3{NNBSP}250,24{NNBSP}EUR"
    assert kpi(html, "ytd-change") == f"+23,1{NNBSP}%"
    assert kpi(html, "unfinished-month") == f"12,34{NNBSP}EUR"
    assert kpi(html, "nps") == "33,33"
    assert kpi(html, "respondents") == "3"
    assert kpi(html, "stagnating") == "1"
    assert "invoice_references_are_consecutive" in html
    # The auditor's anomaly in plain words, with the invoices around it.
    assert (
        "Invoice reference JMP00000004 is missing from the sequence, between JMP00000003 "
        "dated 2023-03-15 and JMP00000005 dated 2023-05-31."
    ) in html
    assert "The three totals are equal to the cent." in html
    assert 'id="cohort-grid-table"' in html
    assert "No month closed yet" in html
    assert "Last transform: 20" in " ".join(html.split())


def test_report_command_writes_and_prints_the_path(copy_of_handmade: Path) -> None:
    report = Settings(data_folder=copy_of_handmade).report_file
    report.unlink()
    run = run_cli(copy_of_handmade, "--quiet", "report")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.strip() == str(report)
    assert report.is_file()
    assert not list(report.parent.glob(".*.tmp"))


def test_open_hands_the_file_to_the_browser(
    copy_of_handmade: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    run = run_cli(copy_of_handmade, "report", "--open")
    assert run.exit_code == 0, run.stderr
    assert opened == [Settings(data_folder=copy_of_handmade).report_file.resolve().as_uri()]


def test_without_a_lakehouse_one_line(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "report")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: no lakehouse at {Settings(data_folder=tmp_path).lakehouse_file}: "
        "build it with `data-platform extract load transform`"
    ]


def test_without_marts_one_line_and_no_page(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    build_lakehouse(settings.lakehouse_file)
    run = run_cli(tmp_path, "report")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: lakehouse {settings.lakehouse_file} has no marts.monthly_turnover: "
        "build the marts with `data-platform transform` first"
    ]
    assert not settings.report_file.exists()


def marts_as_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Published marts are views over a build slot: make them tables a test may change."""
    views = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and table_type = 'VIEW'"
    ).fetchall()
    for (name,) in views:
        connection.execute(f"create table marts.{name}__copy as select * from marts.{name}")
        connection.execute(f"drop view marts.{name}")
        connection.execute(f"alter table marts.{name}__copy rename to {name}")


def test_a_failed_rebuild_keeps_the_previous_page(copy_of_handmade: Path) -> None:
    settings = Settings(data_folder=copy_of_handmade)
    before = settings.report_file.read_bytes()
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        connection.execute("drop view marts.nps")
    assert run_cli(copy_of_handmade, "report").exit_code == 1
    assert settings.report_file.read_bytes() == before


def test_a_lakehouse_without_the_monthly_nps_has_no_trend_chart(copy_of_handmade: Path) -> None:
    settings = Settings(data_folder=copy_of_handmade)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        connection.execute("drop view marts.nps_monthly")  # a lakehouse built before the mart
    html = build_report(settings).read_text(encoding="utf-8")
    assert 'id="chart-nps"' not in html
    assert html.count("data-figure=") == 3


def test_the_trailing_twelve_month_nps_when_the_mart_has_it(copy_of_handmade: Path) -> None:
    """marts.nps_monthly as issue 21 defines it: the trailing twelve months, the answers of
    the month, the months not observed (the page reads the columns it finds)."""
    settings = Settings(data_folder=copy_of_handmade)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        connection.execute("drop view marts.nps_monthly")
        connection.execute(
            "create table marts.nps_monthly as select * from (values "
            "(date '2024-05-01', 20.00::decimal(5,2), 5::bigint, 2::bigint, 2::bigint, 1::bigint,"
            " 5::bigint, 20.00::decimal(5,2), 5::bigint, true, false),"
            "(date '2024-06-01', 40.00::decimal(5,2), 5::bigint, 2::bigint, 3::bigint, 0::bigint,"
            " 2::bigint, 33.33::decimal(5,2), 7::bigint, false, true)"
            ") as t(month, nps, respondents, promoters, passives, detractors, answers_in_month,"
            " nps_all_time, respondents_all_time, is_complete, is_observed)"
        )
    html = build_report(settings).read_text(encoding="utf-8")
    assert "NPS, trailing 12 months" in html
    assert 'id="nps-unobserved"' in html
    rows = re.findall(r'<tr data-month="(2024-0[56])"( class="\w+")?>', html)
    assert ("2024-05", ' class="unobserved"') in rows
    assert "answers in the month" in html


def test_restatements_are_shown_when_the_mart_exists(copy_of_handmade: Path) -> None:
    settings = Settings(data_folder=copy_of_handmade)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        connection.execute(
            # The transform published an empty view: a restatement in its place.
            "create or replace view marts.restatements as select date '2024-01-01' as month,"
            " 'monthly_turnover' as mart, '2024-01' as figure_key, 'turnover'::varchar as measure,"
            " 4000.00::decimal(18,2) as closed_value, 4100.00::decimal(18,2) as current_value,"
            " 100.00::decimal(18,2) as difference, 'invoice 7'::varchar as changed_app_rows,"
            " timestamp '2024-02-01 06:00:00' as closed_at"
        )
    html = build_report(settings).read_text(encoding="utf-8")
    assert 'id="restatements-table"' in html and "No month closed yet" not in html
    assert "100,00\u202fEUR</td>" in html and "invoice 7" in html


def test_the_completeness_column_is_used_when_present(copy_of_handmade: Path) -> None:
    settings = Settings(data_folder=copy_of_handmade)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        # As if the as-of were the month's last day: June counts as complete.
        marts_as_tables(connection)
        connection.execute(
            "create or replace table marts.monthly_turnover as "
            "select month, turnover, true as is_complete from marts.monthly_turnover"
        )
    html = build_report(settings).read_text(encoding="utf-8")
    assert 'data-kpi="unfinished-month"' not in html
    assert kpi(html, "ytd-current") == f"4{NNBSP}012,34{NNBSP}EUR"


def test_transform_regenerates_the_report_from_scale_one(scale_one_run: Run) -> None:
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    html = scale_one_run.settings.report_file.read_text(encoding="utf-8")
    with duckdb.connect(str(scale_one_run.lakehouse), read_only=True) as connection:
        ((total,),) = connection.execute(
            "select sum(turnover) from marts.monthly_turnover"
        ).fetchall()
    shown = [
        Decimal(text.replace(NNBSP, "").replace(",", "."))
        for text in re.findall(
            r'<tr data-month="[^"]+"(?: class="unfinished")?>\s*<td class="date">\d{4}-\d\d</td>'
            r'\s*<td class="amount" data-value="[^"]*">([^<]*)EUR</td>',
            html.split('id="monthly-table"')[1].split("</table>")[0],
        )
    ]
    assert len(shown) > 12
    assert sum(shown) == total


def test_a_long_stagnation_list_is_cut_and_says_so(
    scale_one_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    everyone = gather_report_data(scale_one_run.settings)
    monkeypatch.setattr(data_module, "STAGNATION_LISTED", 5)
    cut = gather_report_data(scale_one_run.settings)
    assert everyone.stagnating_count == len(everyone.stagnating) > 5
    assert cut.stagnating_count == everyone.stagnating_count
    assert cut.stagnating == everyone.stagnating[:5]
    amounts = [person.cumulative_turnover for person in everyone.stagnating]
    assert amounts == sorted(amounts, reverse=True)
    html = render_page(cut)
    assert html.count("data-freelancer-id=") == 5
    assert " (the 5 with the highest cumulative turnover are listed)." in html


def test_the_stagnation_list_is_the_rule_applied_to_every_row_of_the_mart(
    scale_one_run: Run,
) -> None:
    # The report's query reads whole only the freelancers the window keeps: the same list as
    # the rule applied in Python to every row of the mart.
    data = gather_report_data(scale_one_run.settings)
    assert data.stagnation_window is not None
    window_start, window_end = data.stagnation_window
    running_month = data.as_of.replace(day=1)
    people: dict[int, dict[str, Any]] = {}
    with duckdb.connect(str(scale_one_run.lakehouse), read_only=True) as connection:
        rows = connection.execute(
            "select freelancer_id, month, turnover, cumulative_turnover, job_contract_end_date,"
            " job_contract_start_date, entity, last_name, first_name"
            " from marts.freelancer_cumulative_turnover"
        ).fetchall()
    for freelancer, month, turnover, cumulative, end, start, entity, last_name, first_name in rows:
        person = people.setdefault(
            freelancer,
            {"months": set(), "recent": Decimal(0), "cumulative": cumulative, "name": ("", "")},
        )
        person["cumulative"] = max(person["cumulative"], cumulative)
        person["name"] = (last_name or "", first_name or "")
        if window_start <= month <= window_end:
            person["months"].add(month)
        if month >= window_start:
            person["recent"] += turnover
        if month == running_month and (end is None or end >= data.as_of):
            person["running"] = (start, entity)
    expected = sorted(
        (-person["cumulative"], *person["name"], freelancer, *person["running"])
        for freelancer, person in people.items()
        if "running" in person and len(person["months"]) == 3 and person["recent"] == 0
    )
    assert data.stagnating_count == len(expected) > 5
    assert [
        (
            -p.cumulative_turnover,
            p.last_name,
            p.first_name,
            p.freelancer_id,
            p.contract_start,
            p.entity,
        )
        for p in data.stagnating
    ] == expected[: len(data.stagnating)]


def test_empty_marts_give_a_page_of_zeros(copy_of_handmade: Path) -> None:
    settings = Settings(data_folder=copy_of_handmade)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        marts_as_tables(connection)
        for mart in ("monthly_turnover", "turnover_by_cohort", "freelancer_cumulative_turnover"):
            connection.execute(f"delete from marts.{mart}")
        connection.execute("update marts.nps set nps = null, respondents = 0, promoters = 0")
    html = build_report(settings).read_text(encoding="utf-8")
    assert kpi(html, "ytd-current") == f"0,00{NNBSP}EUR"
    assert kpi(html, "nps") == "—"
    assert kpi(html, "stagnating") == "0"


def test_a_report_that_cannot_be_written_after_transform_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What `transform` calls after a successful build: the lakehouse is fine, only the page
    # failed, so the transform must not fail.
    refresh_report(Settings(data_folder=tmp_path), Reporter())
    assert "Warning: the report was not regenerated: no lakehouse at" in capsys.readouterr().err
