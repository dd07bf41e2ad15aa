"""French formatting of the figures the report shows: exact, to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# French typography (and the CLDR `fr` locale) groups thousands with a narrow no-break space
# (U+202F): it never breaks a figure across lines, on screen or on paper.
THOUSANDS = "\u202f"
DECIMAL_MARK = ","
# Plotly's `layout.separators`: the decimal mark, then the thousands separator.
PLOTLY_SEPARATORS = DECIMAL_MARK + THOUSANDS


def number(value: Decimal | int | float, decimals: int = 2) -> str:
    """`1234567.891` -> `1 234 567,89` (narrow no-break spaces). A Decimal is rounded
    half-even by Python's own formatting, never through a float."""
    text = format(value, f",.{decimals}f")
    return text.replace(",", THOUSANDS).replace(".", DECIMAL_MARK)


def euros(value: Decimal | int | float) -> str:
    """`Decimal('1234567.89')` -> `1 234 567,89 EUR`."""
    return f"{number(value)}{THOUSANDS}EUR"


def count(value: int) -> str:
    """`12345` -> `12 345`."""
    return number(value, 0)


def percent_change(current: Decimal, previous: Decimal) -> str:
    """`+12,3 %`, or an em dash when there is nothing to compare with."""
    if previous == 0:
        return "—"
    change = (current - previous) / previous * 100
    return f"{'+' if change >= 0 else ''}{number(change, 1)}{THOUSANDS}%"


def month_label(month: dt.date) -> str:
    """`2024-06-01` -> `2024-06`: short, sorts as text, what the tables show."""
    return f"{month.year:04d}-{month.month:02d}"


def euro_ticks(top: Decimal | float, ticks: int = 5) -> dict[str, list[float] | list[str]]:
    """Plotly's `tickvals` and `ticktext` for an axis of euros from 0 to `top`, in French
    units: `0 €`, `500 k€`, `1,5 M€`, `2 Md€` (Plotly's own say `4M` and `350k`)."""
    top_value = float(top)
    if top_value <= 0:
        return {"tickvals": [0.0], "ticktext": [f"0{THOUSANDS}€"]}
    raw = top_value / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    values = [step * i for i in range(int(top_value // step) + 2)]
    return {"tickvals": values, "ticktext": [_euro_unit(value) for value in values]}


def _euro_unit(value: float) -> str:
    for size, unit in ((1e9, "Md€"), (1e6, "M€"), (1e3, "k€")):
        if value >= size:
            shown = Decimal(str(round(value / size, 2))).normalize()
            decimals = max(0, -shown.as_tuple().exponent)  # type: ignore[operator]
            return f"{number(shown, decimals)}{THOUSANDS}{unit}"
    return f"{number(Decimal(str(value)), 0)}{THOUSANDS}€"
