"""The report in a real browser: Debian's chromium driven by Playwright, the page opened from disk.

Skipped when chromium or Playwright is missing, unless REPORT_BROWSER_REQUIRED=1 (set by
.ci/browser.sh), where that is a failure. UPDATE_REPORT_SCREENSHOT=1 also writes docs/report.png.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import os
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from support.cli import Run

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "report.png"
# Schemes that never leave the machine.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (the dev extras)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("REPORT_BROWSER_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def euros(text: str) -> Decimal:
    """`1 234,56 EUR` as shown (any kind of space) -> Decimal('1234.56')."""
    digits = "".join(text.removesuffix("EUR").split()).replace("\u202f", "")
    return Decimal(digits.replace(",", "."))


def marts(run: Run, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def expected_figures(run: Run) -> dict[str, Any]:
    """The figures the page must show, computed here from the marts, independently of the
    report's own code."""
    ((as_of_text,),) = marts(run, "select max(as_of) from sources.app__extract_metadata")
    as_of = dt.datetime.fromisoformat(as_of_text).date()
    month_end = as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]
    months = dict(marts(run, "select month, turnover from marts.monthly_turnover"))

    def complete(month: dt.date) -> bool:
        return month < as_of.replace(day=1) or (month == as_of.replace(day=1) and month_end)

    this_year = [m for m in months if m.year == as_of.year and complete(m)]
    last_year = [m.replace(year=m.year - 1) for m in this_year]
    nps = marts(run, "select nps, respondents, promoters, passives, detractors from marts.nps")
    # Stagnating: every mart row, the rule applied in Python.
    rows = marts(
        run,
        "select freelancer_id, last_name, job_contract_end_date, month, turnover "
        "from marts.freelancer_cumulative_turnover",
    )
    last_complete = max(m for m in months if complete(m))
    first = last_complete
    for _ in range(2):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    window_months: dict[int, set[dt.date]] = defaultdict(set)
    invoiced_since: dict[int, Decimal] = defaultdict(Decimal)
    running: set[int] = set()
    names: dict[int, str] = {}
    for freelancer, last_name, end, month, turnover in rows:
        names[freelancer] = last_name
        if first <= month <= last_complete:
            window_months[freelancer].add(month)
        if month >= first:
            invoiced_since[freelancer] += turnover
        if month == as_of.replace(day=1) and (end is None or end >= as_of):
            running.add(freelancer)
    stagnating = sorted(
        names[f] for f in running if len(window_months[f]) == 3 and invoiced_since[f] == 0
    )
    return {
        "months": sorted(months.items()),
        "ytd": sum((months[m] for m in this_year), Decimal(0)),
        "previous": sum((months.get(m, Decimal(0)) for m in last_year), Decimal(0)),
        "nps": nps[0],
        "stagnating": stagnating,
        "cohorts": marts(
            run,
            "select strftime(cohort, '%Y-%m'), sum(turnover) from marts.turnover_by_cohort "
            "group by cohort order by cohort",
        ),
    }


def test_the_report_in_chromium(browser: Any, scale_one_run: Run, tmp_path: Path) -> None:
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    report = scale_one_run.settings.report_file
    expected = expected_figures(scale_one_run)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # Errors and warnings alike (Plotly warns of a bad attribute on the console).
    page.on(
        "console",
        lambda message: message.type in ("error", "warning") and errors.append(message.text),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(report.resolve().as_uri(), wait_until="load")
    # Every chart drawn: each Plotly div holds its SVG with its traces (bars, lines, cells).
    page.wait_for_function(
        """() => {
            const charts = [...document.querySelectorAll('.plotly-graph-div')];
            return charts.length === Number(document.body.dataset.charts)
                && charts.every(chart => chart.querySelector(
                    '.main-svg .cartesianlayer .trace, .main-svg .heatmaplayer .hm'));
        }""",
        timeout=30_000,
    )
    assert page.locator(".plotly-graph-div").count() == 4  # turnover, entities, NPS, cohorts

    # The figures a person reads equal the marts, to the cent.
    def shown(name: str) -> str:
        return str(page.locator(f'[data-kpi="{name}"]').inner_text())

    assert euros(shown("ytd-current")) == expected["ytd"]
    assert euros(shown("ytd-previous")) == expected["previous"]
    assert euros(shown("ytd-blue")) + euros(shown("ytd-green")) == expected["ytd"]
    nps, respondents, promoters, _passives, detractors = expected["nps"]
    assert Decimal(shown("nps").replace(",", ".")) == nps
    assert int("".join(shown("respondents").split())) == respondents
    assert int("".join(shown("promoters").split())) == promoters
    assert int("".join(shown("detractors").split())) == detractors

    page.locator("details").first.locator("summary").click()
    monthly = page.locator("#monthly-table tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 2).map(cell => cell.innerText))"
    )
    assert [(month, euros(amount)) for month, amount in monthly] == [
        (month.strftime("%Y-%m"), turnover) for month, turnover in expected["months"]
    ]
    cohorts = page.locator("#cohort-table tbody tr").evaluate_all(
        "rows => rows.map(row => [row.cells[0].textContent, row.cells[2].textContent])"
    )
    assert [(cohort, euros(amount)) for cohort, amount in cohorts] == expected["cohorts"]

    # At scale 1 every stagnating freelancer is listed (the page lists up to 250).
    assert 0 < len(expected["stagnating"]) <= 250
    assert int(shown("stagnating")) == len(expected["stagnating"])
    stagnating = page.locator("#stagnating-table tbody tr td:first-child").all_inner_texts()
    assert sorted(stagnating) == expected["stagnating"]
    # The table sorts by a click on a header, numbers by value.
    page.locator("#stagnating-table th", has_text="cumulative turnover").click()
    amounts = [
        euros(text)
        for text in page.locator("#stagnating-table tbody tr td:last-child").all_inner_texts()
    ]
    assert amounts == sorted(amounts)

    page.screenshot(path=tmp_path / "report-screen.png", full_page=True)
    if os.environ.get("UPDATE_REPORT_SCREENSHOT") == "1":
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=DOCS_SCREENSHOT)  # the first screen: 1280 by 900 pixels
    page.emulate_media(media="print")
    page.screenshot(path=tmp_path / "report-print.png", full_page=True)
    page.pdf(path=tmp_path / "report.pdf", format="A4", landscape=True)
    print(f"screenshots in {tmp_path}")

    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []
    assert requests[0] == report.resolve().as_uri()
    page.close()
