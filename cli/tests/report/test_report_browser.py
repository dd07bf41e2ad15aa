"""The report in a real browser: Debian's chromium driven by Playwright, the page opened from disk.

Skipped when chromium or Playwright is missing, unless REPORT_BROWSER_REQUIRED=1 (set by
.ci/browser.sh), where that is a failure. UPDATE_REPORT_SCREENSHOT=1 also writes docs/report.png.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import importlib.util
import io
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from support.cli import Run

# Their own stage (make test-browser, .ci/browser.sh), not make test: a page in chromium takes
# half a minute of make test's three, and CI installs chromium for this stage only.
pytestmark = pytest.mark.browser

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
        "as_of_month": as_of.replace(day=1) if not month_end else dt.date.max,
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


def open_report(
    browser: Any, run: Run, width: int = 1280, **options: Any
) -> tuple[Any, list[str], list[str]]:
    """The page at `width` pixels, every chart drawn; the requests it made and its console
    errors and warnings (Plotly warns of a bad attribute on the console)."""
    page = browser.new_page(
        viewport={"width": width, "height": 900}, accept_downloads=True, **options
    )
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: message.type in ("error", "warning") and errors.append(message.text),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(run.settings.report_file.resolve().as_uri(), wait_until="load")
    # Every chart drawn: each Plotly div holds its SVG with its traces (bars, lines, cells).
    page.wait_for_function(
        """() => {
            const charts = [...document.querySelectorAll('.js-plotly-plot')];
            return document.body.dataset.ready === 'true'
                && charts.length === Number(document.body.dataset.charts)
                && charts.every(chart => chart.querySelector(
                    '.main-svg .cartesianlayer .trace, .main-svg .heatmaplayer .hm'));
        }""",
        timeout=30_000,
    )
    return page, requests, errors


def assert_offline_and_clean(run: Run, requests: list[str], errors: list[str]) -> None:
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []
    assert requests[0] == run.settings.report_file.resolve().as_uri()


def kpi_text(page: Any, name: str) -> str:
    return str(page.locator(f'[data-kpi="{name}"]').inner_text())


def test_the_figures_equal_the_marts(browser: Any, scale_one_run: Run, tmp_path: Path) -> None:
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    expected = expected_figures(scale_one_run)
    page, requests, errors = open_report(browser, scale_one_run)
    assert page.locator(".js-plotly-plot").count() == 4  # turnover, entities, NPS, cohorts
    # How old the page is, computed when it is opened (it was written moments ago).
    assert page.locator("#generated-ago").inner_text() == "Generated today"

    # The figures a person reads equal the marts, to the cent.
    assert euros(kpi_text(page, "ytd-current")) == expected["ytd"]
    assert euros(kpi_text(page, "ytd-previous")) == expected["previous"]
    assert euros(kpi_text(page, "ytd-blue")) + euros(kpi_text(page, "ytd-green")) == expected["ytd"]
    months = dict(expected["months"])
    complete = [month for month in months if month < expected["as_of_month"]]
    last = max(complete)
    assert euros(kpi_text(page, "last-month")) == months[last]
    before = (last - dt.timedelta(days=1)).replace(day=1)
    change = (months[last] - months[before]) / months[before] * 100
    shown_change = kpi_text(page, "last-month-vs-previous").replace("\u202f%", "")
    assert Decimal(shown_change.replace(",", ".")) == round(change, 1)
    nps, respondents, promoters, _passives, detractors = expected["nps"]
    assert Decimal(kpi_text(page, "nps").replace(",", ".")) == nps
    assert int("".join(kpi_text(page, "respondents").split())) == respondents
    assert int("".join(kpi_text(page, "promoters").split())) == promoters
    assert int("".join(kpi_text(page, "detractors").split())) == detractors

    monthly = page.locator("#monthly-table tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 2).map(cell => cell.innerText))"
    )
    assert [(month, euros(amount)) for month, amount in monthly] == [
        (month.strftime("%Y-%m"), turnover) for month, turnover in expected["months"]
    ]
    total = page.locator("#monthly-table tfoot td").first.inner_text()
    assert euros(total) == sum(months.values())
    cohorts = page.locator("#cohort-table tbody tr").evaluate_all(
        "rows => rows.map(row => [row.cells[0].textContent, row.cells[2].textContent])"
    )
    assert [(cohort, euros(amount)) for cohort, amount in cohorts] == expected["cohorts"]
    # The reconciliation: invoices = monthly mart = cohort mart, to the cent.
    for name in ("invoices", "monthly", "cohorts"):
        assert euros(kpi_text(page, f"reconciliation-{name}")) == sum(months.values())
    # The anomaly in plain words, with the invoices dated around it.
    anomaly = page.locator('[data-anomaly="missing"] p').first.inner_text()
    assert re.fullmatch(
        r"Invoice reference JMP\d{8} is missing from the sequence, between JMP\d{8} dated "
        r"\d{4}-\d\d-\d\d and JMP\d{8} dated \d{4}-\d\d-\d\d\.",
        anomaly,
    ), anomaly

    # Stagnating freelancers: never invoiced apart, each with id and e-mail.
    assert 0 < len(expected["stagnating"]) <= 250
    assert int(kpi_text(page, "stagnating")) == len(expected["stagnating"])
    never = page.locator("#never-invoiced-table tbody tr").count()
    invoiced = page.locator("#stagnating-table tbody tr").count()
    assert int(kpi_text(page, "never-invoiced")) == never > 0
    assert never + invoiced == len(expected["stagnating"])
    names = page.locator(
        "#never-invoiced-table tbody tr td:nth-child(2), #stagnating-table tbody tr td:nth-child(2)"
    ).all_inner_texts()
    assert sorted(names) == expected["stagnating"]
    assert (
        page.locator("#never-invoiced-table tbody tr td:nth-child(4) a[href^='mailto:']").count()
        == never
    )
    page.locator("#freelancer-search").fill(names[0])
    shown = page.locator(
        "#never-invoiced-table tbody tr:not([hidden]), #stagnating-table tbody tr:not([hidden])"
    )
    assert 1 <= shown.count() < never + invoiced
    page.locator("#freelancer-search").fill("")
    assert shown.count() == never + invoiced

    page.screenshot(path=tmp_path / "report-screen.png", full_page=True)
    if os.environ.get("UPDATE_REPORT_SCREENSHOT") == "1":
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=DOCS_SCREENSHOT)  # the first screen: 1280 by 900 pixels
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()


def test_headers_sort_by_keyboard_and_never_comes_first(browser: Any, scale_one_run: Run) -> None:
    page, requests, errors = open_report(browser, scale_one_run)
    # Tab reaches the header's button; Enter sorts.
    header = page.locator("#never-invoiced-table th button", has_text="cumulative turnover")
    header.focus()
    page.keyboard.press("Enter")
    amounts = [
        euros(text)
        for text in page.locator("#never-invoiced-table tbody tr td:last-child").all_inner_texts()
    ]
    assert amounts == sorted(amounts)
    page.keyboard.press("Shift+Tab")  # the previous header, by keyboard alone
    page.keyboard.press("Enter")
    column = page.locator("#stagnating-table tbody tr td:nth-child(7)")
    if column.count():
        page.locator("#stagnating-table th button", has_text="last invoice").focus()
        page.keyboard.press("Enter")
        dates = column.all_inner_texts()
        assert dates == sorted(dates)
    # In the sort, "never" comes before every date: the never-invoiced rows joined back in.
    assert page.evaluate(
        """() => {
            const cells = [...document.querySelectorAll('#never-invoiced-table td:nth-child(7)')];
            return cells.every(cell => cell.dataset.value === '' && cell.innerText === 'never');
        }"""
    )
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()


def test_a_csv_download_equals_the_mart(browser: Any, scale_one_run: Run, tmp_path: Path) -> None:
    page, requests, errors = open_report(browser, scale_one_run)
    with page.expect_download() as download_info:
        page.locator('button.csv[data-csv="monthly-table"]').click()
    download = download_info.value
    assert download.suggested_filename == "monthly-turnover.csv"
    path = tmp_path / "monthly-turnover.csv"
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["month", "turnover", "Jump Blue", "Jump Green", "month complete"]
    entities = {
        (month, entity): amount
        for month, entity, amount in marts(
            scale_one_run,
            "select month, entity, sum(turnover) from marts.turnover_by_cohort group by all",
        )
    }
    expected = [
        [
            month.strftime("%Y-%m"),
            str(turnover),
            str(entities.get((month, "blue"), Decimal("0.00"))),
            str(entities.get((month, "green"), Decimal("0.00"))),
        ]
        for month, turnover in marts(
            scale_one_run, "select month, turnover from marts.monthly_turnover order by month"
        )
    ]
    assert [row[:4] for row in rows[1:]] == expected
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()


def test_the_filters_change_the_figures(browser: Any, scale_one_run: Run) -> None:
    page, requests, errors = open_report(browser, scale_one_run)
    blue = marts(
        scale_one_run,
        "select month, sum(turnover) from marts.turnover_by_cohort where entity = 'blue' "
        "group by month order by month",
    )
    months = [
        month
        for (month,) in marts(
            scale_one_run, "select month from marts.monthly_turnover order by month"
        )
    ]
    last_twelve = set(months[-12:])
    everything = euros(kpi_text(page, "selected-turnover"))
    page.select_option("#range", "12")
    page.select_option("#entity", "blue")
    selected = euros(kpi_text(page, "selected-turnover"))
    assert selected == sum(amount for month, amount in blue if month in last_twelve)
    assert selected < everything
    assert page.locator("#monthly-table tbody tr:not([hidden])").count() == 12
    # The charts over months show those twelve months only.
    shown = page.evaluate(
        "() => document.getElementById('chart-monthly-turnover').layout.xaxis.range"
    )
    assert shown[1] - shown[0] == 12
    page.select_option("#range", "ytd")
    year = max(months).year
    assert page.locator("#monthly-table tbody tr:not([hidden])").count() == sum(
        1 for month in months if month.year == year
    )
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()


def test_dark_mode_follows_the_browser(browser: Any, scale_one_run: Run, tmp_path: Path) -> None:
    page, requests, errors = open_report(browser, scale_one_run, color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _luminance(background) < 0.2
    paper = page.evaluate(
        "() => document.getElementById('chart-monthly-turnover').layout.paper_bgcolor"
    )
    assert paper != "white"
    page.screenshot(path=tmp_path / "report-dark.png")
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()
    light, _, _ = open_report(browser, scale_one_run, color_scheme="light")
    assert _luminance(light.evaluate("getComputedStyle(document.body).backgroundColor")) > 0.8
    light.close()


def _luminance(css_color: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("width", [1280, 1440])
def test_amounts_stay_inside_their_cards(browser: Any, scale_one_run: Run, width: int) -> None:
    page, _, errors = open_report(browser, scale_one_run, width)
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.kpis dd')].filter(dd => {
            const card = dd.closest('div').getBoundingClientRect();
            return dd.scrollWidth > dd.clientWidth + 1
                || dd.getBoundingClientRect().right > card.right + 0.5;
        }).map(dd => dd.dataset.kpi || dd.textContent)"""
    )
    assert overflowing == []
    assert errors == []
    page.close()


def test_a_phone_has_no_sideways_page_scroll(
    browser: Any, scale_one_run: Run, tmp_path: Path
) -> None:
    page, requests, errors = open_report(browser, scale_one_run, 390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # No chart tool bar to cover a legend; dates never wrap.
    assert page.locator(".modebar").count() == 0
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('td.date')].filter(cell => {
            const text = document.createRange();
            text.selectNodeContents(cell);
            return text.getClientRects().length > 1;  // one rectangle per line
        }).length"""
    )
    assert wrapped == 0
    page.screenshot(path=tmp_path / "report-390.png", full_page=True)
    assert_offline_and_clean(scale_one_run, requests, errors)
    page.close()


def test_in_print_no_heading_ends_a_page(browser: Any, scale_one_run: Run, tmp_path: Path) -> None:
    from pypdf import PdfReader

    page, _, errors = open_report(browser, scale_one_run)
    headings = {" ".join(text.split()) for text in page.locator("h1, h2, h3, h4").all_inner_texts()}
    page.emulate_media(media="print")
    page.screenshot(path=tmp_path / "report-print.png", full_page=True)
    pdf = tmp_path / "report.pdf"
    page.pdf(path=pdf, format="A4", landscape=True, print_background=True)
    pages = [page_.extract_text() or "" for page_ in PdfReader(pdf).pages]
    assert len(pages) > 3
    ending = []
    for number, text in enumerate(pages, start=1):
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        assert lines, f"page {number} is blank"
        if lines[-1] in headings or lines[-1].startswith(tuple(h + " (" for h in headings)):
            ending.append((number, lines[-1]))
        # A page holding a heading alone is a heading ending a page too.
        assert not (len(lines) <= 2 and lines[0] in headings), (number, lines)
    assert ending == []
    assert errors == []
    page.close()
