"""The report's charts: Plotly figures as `<div>`s, the library itself inlined once by the page."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from jump.data_platform.tools.report.data import CohortMonth, MonthTurnover, NpsMonth
from jump.data_platform.tools.report.formatting import (
    PLOTLY_SEPARATORS,
    count,
    euros,
    month_label,
    number,
)

BLUE = "#2563eb"  # Jump Blue
GREEN = "#16a34a"  # Jump Green
INK = "#1f2937"
TOTAL = "#334155"
UNFINISHED = "#94a3b8"
# No mode bar logo (a link to plotly.com): nothing on the page leads off the file.
_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "color": INK}


def plotly_js() -> str:
    """Plotly's JavaScript bundle, for one inline `<script>` of the page."""
    return str(get_plotlyjs())


def _html(figure: go.Figure, chart_id: str, height: int = 360) -> str:
    figure.update_layout(
        separators=PLOTLY_SEPARATORS,
        font=_FONT,
        margin={"l": 70, "r": 20, "t": 30, "b": 50},
        height=height,
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.12, "x": 0},
        hoverlabel={"font": {"family": _FONT["family"]}},
    )
    figure.update_yaxes(gridcolor="#e5e7eb", zerolinecolor="#9ca3af")
    html: str = figure.to_html(
        full_html=False, include_plotlyjs=False, config=_CONFIG, div_id=chart_id
    )
    return html


def _amounts(values: Sequence[Decimal]) -> list[float]:
    return [float(value) for value in values]


def monthly_turnover(months: Sequence[MonthTurnover]) -> str:
    """Bars per month; the unfinished month hatched and grey (its own legend entry), so that it
    is not read as a drop."""
    labels = [month_label(m.month) for m in months]
    figure = go.Figure()
    for name, complete, marker in (
        ("turnover", True, {"color": TOTAL}),
        (
            "unfinished month, so far",
            False,
            {"color": UNFINISHED, "pattern": {"shape": "/", "fgcolor": TOTAL, "solidity": 0.3}},
        ),
    ):
        shown = [m for m in months if m.complete is complete]
        if not shown:
            continue
        figure.add_trace(
            go.Bar(
                x=[month_label(m.month) for m in shown],
                y=_amounts([m.turnover for m in shown]),
                name=name,
                marker=marker,
                customdata=[euros(m.turnover) for m in shown],
                hovertemplate=f"%{{x}}: %{{customdata}}<extra>{name}</extra>",
            )
        )
    for month in months:
        if month.turnover == 0:  # a bar of height 0 is invisible: say it
            figure.add_annotation(
                x=month_label(month.month), y=0, text="0", showarrow=False, yshift=8
            )
        if not month.complete:
            figure.add_annotation(
                x=month_label(month.month),
                y=float(month.turnover),
                text="unfinished",
                showarrow=True,
                arrowhead=0,
                ay=-30,
                font={"color": "#475569"},
            )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45)
    figure.update_yaxes(title_text="EUR", rangemode="tozero")
    return _html(figure, "chart-monthly-turnover")


def turnover_by_entity(months: Sequence[MonthTurnover]) -> str:
    """Blue and green stacked per month."""
    labels = [month_label(m.month) for m in months]
    figure = go.Figure()
    for name, color, values in (
        ("blue", BLUE, [m.blue for m in months]),
        ("green", GREEN, [m.green for m in months]),
    ):
        figure.add_trace(
            go.Bar(
                x=labels,
                y=_amounts(values),
                name=f"Jump {name.capitalize()}",
                marker={"color": color},
                customdata=[euros(value) for value in values],
                hovertemplate=f"%{{x}} {name}: %{{customdata}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    figure.update_xaxes(type="category", tickangle=-45)
    figure.update_yaxes(title_text="EUR", rangemode="tozero")
    return _html(figure, "chart-entity")


def nps_trend(months: Sequence[NpsMonth]) -> str:
    """NPS per month (line, left axis) over its respondents (bars, right axis)."""
    labels = [month_label(m.month) for m in months]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=labels,
            y=[m.respondents for m in months],
            name="respondents",
            marker={"color": "#cbd5e1"},
            yaxis="y2",
            customdata=[count(m.respondents) for m in months],
            hovertemplate="%{x}: %{customdata} respondents<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[None if m.nps is None else float(m.nps) for m in months],
            name="NPS",
            mode="lines+markers",
            line={"color": BLUE, "width": 3},
            customdata=["—" if m.nps is None else number(m.nps) for m in months],
            hovertemplate="%{x}: NPS %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        yaxis={"title": {"text": "NPS"}, "range": [-100, 100]},
        yaxis2={"title": {"text": "respondents"}, "overlaying": "y", "side": "right"},
    )
    figure.update_xaxes(type="category", tickangle=-45)
    return _html(figure, "chart-nps")


def cohort_heat_map(cells: Sequence[CohortMonth]) -> str:
    """Turnover per cohort (rows) and month (columns); blank before a cohort joined."""
    cohorts = sorted({cell.cohort for cell in cells})
    months = sorted({cell.month for cell in cells})
    row = {cohort: index for index, cohort in enumerate(cohorts)}
    column = {month: index for index, month in enumerate(months)}
    z: list[list[float | None]] = [[None] * len(months) for _ in cohorts]
    text: list[list[str]] = [[""] * len(months) for _ in cohorts]
    for cell in cells:
        z[row[cell.cohort]][column[cell.month]] = float(cell.turnover)
        text[row[cell.cohort]][column[cell.month]] = euros(cell.turnover)
    figure = go.Figure(
        go.Heatmap(
            x=[month_label(month) for month in months],
            y=[month_label(cohort) for cohort in cohorts],
            z=z,
            customdata=text,
            colorscale="Blues",
            colorbar={"title": {"text": "EUR"}},
            hoverongaps=False,
            hovertemplate="cohort %{y}, %{x}: %{customdata}<extra></extra>",
        )
    )
    figure.update_xaxes(type="category", tickangle=-45, title_text="month")
    figure.update_yaxes(type="category", autorange="reversed", title_text="cohort")
    return _html(figure, "chart-cohorts", height=max(360, 100 + 16 * len(cohorts)))
