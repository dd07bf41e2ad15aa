"""The business rules of docs/domain.md hold on generated data."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import holidays
import pytest

from jump.data_platform.sources.as_of import parse_as_of
from jump.data_platform.sources.extract import Simulation
from jump.data_platform.sources.timeline import FIRST_DAY, french_holidays
from support.constants import AS_OF
from support.sqlite_rows import rows

APP_TABLES = ("users", "job_contracts", "clients", "invoices")


@pytest.fixture(scope="module")
def app(extracted_folder: Path) -> Path:
    return extracted_folder / "sources" / "app.sqlite"


@pytest.fixture(scope="module")
def crm(extracted_folder: Path) -> Path:
    return extracted_folder / "sources" / "crm.sqlite"


def test_tables_and_audit_columns(app: Path, crm: Path) -> None:
    expected = {
        app: {"users", "job_contracts", "clients", "invoices", "extract_metadata"},
        crm: {"customers", "extract_metadata"},
    }
    for path, tables in expected.items():
        found = {
            name for (name,) in rows(path, "SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert found == tables
        for name in tables - {"extract_metadata"}:
            names = {row[1] for row in rows(path, f"PRAGMA table_info({name})")}
            assert {"id", "created_at", "updated_at"} <= names


def test_volume_at_scale_one_grows_over_the_years() -> None:
    """docs/sources.md's volumes: the company grows from nothing on its first day."""
    counts = {}
    for as_of in ["2024-12-31", "2025-12-31", "2026-12-31"]:
        tables = Simulation(42, 1, parse_as_of(as_of)).tables("app")
        counts[as_of[:4]] = {name: table.num_rows for name, table in tables.items()}
    assert 250 <= counts["2024"]["users"] <= 400
    assert 1_100 <= counts["2026"]["users"] <= 1_400
    assert 1_000 <= counts["2024"]["invoices"] <= 2_500
    assert 13_000 <= counts["2026"]["invoices"] <= 18_000
    assert 250 <= counts["2026"]["clients"] <= 450
    for earlier, later in [("2024", "2025"), ("2025", "2026")]:
        assert all(counts[earlier][name] < counts[later][name] for name in APP_TABLES)


def test_nothing_is_dated_outside_the_window(app: Path, crm: Path) -> None:
    checks = [
        (app, "users", ["created_at", "updated_at"]),
        (app, "job_contracts", ["start_date", "end_date", "created_at", "updated_at"]),
        (app, "clients", ["created_at", "updated_at"]),
        (app, "invoices", ["issue_date", "created_at", "updated_at"]),
        (crm, "customers", ["created_at", "updated_at"]),
    ]
    for path, name, fields in checks:
        for field in fields:
            [(low, high)] = rows(path, f"SELECT min({field}), max({field}) FROM {name}")
            assert low >= FIRST_DAY.isoformat(), (name, field)
            assert high <= AS_OF.strftime("%Y-%m-%d %H:%M:%S"), (name, field)


def test_freelancers_are_unique_french_people_with_derived_emails(app: Path) -> None:
    users = rows(app, "SELECT first_name, last_name, email FROM users")
    assert len(set(users)) == len(users)
    assert len({email for _, _, email in users}) == len(users)
    assert any(any(char in "éèçëïô" for char in first + last) for first, last, _ in users)
    for first, last, email in users:

        def bare(text: str) -> str:
            decomposed = unicodedata.normalize("NFKD", text)
            plain = "".join(c for c in decomposed if not unicodedata.combining(c))
            return plain.lower().replace(" ", "-").replace("'", "")

        assert re.fullmatch(rf"{re.escape(bare(first))}\.{re.escape(bare(last))}\d*@[a-z.]+", email)


def test_every_freelancer_has_successive_non_overlapping_contracts(app: Path) -> None:
    [(without,)] = rows(
        app,
        "SELECT count(*) FROM users u WHERE NOT EXISTS "
        "(SELECT 1 FROM job_contracts c WHERE c.user_id = u.id)",
    )
    assert without == 0
    [(overlaps,)] = rows(
        app,
        """SELECT count(*) FROM job_contracts a JOIN job_contracts b
           ON a.user_id = b.user_id AND a.id < b.id
           AND a.start_date <= coalesce(b.end_date, '9999-12-31')
           AND b.start_date <= coalesce(a.end_date, '9999-12-31')""",
    )
    assert overlaps == 0
    assert rows(app, "SELECT count(*) FROM job_contracts WHERE end_date < start_date") == [(0,)]
    running = rows(
        app, "SELECT user_id, count(*) FROM job_contracts WHERE end_date IS NULL GROUP BY 1"
    )
    assert all(count == 1 for _, count in running)  # at most one running contract each
    per_user = Counter(user for (user,) in rows(app, "SELECT user_id FROM job_contracts"))
    assert max(per_user.values()) >= 2  # some freelancers have several contracts
    entities = dict(rows(app, "SELECT entity, count(*) FROM job_contracts GROUP BY 1"))
    assert set(entities) == {"blue", "green"}


def test_invoices_lie_within_their_contract_and_point_to_existing_rows(app: Path) -> None:
    [(outside,)] = rows(
        app,
        """SELECT count(*) FROM invoices i JOIN job_contracts c ON c.id = i.job_contract_id
           WHERE i.issue_date < c.start_date OR i.issue_date > coalesce(c.end_date, '9999-12-31')""",
    )
    assert outside == 0
    [(orphans,)] = rows(
        app,
        """SELECT count(*) FROM invoices i
           LEFT JOIN job_contracts c ON c.id = i.job_contract_id
           LEFT JOIN clients k ON k.id = i.client_id
           WHERE c.id IS NULL OR k.id IS NULL""",
    )
    assert orphans == 0


def test_amounts_are_positive_euros_with_cents(app: Path) -> None:
    amounts = [amount for (amount,) in rows(app, "SELECT amount FROM invoices")]
    assert min(amounts) > 0
    assert all(round(amount, 2) == amount for amount in amounts)
    assert any(round(amount) != amount for amount in amounts)


def test_some_clients_weigh_much_more_than_others(app: Path) -> None:
    totals = sorted(
        total for _, total in rows(app, "SELECT client_id, sum(amount) FROM invoices GROUP BY 1")
    )
    assert totals[-1] > 5 * totals[len(totals) // 2]


def test_two_clients_share_a_name(app: Path) -> None:
    assert rows(
        app, "SELECT count(*) FROM (SELECT name FROM clients GROUP BY name HAVING count(*) > 1)"
    ) == [(1,)]


def test_references_are_consecutive_in_issue_order_but_for_the_planted_gap(app: Path) -> None:
    references = rows(app, "SELECT reference, issue_date FROM invoices ORDER BY id")
    assert all(re.fullmatch(r"JMP\d{8}", reference) for reference, _ in references)
    numbers = [int(reference[3:]) for reference, _ in references]
    assert numbers == sorted(numbers)
    dates = [issued for _, issued in references]
    assert dates == sorted(dates)
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    assert numbers[0] == 1
    assert len(missing) == 1
    assert [reference for (reference,) in rows(app, "SELECT reference FROM invoices")].count(
        f"JMP{missing[0]:08d}"
    ) == 0


def test_a_month_inside_the_window_has_no_invoice(app: Path) -> None:
    months = {
        month for (month,) in rows(app, "SELECT DISTINCT substr(issue_date, 1, 7) FROM invoices")
    }
    first, last = min(months), max(months)
    all_months = []
    year, month = int(first[:4]), int(first[5:])
    while f"{year}-{month:02d}" <= last:
        all_months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    assert [month for month in all_months if month not in months] == ["2025-08"]


def test_crm_knows_the_freelancers_with_human_noise(app: Path, crm: Path) -> None:
    users = rows(app, "SELECT email, first_name, last_name FROM users")
    customers = rows(crm, "SELECT email, first_name, last_name, satisfaction_score FROM customers")
    app_emails = {email for email, _, _ in users}

    def clean(text: str | None) -> str:
        return " ".join((text or "").split()).lower()

    crm_emails = Counter(clean(email) for email, _, _, _ in customers)
    matched_by_email = {email for email in app_emails if email in crm_emails}
    # Most freelancers match after cleaning (the original matched 2 in 1,000).
    assert len(matched_by_email) >= 0.9 * len(users)
    # ...but not before cleaning: case and blanks were typed differently on some rows.
    raw = sum(1 for email, _, _, _ in customers if email in app_emails)
    assert raw < len(matched_by_email)
    assert any(last and last.isupper() for _, _, last, _ in customers)
    assert any(first != first.strip() for _, first, _, _ in customers if first is not None)
    # Duplicates and prospects.
    assert any(count > 1 for email, count in crm_emails.items() if email in app_emails)
    prospects = [email for email in crm_emails if email and email not in app_emails]
    assert len(prospects) >= 0.03 * len(users)
    # About half answered the survey, with scores from 0 to 10.
    scores = [score for _, _, _, score in customers if score is not None]
    assert 0.35 <= len(scores) / len(customers) <= 0.65
    assert set(scores) <= set(range(11))
    assert {0, 10} <= set(scores)


def test_no_row_is_created_before_the_rows_it_points_to(app: Path) -> None:
    """So that an extract at any hour never points to a row not yet created."""
    checks = [
        "SELECT count(*) FROM job_contracts c JOIN users u ON u.id = c.user_id"
        " WHERE c.created_at < u.created_at",
        "SELECT count(*) FROM invoices i JOIN job_contracts c ON c.id = i.job_contract_id"
        " WHERE i.created_at < c.created_at",
        "SELECT count(*) FROM invoices i JOIN clients k ON k.id = i.client_id"
        " WHERE i.created_at < k.created_at",
    ]
    for sql in checks:
        assert rows(app, sql) == [(0,)], sql


def test_the_calendar_knows_french_public_holidays() -> None:
    years = range(2024, 2040)
    expected = holidays.country_holidays("FR", years=years)
    assert sorted(day for year in years for day in french_holidays(year)) == sorted(expected)
