"""The figures a finance person would check on an extract, computed from its SQLite files.

Each figure is defined here once; docs/sources.md quotes them and test_extract_realism.py holds
them to documented bounds.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import holidays

from support.sqlite_rows import rows

# The planted empty month (docs/sources.md) is left out of every monthly figure.
EMPTY_MONTH = "2025-08"


def fold(name: str) -> str:
    """A name as matching compares it: no accents, lower case, single blanks."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _month(day: str) -> str:
    return day[:7]


def _months(first: str, last: str) -> list[str]:
    """Months 'YYYY-MM' from first to last inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class App:
    """The App's rows as the figures need them."""

    as_of: date
    contracts: list[tuple[int, int, str, str | None]]  # id, user, start, end
    invoices: list[tuple[int, int, str, float]]  # contract, client, issue date, amount
    user_created: list[str]

    @classmethod
    def read(cls, path: Path) -> App:
        [(as_of,)] = rows(path, "select as_of from extract_metadata")
        return cls(
            as_of=datetime.fromisoformat(as_of).date(),
            contracts=rows(path, "select id, user_id, start_date, end_date from job_contracts"),
            invoices=rows(
                path, "select job_contract_id, client_id, issue_date, amount from invoices"
            ),
            user_created=[day for (day,) in rows(path, "select created_at from users")],
        )

    @property
    def complete_months(self) -> list[str]:
        """Every month before the as-of month, from the first contract's, but the empty one."""
        first = min(start for _, _, start, _ in self.contracts)[:7]
        last_complete = _months(first, self.as_of.isoformat()[:7])[:-1]
        return [month for month in last_complete if month != EMPTY_MONTH]

    def active_contract_months(self) -> set[tuple[int, str]]:
        """(contract, month) for every complete month a contract was running at least one day."""
        months = self.complete_months
        active = set()
        for contract, _, start, end in self.contracts:
            last = (end or "9999-12-31")[:7]
            for month in months:
                if start[:7] <= month <= last:
                    active.add((contract, month))
        return active


def invoices_per_contract_month(app: App) -> float:
    active = app.active_contract_months()
    invoiced = sum(1 for contract, _, day, _ in app.invoices if (contract, _month(day)) in active)
    return invoiced / len(active)


def contract_months_without_invoice(app: App) -> float:
    active = app.active_contract_months()
    invoiced = {(contract, _month(day)) for contract, _, day, _ in app.invoices}
    return len(active - invoiced) / len(active)


def turnover_per_freelancer_month(app: App) -> float:
    """Euros invoiced per freelancer and complete month they had a running contract."""
    active = app.active_contract_months()
    user_of = {contract: user for contract, user, _, _ in app.contracts}
    freelancer_months = {(user_of[contract], month) for contract, month in active}
    total = sum(
        amount for contract, _, day, amount in app.invoices if (contract, _month(day)) in active
    )
    return total / len(freelancer_months)


def median_invoice(app: App) -> float:
    return statistics.median(amount for *_, amount in app.invoices)


def mean_to_median_invoice(app: App) -> float:
    """Above 1 for a right-skewed (log-normal) distribution of amounts."""
    return statistics.fmean(amount for *_, amount in app.invoices) / median_invoice(app)


def contracts_never_invoicing(app: App) -> float:
    """Share of contracts running through at least one whole complete month that never invoiced."""
    invoiced = {contract for contract, *_ in app.invoices}
    months = set(app.complete_months)
    eligible = []
    for contract, _, start, end in app.contracts:
        whole = [
            month
            for month in months
            if start <= f"{month}-01" and (end is None or end >= f"{month}-28")
        ]
        if whole:
            eligible.append(contract)
    return sum(1 for contract in eligible if contract not in invoiced) / len(eligible)


def weekend_invoices(app: App) -> int:
    return sum(1 for _, _, day, _ in app.invoices if date.fromisoformat(day).weekday() >= 5)


def holiday_invoices(app: App) -> int:
    years = {int(day[:4]) for _, _, day, _ in app.invoices}
    french = holidays.country_holidays("FR", years=years)
    return sum(1 for _, _, day, _ in app.invoices if date.fromisoformat(day) in french)


def month_dip(app: App, month_number: int) -> float:
    """Invoices per active contract-month in that calendar month, over the other months' rate.

    The other months are the complete months of the same years but August and December.
    """
    active = app.active_contract_months()
    per_month: dict[str, int] = Counter(
        _month(day) for contract, _, day, _ in app.invoices if (contract, _month(day)) in active
    )
    active_per_month: dict[str, int] = Counter(month for _, month in active)
    dip = [m for m in active_per_month if int(m[5:]) == month_number]
    years = {m[:4] for m in dip}
    normal = [m for m in active_per_month if m[:4] in years and int(m[5:]) not in (8, 12)]

    def rate(months: list[str]) -> float:
        return sum(per_month[m] for m in months) / sum(active_per_month[m] for m in months)

    return rate(dip) / rate(normal)


def first_month_joiners(app: App) -> float:
    """Share of all freelancers who signed up in the first month of the history."""
    first = min(app.user_created)[:7]
    return sum(1 for day in app.user_created if day.startswith(first)) / len(app.user_created)


def joiners_by_year(app: App) -> dict[str, int]:
    return dict(sorted(Counter(day[:4] for day in app.user_created).items()))


def client_shares(app: App) -> tuple[int, float, float]:
    """Clients invoiced; the top client's share of invoices; the top tenth's share of invoices."""
    counts = sorted(Counter(client for _, client, _, _ in app.invoices).values(), reverse=True)
    total = sum(counts)
    tenth = max(1, len(counts) // 10)
    return len(counts), counts[0] / total, sum(counts[:tenth]) / total


def clients(path: Path) -> int:
    [(count,)] = rows(path, "select count(*) from clients")
    return int(count)


def per_contract_month_counts(app: App) -> dict[int, int]:
    """How many active contract-months have 0, 1, 2... invoices."""
    active = app.active_contract_months()
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for contract, _, day, _ in app.invoices:
        if (contract, _month(day)) in active:
            counts[contract, _month(day)] += 1
    return dict(sorted(Counter(counts.get(key, 0) for key in active).items()))


def summary(app_path: Path) -> dict[str, Any]:
    """Every figure, for the documentation and for a look by hand."""
    app = App.read(app_path)
    count, top, top_tenth = client_shares(app)
    return {
        "invoices": len(app.invoices),
        "freelancers": len(app.user_created),
        "contracts": len(app.contracts),
        "clients": clients(app_path),
        "invoices per active contract-month": round(invoices_per_contract_month(app), 3),
        "active contract-months without invoice": round(contract_months_without_invoice(app), 3),
        "invoices per contract-month (histogram)": per_contract_month_counts(app),
        "EUR per freelancer-month": round(turnover_per_freelancer_month(app)),
        "median invoice EUR": round(median_invoice(app)),
        "mean / median invoice": round(mean_to_median_invoice(app), 3),
        "contracts never invoicing": round(contracts_never_invoicing(app), 3),
        "weekend invoices": weekend_invoices(app),
        "holiday invoices": holiday_invoices(app),
        "August rate / other months": round(month_dip(app, 8), 3),
        "December rate / other months": round(month_dip(app, 12), 3),
        "first-month joiners": round(first_month_joiners(app), 3),
        "joiners by year": joiners_by_year(app),
        "clients invoiced": count,
        "top client share": round(top, 3),
        "top tenth of clients share": round(top_tenth, 3),
    }
