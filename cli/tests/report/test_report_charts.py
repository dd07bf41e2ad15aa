"""The report's charts are plain dictionaries (tools/report/charts.py): Plotly's own objects
check here what they no longer check at run time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from jump.data_platform.tools.report import charts
from jump.data_platform.tools.report.data import CohortMonth, MonthTurnover, NpsMonth


def _month(month: int, turnover: str, blue: str, complete: bool = True) -> MonthTurnover:
    amount = Decimal(turnover)
    return MonthTurnover(
        dt.date(2024, month, 1), amount, Decimal(blue), amount - Decimal(blue), complete
    )


MONTHS = [
    _month(1, "0", "0"),
    _month(2, "1200.50", "1000"),
    _month(3, "300", "300", complete=False),
]
OLD_NPS = [
    NpsMonth(dt.date(2024, 1, 1), None, 0),
    NpsMonth(dt.date(2024, 2, 1), Decimal("12.5"), 8),
]
TRAILING_NPS = [
    NpsMonth(dt.date(2024, 1, 1), Decimal("-5"), 3, 2, Decimal("1"), False, True),
    NpsMonth(dt.date(2024, 2, 1), Decimal("10"), 4, 1, Decimal("2"), True, True),
    NpsMonth(dt.date(2024, 3, 1), None, 0, 0, None, True, False),
]
COHORT_CELLS = [
    CohortMonth(dt.date(2024, 1, 1), dt.date(2024, 1, 1), Decimal("10")),
    CohortMonth(dt.date(2024, 1, 1), dt.date(2024, 3, 1), Decimal("0")),
    CohortMonth(dt.date(2024, 2, 1), dt.date(2024, 3, 1), Decimal("5.5")),
]

FIGURES: dict[str, Callable[[], str]] = {
    "monthly turnover": lambda: charts.monthly_turnover(MONTHS),
    "no month": lambda: charts.monthly_turnover([]),
    "turnover by entity": lambda: charts.turnover_by_entity(MONTHS),
    "NPS of an older mart": lambda: charts.nps_trend(OLD_NPS),
    "trailing NPS": lambda: charts.nps_trend(TRAILING_NPS),
    "cohorts": lambda: charts.cohort_heat_map(COHORT_CELLS, [dt.date(2024, 3, 1)]),
    "no cohort": lambda: charts.cohort_heat_map([]),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plotly_takes_every_figure_as_it_is(name: str) -> None:
    """`go.Figure` raises on a property Plotly does not know or a value it refuses; what it
    gives back is the figure itself, nothing coerced or dropped."""
    figure = json.loads(FIGURES[name]())
    checked = json.loads(go.Figure(figure).to_json())
    assert checked == figure


def test_the_figures_look_as_plotly_draws_them_by_default() -> None:
    """The template each figure carries is the one `plotly.graph_objects` applies."""
    default = json.loads(go.Figure().to_json())["layout"]["template"]
    assert json.loads(charts.monthly_turnover(MONTHS))["layout"]["template"] == default


def test_the_blues_are_plotlys() -> None:
    expected = go.Figure(go.Heatmap(z=[[1]], colorscale="Blues")).to_plotly_json()
    assert [list(step) for step in expected["data"][0]["colorscale"]] == charts.BLUES


def test_the_bundle_is_plotlys() -> None:
    assert charts.plotly_js() == get_plotlyjs()


def test_the_chart_layout_goes_over_the_pages() -> None:
    """Each chart keeps the page's look, and its own settings win: the NPS chart's right margin
    leaves room for the answers' axis."""
    nps: dict[str, Any] = json.loads(charts.nps_trend(TRAILING_NPS))["layout"]
    assert nps["margin"] == {"l": 70, "r": 70, "t": 30, "b": 50}
    assert nps["yaxis"]["gridcolor"] == nps["yaxis2"]["gridcolor"] == "#e5e7eb"
    entity: dict[str, Any] = json.loads(charts.turnover_by_entity(MONTHS))["layout"]
    assert entity["legend"] == {"orientation": "h", "y": 1.12, "x": 0, "traceorder": "normal"}


def test_no_text_can_close_the_script_it_sits_in() -> None:
    months = [MonthTurnover(dt.date(2024, 1, 1), Decimal(1), Decimal(1), Decimal(0), True)]
    payload = charts.monthly_turnover(months)
    assert "<" not in payload and ">" not in payload and "&" not in payload
    assert json.loads(payload)["data"][0]["hovertemplate"].endswith("<extra>turnover</extra>")
