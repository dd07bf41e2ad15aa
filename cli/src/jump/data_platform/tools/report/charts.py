"""The report's charts: Plotly figures as JSON, drawn by the page once Plotly (inlined once, at
the end of the page) has loaded, so that the text shows at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from jump.data_platform.tools.report.data import CohortMonth, MonthTurnover, NpsMonth
from jump.data_platform.tools.report.formatting import (
    PLOTLY_SEPARATORS,
    count,
    euro_ticks,
    euros,
    month_label,
    number,
)

BLUE = "#2563eb"  # Jump Blue
GREEN = "#16a34a"  # Jump Green
INK = "#1f2937"
TOTAL = "#334155"
UNFINISHED = "#94a3b8"
UNOBSERVED = "#fbbf24"
# A hatched bar: the unfinished month, a month the platform did not observe.
HATCH = {"shape": "/", "fgcolor": TOTAL, "solidity": 0.3}
_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "color": INK}


def plotly_js() -> str:
    """Plotly's JavaScript bundle, for one inline `<script>` of the page."""
    return str(get_plotlyjs())


def _json(figure: go.Figure, height: int = 360) -> str:
    """The figure as JSON safe inside `<script type="application/json">` (no `<` left)."""
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
    text = json.dumps(json.loads(figure.to_json()), separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _amounts(values: Sequence[Decimal]) -> list[float]:
    return [float(value) for value in values]


def _unfinished_note(figure: go.Figure, month: MonthTurnover, y: float) -> None:
    figure.add_annotation(
        x=month_label(month.month),
        y=y,
        text="unfinished",
        showarrow=True,
        arrowhead=0,
        ay=-30,
        font={"color": "#475569"},
    )


def monthly_turnover(months: Sequence[MonthTurnover]) -> str:
    """Bars per month; the unfinished month hatched and grey (its own legend entry), so that it
    is not read as a drop."""
    labels = [month_label(m.month) for m in months]
    figure = go.Figure()
    for name, complete, marker in (
        ("turnover", True, {"color": TOTAL}),
        ("unfinished month, so far", False, {"color": UNFINISHED, "pattern": HATCH}),
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
            _unfinished_note(figure, month, float(month.turnover))
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45)
    top = max((m.turnover for m in months), default=Decimal(0))
    figure.update_yaxes(title_text="EUR", rangemode="tozero", **euro_ticks(top))
    return _json(figure)


def turnover_by_entity(months: Sequence[MonthTurnover]) -> str:
    """Blue and green stacked per month; the unfinished month hatched and labelled."""
    labels = [month_label(m.month) for m in months]
    figure = go.Figure()
    for name, color, attribute in (("blue", BLUE, "blue"), ("green", GREEN, "green")):
        values = [getattr(m, attribute) for m in months]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=_amounts(values),
                name=f"Jump {name.capitalize()}",
                marker={
                    "color": color,
                    "pattern": {
                        "shape": ["" if m.complete else "/" for m in months],
                        "fgcolor": "white",
                        "solidity": 0.4,
                    },
                },
                customdata=[euros(value) for value in values],
                hovertemplate=f"%{{x}} {name}: %{{customdata}}<extra></extra>",
            )
        )
    for month in months:
        if not month.complete:
            _unfinished_note(figure, month, float(month.blue + month.green))
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45)
    top = max((m.blue + m.green for m in months), default=Decimal(0))
    figure.update_yaxes(title_text="EUR", rangemode="tozero", **euro_ticks(top))
    return _json(figure)


def nps_trend(months: Sequence[NpsMonth]) -> str:
    """The NPS line on top of the bars of answers: with the trailing-twelve-month mart, the
    line is the NPS over the twelve months ending with each month and the bars the answers
    received in the month, the months the platform did not observe hatched; with an older
    mart, its NPS and respondents as they are."""
    labels = [month_label(m.month) for m in months]
    trailing = any(m.answers_in_month is not None for m in months)
    figure = go.Figure()
    bar_name = "answers in the month" if trailing else "respondents"
    bars = [(m.answers_in_month or 0) if trailing else m.respondents for m in months]
    for name, wanted, marker in (
        (bar_name, True, {"color": "#cbd5e1"}),
        (
            f"{bar_name}, month not observed",
            False,
            {"color": UNOBSERVED, "pattern": HATCH},
        ),
    ):
        shown = [i for i, m in enumerate(months) if (m.observed is not False) is wanted]
        if not shown:
            continue
        figure.add_trace(
            go.Bar(
                x=[labels[i] for i in shown],
                y=[bars[i] for i in shown],
                name=name,
                marker=marker,
                yaxis="y2",
                customdata=[count(bars[i]) for i in shown],
                hovertemplate=f"%{{x}}: %{{customdata}} {bar_name}<extra></extra>",
            )
        )
    line_name = "NPS, trailing 12 months" if trailing else "NPS"
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[None if m.nps is None else float(m.nps) for m in months],
            name=line_name,
            mode="lines+markers",
            line={"color": BLUE, "width": 3},
            customdata=["—" if m.nps is None else number(m.nps) for m in months],
            hovertemplate=f"%{{x}}: {line_name} %{{customdata}}<extra></extra>",
        )
    )
    for month in months:
        if month.complete is False:
            figure.add_annotation(
                x=month_label(month.month),
                y=95,
                yref="y2",
                text="unfinished",
                showarrow=False,
                font={"color": "#475569"},
            )
    # The line's axis drawn over the bars' axis: the line stays in front of every bar.
    figure.update_layout(
        yaxis={
            "title": {"text": bar_name},
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        yaxis2={
            "title": {"text": "NPS"},
            "overlaying": "y",
            "side": "left",
            "range": [-100, 100],
            "tickmode": "array",
            "tickvals": [-100, -50, 0, 50, 100],
            "gridcolor": "#e5e7eb",
        },
    )
    for trace in figure.data:
        trace.update(yaxis="y" if trace.type == "bar" else "y2")
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45)
    figure.update_layout(margin={"r": 70})
    return _json(figure)


def cohort_heat_map(cells: Sequence[CohortMonth], unfinished: Sequence[dt.date] = ()) -> str:
    """Turnover per cohort (rows) and month (columns); blank before a cohort joined; the
    unfinished month's column labelled above the grid."""
    cohorts = sorted({cell.cohort for cell in cells})
    months = sorted({cell.month for cell in cells})
    row = {cohort: index for index, cohort in enumerate(cohorts)}
    column = {month: index for index, month in enumerate(months)}
    z: list[list[float | None]] = [[None] * len(months) for _ in cohorts]
    text: list[list[str]] = [[""] * len(months) for _ in cohorts]
    for cell in cells:
        z[row[cell.cohort]][column[cell.month]] = float(cell.turnover)
        text[row[cell.cohort]][column[cell.month]] = euros(cell.turnover)
    top = max((cell.turnover for cell in cells), default=Decimal(0))
    figure = go.Figure(
        go.Heatmap(
            x=[month_label(month) for month in months],
            y=[month_label(cohort) for cohort in cohorts],
            z=z,
            customdata=text,
            colorscale="Blues",
            colorbar={"title": {"text": "EUR"}, **euro_ticks(top)},
            hoverongaps=False,
            hovertemplate="cohort %{y}, %{x}: %{customdata}<extra></extra>",
        )
    )
    for month in unfinished:
        if month in column:
            figure.add_annotation(
                x=month_label(month),
                y=1.0,
                yref="paper",
                yanchor="bottom",
                text="unfinished",
                showarrow=False,
                font={"color": "#475569"},
            )
    figure.update_xaxes(type="category", tickangle=-45, title_text="month")
    figure.update_yaxes(type="category", autorange="reversed", title_text="cohort")
    return _json(figure, height=max(360, 100 + 16 * len(cohorts)))


def figure_layout(payload: str) -> dict[str, Any]:
    """A chart's layout back from its JSON (tests)."""
    layout: dict[str, Any] = json.loads(payload)["layout"]
    return layout
