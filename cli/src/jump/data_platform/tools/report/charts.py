"""The report's charts: Plotly figures as JSON, drawn by the page once Plotly (inlined once, at
the end of the page) has loaded, so that the text shows at once.

Each figure is written as the plain dictionary Plotly's JavaScript reads (`data`, `layout`),
not built with `plotly.graph_objects`: its validators cost a process 0.2 to 0.3 s for the
first report, and 0.1 s for each after it. The tests validate every figure with Plotly's
own objects instead (tests/report/test_report_charts.py)."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from jump.data_platform.tools.report.data import CohortMonth, MonthTurnover, NpsMonth
from jump.data_platform.tools.report.formatting import (
    PLOTLY_SEPARATORS,
    count,
    euro_ticks,
    euros,
    month_label,
    number,
)

Figure = dict[str, Any]

BLUE = "#2563eb"  # Jump Blue
GREEN = "#16a34a"  # Jump Green
INK = "#1f2937"
TOTAL = "#334155"
UNFINISHED = "#94a3b8"
UNOBSERVED = "#fbbf24"
# A hatched bar: the unfinished month, a month the platform did not observe.
HATCH = {"shape": "/", "fgcolor": TOTAL, "solidity": 0.3}
_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "color": INK}
_NOTE_FONT = {"color": "#475569"}
# ColorBrewer's nine blues, light to dark: what Plotly's Python names "Blues" (its JavaScript
# has another scale under that name).
BLUES = [
    [step / 8, f"rgb({red},{green},{blue})"]
    for step, (red, green, blue) in enumerate(
        (
            (247, 251, 255),
            (222, 235, 247),
            (198, 219, 239),
            (158, 202, 225),
            (107, 174, 214),
            (66, 146, 198),
            (33, 113, 181),
            (8, 81, 156),
            (8, 48, 107),
        )
    )
]


def _plotly_data() -> Path:
    """Plotly's package data (its bundle, its templates), found without importing Plotly."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("plotly is not installed")
    return Path(spec.origin).parent / "package_data"


def plotly_js() -> str:
    """Plotly's JavaScript bundle, for one inline `<script>` of the page."""
    return (_plotly_data() / "plotly.min.js").read_text("utf-8")


@functools.cache
def _template() -> dict[str, Any]:
    """Plotly's default look (its `plotly` template), as `plotly.graph_objects` applies it."""
    template: dict[str, Any] = json.loads(
        (_plotly_data() / "templates" / "plotly.json").read_text("utf-8")
    )
    return template


def _merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `override` on top, nested dictionaries merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _json(
    traces: Iterable[Figure],
    layout: Mapping[str, Any],
    annotations: Sequence[Figure] = (),
    height: int = 360,
) -> str:
    """The figure as JSON safe inside `<script type="application/json">` (no `<` left): the
    page's common look, then the chart's own `layout` on top of it."""
    common: dict[str, Any] = {
        "template": _template(),
        "separators": PLOTLY_SEPARATORS,
        "font": _FONT,
        "margin": {"l": 70, "r": 20, "t": 30, "b": 50},
        "height": height,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": 1.12, "x": 0},
        "hoverlabel": {"font": {"family": _FONT["family"]}},
    }
    grid = {"gridcolor": "#e5e7eb", "zerolinecolor": "#9ca3af"}
    merged = _merged(common, layout)
    for axis in sorted({"yaxis", *(key for key in merged if key.startswith("yaxis"))}):
        merged[axis] = {**merged.get(axis, {}), **grid}
    if annotations:
        merged["annotations"] = list(annotations)
    text = json.dumps({"data": list(traces), "layout": merged}, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _amounts(values: Sequence[Decimal]) -> list[float]:
    return [float(value) for value in values]


def _category_axis(labels: list[str]) -> dict[str, Any]:
    """An x axis of months in the order given."""
    return {"type": "category", "categoryorder": "array", "categoryarray": labels, "tickangle": -45}


def _euro_axis(top: Decimal) -> dict[str, Any]:
    return {"title": {"text": "EUR"}, "rangemode": "tozero", **euro_ticks(top)}


def _unfinished_note(month: MonthTurnover, y: float) -> Figure:
    return {
        "x": month_label(month.month),
        "y": y,
        "text": "unfinished",
        "showarrow": True,
        "arrowhead": 0,
        "ay": -30,
        "font": _NOTE_FONT,
    }


def monthly_turnover(months: Sequence[MonthTurnover]) -> str:
    """Bars per month; the unfinished month hatched and grey (its own legend entry), so that it
    is not read as a drop."""
    labels = [month_label(m.month) for m in months]
    traces: list[Figure] = []
    for name, complete, marker in (
        ("turnover", True, {"color": TOTAL}),
        ("unfinished month, so far", False, {"color": UNFINISHED, "pattern": HATCH}),
    ):
        shown = [m for m in months if m.complete is complete]
        if shown:
            traces.append(
                {
                    "type": "bar",
                    "x": [month_label(m.month) for m in shown],
                    "y": _amounts([m.turnover for m in shown]),
                    "name": name,
                    "marker": marker,
                    "customdata": [euros(m.turnover) for m in shown],
                    "hovertemplate": f"%{{x}}: %{{customdata}}<extra>{name}</extra>",
                }
            )
    annotations: list[Figure] = []
    for month in months:
        if month.turnover == 0:  # a bar of height 0 is invisible: say it
            annotations.append(
                {
                    "x": month_label(month.month),
                    "y": 0,
                    "text": "0",
                    "showarrow": False,
                    "yshift": 8,
                }
            )
        if not month.complete:
            annotations.append(_unfinished_note(month, float(month.turnover)))
    top = max((m.turnover for m in months), default=Decimal(0))
    layout: dict[str, Any] = {
        "barmode": "overlay",
        "xaxis": _category_axis(labels),
        "yaxis": _euro_axis(top),
    }
    return _json(traces, layout, annotations)


def turnover_by_entity(months: Sequence[MonthTurnover]) -> str:
    """Blue and green stacked per month; the unfinished month hatched and labelled."""
    labels = [month_label(m.month) for m in months]
    traces: list[Figure] = []
    for name, color, attribute in (("blue", BLUE, "blue"), ("green", GREEN, "green")):
        values = [getattr(m, attribute) for m in months]
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": _amounts(values),
                "name": f"Jump {name.capitalize()}",
                "marker": {
                    "color": color,
                    "pattern": {
                        "shape": ["" if m.complete else "/" for m in months],
                        "fgcolor": "white",
                        "solidity": 0.4,
                    },
                },
                "customdata": [euros(value) for value in values],
                "hovertemplate": f"%{{x}} {name}: %{{customdata}}<extra></extra>",
            }
        )
    annotations = [
        _unfinished_note(month, float(month.blue + month.green))
        for month in months
        if not month.complete
    ]
    top = max((m.blue + m.green for m in months), default=Decimal(0))
    layout: dict[str, Any] = {
        "barmode": "stack",
        "legend": {"traceorder": "normal"},
        "xaxis": _category_axis(labels),
        "yaxis": _euro_axis(top),
    }
    return _json(traces, layout, annotations)


def nps_trend(months: Sequence[NpsMonth]) -> str:
    """The NPS line on top of the bars of answers: with the trailing-twelve-month mart, the
    line is the NPS over the twelve months ending with each month and the bars the answers
    received in the month, the months the platform did not observe hatched; with an older
    mart, its NPS and respondents as they are."""
    labels = [month_label(m.month) for m in months]
    trailing = any(m.answers_in_month is not None for m in months)
    bar_name = "answers in the month" if trailing else "respondents"
    bars = [(m.answers_in_month or 0) if trailing else m.respondents for m in months]
    traces: list[Figure] = []
    for name, wanted, marker in (
        (bar_name, True, {"color": "#cbd5e1"}),
        (f"{bar_name}, month not observed", False, {"color": UNOBSERVED, "pattern": HATCH}),
    ):
        shown = [i for i, m in enumerate(months) if (m.observed is not False) is wanted]
        if shown:
            traces.append(
                {
                    "type": "bar",
                    "x": [labels[i] for i in shown],
                    "y": [bars[i] for i in shown],
                    "name": name,
                    "marker": marker,
                    "yaxis": "y",
                    "customdata": [count(bars[i]) for i in shown],
                    "hovertemplate": f"%{{x}}: %{{customdata}} {bar_name}<extra></extra>",
                }
            )
    line_name = "NPS, trailing 12 months" if trailing else "NPS"
    traces.append(
        {
            "type": "scatter",
            "x": labels,
            "y": [None if m.nps is None else float(m.nps) for m in months],
            "name": line_name,
            "mode": "lines+markers",
            "line": {"color": BLUE, "width": 3},
            # The line's axis is drawn over the bars' axis: it stays in front of every bar.
            "yaxis": "y2",
            "customdata": ["—" if m.nps is None else number(m.nps) for m in months],
            "hovertemplate": f"%{{x}}: {line_name} %{{customdata}}<extra></extra>",
        }
    )
    annotations = [
        {
            "x": month_label(month.month),
            "y": 95,
            "yref": "y2",
            "text": "unfinished",
            "showarrow": False,
            "font": _NOTE_FONT,
        }
        for month in months
        if month.complete is False
    ]
    layout: dict[str, Any] = {
        "xaxis": _category_axis(labels),
        "yaxis": {
            "title": {"text": bar_name},
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        "yaxis2": {
            "title": {"text": "NPS"},
            "overlaying": "y",
            "side": "left",
            "range": [-100, 100],
            "tickmode": "array",
            "tickvals": [-100, -50, 0, 50, 100],
            "gridcolor": "#e5e7eb",
        },
        "margin": {"r": 70},  # room for the bars' axis on the right
    }
    return _json(traces, layout, annotations)


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
    heat_map: Figure = {
        "type": "heatmap",
        "x": [month_label(month) for month in months],
        "y": [month_label(cohort) for cohort in cohorts],
        "z": z,
        "customdata": text,
        "colorscale": BLUES,
        "colorbar": {"title": {"text": "EUR"}, **euro_ticks(top)},
        "hoverongaps": False,
        "hovertemplate": "cohort %{y}, %{x}: %{customdata}<extra></extra>",
    }
    annotations = [
        {
            "x": month_label(month),
            "y": 1.0,
            "yref": "paper",
            "yanchor": "bottom",
            "text": "unfinished",
            "showarrow": False,
            "font": _NOTE_FONT,
        }
        for month in unfinished
        if month in column
    ]
    layout: dict[str, Any] = {
        "xaxis": {"type": "category", "tickangle": -45, "title": {"text": "month"}},
        "yaxis": {"type": "category", "autorange": "reversed", "title": {"text": "cohort"}},
    }
    return _json([heat_map], layout, annotations, height=max(360, 100 + 16 * len(cohorts)))
