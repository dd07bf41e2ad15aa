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
