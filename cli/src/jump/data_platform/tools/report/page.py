"""The report page: the gathered figures rendered into one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

import jinja2

from jump.data_platform import __version__
from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.storage.versions import resolve
from jump.data_platform.tools.report import charts
from jump.data_platform.tools.report.data import (
    STAGNATION_MONTHS,
    ReportData,
    gather_report_data,
)
from jump.data_platform.tools.report.formatting import (
    count,
    euros,
    month_label,
    number,
    percent_change,
)
from jump.data_platform.tools.times import company_time

_TEMPLATES = resources.files("jump.data_platform.tools.report") / "templates"


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    bytes: int
    seconds: float


def build_report(settings: Settings) -> Path:
    """Write `<data-folder>/reports/index.html` from the marts; the lakehouse is closed on
    return. What `report`, `transform` and a scheduled refresh call."""
    return write_report(settings).path


def write_report(settings: Settings, published_at: int | dt.datetime | None = None) -> BuiltReport:
    """`build_report`, with the page's size and the seconds it took; `published_at`: the
    report of that kept publication, written beside the current one as
    `publication-<id>.html`."""
    started = time.perf_counter()
    html = render_page(gather_report_data(settings, published_at))
    target = settings.report_file
    if published_at is not None:
        target = target.with_name(f"publication-{resolve(settings, published_at)}.html")
    try:
        with atomic_path(target) as temporary:
            temporary.write_text(html, encoding="utf-8")
    except OSError as error:  # a full disk: the previous report stays as it was
        raise DataPlatformError(
            f"cannot write the report {target}: {error.strerror or error}; the previous one is "
            "left as it was"
        ) from error
    return BuiltReport(target, len(html.encode("utf-8")), time.perf_counter() - started)


@functools.cache
def _environment() -> jinja2.Environment:
    """One per process: the template is compiled once (a tenth of a second), not at every
    report a long-running scheduler writes."""
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        euros=euros, count=count, number=number, month=month_label, instant=_instant
    )
    return environment


def _instant(value: dt.datetime | str | None) -> str:
    """An instant in the one notation people read: `2024-06-15 23:59 CEST` (naive is UTC)."""
    return "unknown" if value is None else company_time(value)


@dataclass(frozen=True)
class CohortGrid:
    """The heat map's cells as a table: one row per cohort, one column per month."""

    months: list[dt.date]
    rows: list[tuple[dt.date, list[Decimal | None]]]


def cohort_grid(data: ReportData) -> CohortGrid:
    months = sorted({cell.month for cell in data.cohort_months})
    cohorts = sorted({cell.cohort for cell in data.cohort_months})
    column = {month: index for index, month in enumerate(months)}
    cells: dict[dt.date, list[Decimal | None]] = {c: [None] * len(months) for c in cohorts}
    for cell in data.cohort_months:
        cells[cell.cohort][column[cell.month]] = cell.turnover
    return CohortGrid(months, [(cohort, cells[cohort]) for cohort in cohorts])


def render_page(data: ReportData) -> str:
    """The whole page as text: styles inline, the figures as JSON, Plotly and the page's script
    at the end (the text shows before Plotly is parsed); no URL fetched."""
    ytd = data.year_to_date()
    chart_json = {
        "monthly": charts.monthly_turnover(data.months),
        "entity": charts.turnover_by_entity(data.months),
        "cohorts": charts.cohort_heat_map(
            data.cohort_months, [month.month for month in data.unfinished]
        ),
    }
    nps_months = data.nps_months or []
    if data.nps_months:
        chart_json["nps"] = charts.nps_trend(data.nps_months)
    comparison = data.last_month_comparison()
    changes = {
        "previous": "—",
        "year_before": "—",
    }
    if comparison is not None:
        for key, other in (
            ("previous", comparison.previous),
            ("year_before", comparison.year_before),
        ):
            if other is not None:
                changes[key] = percent_change(comparison.month.turnover, other.turnover)
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        ytd=ytd,
        ytd_change=percent_change(ytd.current, ytd.previous),
        comparison=comparison,
        comparison_changes=changes,
        charts=chart_json,
        grid=cohort_grid(data),
        nps_trailing=any(m.answers_in_month is not None for m in nps_months),
        nps_unobserved=sum(1 for m in nps_months if m.observed is False),
        stagnation_months=STAGNATION_MONTHS,
        version=__version__,
        style=(_TEMPLATES / "report.css").read_text("utf-8"),
        script=(_TEMPLATES / "report.js").read_text("utf-8"),
        plotly_js=charts.plotly_js(),
    )
