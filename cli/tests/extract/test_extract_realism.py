"""The business looks real to a finance person: each figure of docs/sources.md within its bounds.

Measured on the session's extract (scale 1, seed 42, as of 2026-11-25) with the definitions of
realism.py; the CRM matching is measured against the simulation's own truth.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import realism
from extract.crm_truth import matching_inputs
from extract.matching import match, precision_recall
from support.sqlite_rows import rows


@pytest.fixture(scope="module")
def app(extracted_folder: Path) -> realism.App:
    return realism.App.read(extracted_folder / "sources" / "app.sqlite")


def test_freelancers_invoice_about_monthly(app: realism.App) -> None:
    assert 0.8 <= realism.invoices_per_contract_month(app) <= 1.5
    assert 0.10 <= realism.contract_months_without_invoice(app) <= 0.20
    assert realism.contracts_never_invoicing(app) <= 0.05


def test_amounts_are_a_few_thousand_euros_log_normal(app: realism.App) -> None:
    assert 2_000 <= realism.median_invoice(app) <= 6_000
    assert 1.05 <= realism.mean_to_median_invoice(app) <= 1.4  # skewed to the right
    assert 2_500 <= realism.turnover_per_freelancer_month(app) <= 8_000


def test_invoices_only_on_french_working_days(app: realism.App) -> None:
    assert realism.weekend_invoices(app) == 0
    assert realism.holiday_invoices(app) == 0
    issued = {day for _, _, day, _ in app.invoices}
    assert not issued & {"2024-12-25", "2025-01-01", "2025-05-01", "2025-07-14", "2024-08-15"}


def test_august_and_december_dip(app: realism.App) -> None:
    assert realism.month_dip(app, 8) <= 0.75
    assert realism.month_dip(app, 12) <= 0.95


def test_joiners_spread_over_time_with_growth(app: realism.App) -> None:
    assert realism.first_month_joiners(app) <= 0.05
    by_year = realism.joiners_by_year(app)
    assert by_year["2024"] < by_year["2025"] < by_year["2026"]


def test_many_clients_some_much_bigger(app: realism.App, extracted_folder: Path) -> None:
    assert realism.clients(extracted_folder / "sources" / "app.sqlite") >= 200
    invoiced, top, top_tenth = realism.client_shares(app)
    assert invoiced >= 150
    assert top <= 0.15  # well under a third
    assert top_tenth >= 0.4  # Zipf-like: a tenth of the clients gets nearly half the invoices


def test_crm_noise_beyond_case_accents_and_blanks(extracted_folder: Path) -> None:
    crm, app = (
        extracted_folder / "sources" / "crm.sqlite",
        extracted_folder / "sources" / "app.sqlite",
    )
    users = {
        email: (first, last)
        for email, first, last in rows(app, "select email, first_name, last_name from users")
    }
    customers = rows(crm, "select first_name, last_name, email from customers")
    fold = realism.fold
    swapped = typos = missing_name = 0
    for first, last, email in customers:
        key = (email or "").strip().lower()
        if first is None or last is None:
            missing_name += 1
        elif key in users:
            real_first, real_last = (fold(part) for part in users[key])
            if (fold(first), fold(last)) == (real_last, real_first):
                swapped += 1
            elif fold(first) != real_first or fold(last) != real_last:
                typos += 1
    no_email = sum(1 for _, _, email in customers if email is None)
    names = {(fold(first), fold(last)) for first, last in users.values()}
    personal = [
        (first, last)
        for first, last, email in customers
        if email
        and email.strip().lower() not in users
        and first
        and last
        and (fold(first), fold(last)) in names
    ]
    assert typos >= 10
    assert swapped >= 5
    assert missing_name >= 5
    assert no_email >= 5
    assert len(personal) >= 40  # personal emails, alone or beside the App's


@pytest.mark.parametrize("seed", [42, 7])
def test_matching_has_no_false_match_and_misses_nobody(seed: int) -> None:
    """As before the noise: every freelancer the CRM knows is matched, and rightly."""
    users, customers, truth = matching_inputs(seed)
    precision, recall, false, missed = precision_recall(match(users, customers), truth)
    assert (precision, false) == (1.0, 0)
    assert (recall, missed) == (1.0, 0)
