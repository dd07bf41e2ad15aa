"""French formatting of the report's figures: exact to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jump.data_platform.tools.report.formatting import (
    count,
    euros,
    month_label,
    number,
    percent_change,
)

NNBSP = "\u202f"  # narrow no-break space


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.89"), f"1{NNBSP}234{NNBSP}567,89{NNBSP}EUR"),
        (Decimal("0.00"), f"0,00{NNBSP}EUR"),
        (Decimal("0.1"), f"0,10{NNBSP}EUR"),
        (Decimal("999.99"), f"999,99{NNBSP}EUR"),
        (Decimal("1000"), f"1{NNBSP}000,00{NNBSP}EUR"),
        (Decimal("-4250.05"), f"-4{NNBSP}250,05{NNBSP}EUR"),
        # Beyond a float's exact range, a Decimal keeps every cent.
        (
            Decimal("12345678901234567.89"),
            f"12{NNBSP}345{NNBSP}678{NNBSP}901{NNBSP}234{NNBSP}567,89{NNBSP}EUR",
        ),
    ],
)
def test_euros_in_french(value: Decimal, text: str) -> None:
    assert euros(value) == text


def test_counts_and_numbers() -> None:
    assert count(12345) == f"12{NNBSP}345"
    assert count(7) == "7"
    assert number(Decimal("33.33")) == "33,33"
    assert number(Decimal("-100.00")) == "-100,00"


def test_percent_change() -> None:
    assert percent_change(Decimal("4000.00"), Decimal("3250.24")) == f"+23,1{NNBSP}%"
    assert percent_change(Decimal("50"), Decimal("100")) == f"-50,0{NNBSP}%"
    assert percent_change(Decimal("50"), Decimal("0")) == "—"


def test_month_label() -> None:
    assert month_label(dt.date(2024, 6, 1)) == "2024-06"


def test_axis_ticks_in_french_units() -> None:
    from jump.data_platform.tools.report.formatting import euro_ticks

    ticks = euro_ticks(Decimal("4200000"))
    assert ticks["ticktext"][:3] == [f"0{NNBSP}€", f"1{NNBSP}M€", f"2{NNBSP}M€"]
    assert euro_ticks(350_000)["ticktext"][-1] == f"400{NNBSP}k€"
    assert euro_ticks(2.6e9)["ticktext"][1] == f"1{NNBSP}Md€"
    assert euro_ticks(1300)["ticktext"][-1] == f"1,5{NNBSP}k€"
    assert euro_ticks(1234.5)["ticktext"][-1] == f"1,25{NNBSP}k€"
