"""One history from a fixed first day: a later as-of keeps every row, whatever the years between."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from jump.data_platform.sources.as_of import parse_as_of
from jump.data_platform.sources.extract import Simulation
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE, FIRST_DAY, Timeline

# The only fields that may change on an existing row when the as-of moves on (docs/sources.md).
MUTABLE = {
    "users": {"updated_at"},
    "job_contracts": {"end_date", "updated_at"},
    "clients": {"updated_at"},
    "invoices": {"amount", "updated_at"},  # the planted late correction only (tested below)
    "customers": {"satisfaction_score", "updated_at"},
}
TABLES = {"app": ["users", "job_contracts", "clients", "invoices"], "crm": ["customers"]}


def simulate(as_of: str | datetime, seed: int = 42) -> dict[str, pa.Table]:
    """Every table of both applications at `as_of` (scale 1), without writing files."""
    moment = parse_as_of(as_of) if isinstance(as_of, str) else as_of
    simulation = Simulation(seed, 1, moment)
    return {name: table for source in TABLES for name, table in simulation.tables(source).items()}


def by_id(table: pa.Table) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in table.to_pylist()}


def changes(before: dict[str, pa.Table], after: dict[str, pa.Table]) -> dict[str, set[str]]:
    """Check that every earlier row is still there, changed only in mutable fields, and only
    forward (an end date once set stays; updated_at never goes back); return what changed."""
    changed: dict[str, set[str]] = {}
    for name in MUTABLE:
        old, new = by_id(before[name]), by_id(after[name])
        assert set(old) <= set(new), f"{name}: {len(set(old) - set(new))} rows disappeared"
        for row_id, was in old.items():
            now = new[row_id]
            fields = {field for field in was if was[field] != now[field]}
            assert fields <= MUTABLE[name], f"{name} {row_id}: {fields} changed"
            assert now["updated_at"] >= was["updated_at"]
            if name == "job_contracts" and was["end_date"] is not None:
                assert now["end_date"] == was["end_date"]
            if fields:
                changed.setdefault(name, set()).update(fields)
    return changed


def test_same_seed_as_of_and_scale_give_the_same_rows() -> None:
    assert simulate("2026-05-17") == simulate("2026-05-17")


def test_another_seed_gives_other_rows() -> None:
    assert simulate("2026-05-17", seed=1)["users"] != simulate("2026-05-17", seed=2)["users"]


def test_a_new_year_keeps_the_whole_history() -> None:
    """Issue 12: with seed 7, 2026-12-31 then 2027-01-01 lost 3,715 of 8,842 invoices and
    renamed JMP00000001 (the window slid by a year)."""
    before, after = simulate("2026-12-31", seed=7), simulate("2027-01-01", seed=7)
    changes(before, after)
    first = by_id(before["invoices"])[1]
    assert by_id(after["invoices"])[1] == first
    assert first["reference"] == "JMP00000001"
    assert first["issue_date"] >= FIRST_DAY.isoformat()
    assert after["invoices"].num_rows >= before["invoices"].num_rows


def test_ten_random_as_of_pairs_over_six_years() -> None:
    draw = random.Random(12)
    start = datetime(2024, 1, 1, tzinfo=COMPANY_TIME_ZONE)
    changed: dict[str, set[str]] = {}
    for _ in range(10):
        a, b = sorted(start + timedelta(hours=draw.randrange(6 * 365 * 24)) for _ in range(2))
        for name, fields in changes(simulate(a), simulate(b)).items():
            changed.setdefault(name, set()).update(fields)
    # Time did pass: contracts ended and survey answers arrived or changed.
    assert changed["job_contracts"] == {"end_date", "updated_at"}
    assert changed["customers"] == {"satisfaction_score", "updated_at"}


def test_the_app_rows_changed_since_an_instant_are_what_differs_from_its_cut() -> None:
    """What an extract writes into a file it made (sources/extract.py: _changed_since): the
    rows created or updated since the file's instant are exactly the rows of the later cut
    that differ from the earlier one, hours to a year apart; no row is ever removed."""
    draw = random.Random(24)
    start = datetime(2024, 1, 1, tzinfo=COMPANY_TIME_ZONE)
    for hours in [1, 7, 30, 24 * 40, 24 * 400]:
        earlier = start + timedelta(hours=draw.randrange(2 * 365 * 24))
        later = earlier + timedelta(hours=hours)
        before = Simulation(42, 1, earlier).tables("app")
        simulation = Simulation(42, 1, later)
        since = Timeline(earlier).cutoff_second
        changed, whole = simulation.tables("app", since_second=since), simulation.tables("app")
        for name in TABLES["app"]:
            old, new = by_id(before[name]), by_id(whole[name])
            assert set(old) <= set(new)
            expected = {key: row for key, row in new.items() if old.get(key) != row}
            assert by_id(changed[name]) == expected, (name, earlier, later)
            assert changed[name].schema == whole[name].schema
        assert sum(changed[name].num_rows for name in TABLES["app"]) > 0


def test_a_later_survey_answer_replaces_an_earlier_score() -> None:
    before, after = (
        by_id(simulate("2025-06-30")["customers"]),
        by_id(simulate("2026-11-25")["customers"]),
    )
    changed = [
        row_id
        for row_id, row in before.items()
        if row["satisfaction_score"] is not None
        and after[row_id]["satisfaction_score"] != row["satisfaction_score"]
    ]
    assert len(changed) >= 20


def test_the_hourly_view_sees_rows_created_before_the_instant() -> None:
    day = "2026-06-30"
    invoices = simulate(day)["invoices"].to_pylist()
    afternoon = [
        row for row in invoices if f"{day} 14:00:01" <= row["created_at"] <= f"{day} 15:00:00"
    ]
    assert afternoon, "no invoice created between 14:00 and 15:00 that day"
    at_two = {row["id"] for row in simulate(f"{day}T14:00")["invoices"].to_pylist()}
    at_three = {row["id"] for row in simulate(f"{day}T15:00")["invoices"].to_pylist()}
    for row in afternoon:
        assert row["id"] not in at_two
        assert row["id"] in at_three
    assert max(at_two) < min(row["id"] for row in afternoon)  # ids follow creation order


@pytest.mark.parametrize("as_of", ["2024-01-02T12:30", "2024-03-04T13:15", "2026-06-30T09:30"])
def test_an_hourly_extract_never_points_to_a_row_not_yet_created(as_of: str) -> None:
    tables = {name: table.to_pylist() for name, table in simulate(as_of).items()}
    users = {row["id"] for row in tables["users"]}
    contracts = {row["id"] for row in tables["job_contracts"]}
    clients = {row["id"] for row in tables["clients"]}
    assert {row["user_id"] for row in tables["job_contracts"]} <= users
    assert {row["job_contract_id"] for row in tables["invoices"]} <= contracts
    assert {row["client_id"] for row in tables["invoices"]} <= clients


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-30", "2026-06-30T23:59:59+02:00"),
        ("2026-12-31", "2026-12-31T23:59:59+01:00"),
        ("2026-06-30T14:00", "2026-06-30T14:00:00+02:00"),
        ("2026-06-30 14:00:30", "2026-06-30T14:00:30+02:00"),
        ("2026-06-30T12:00:00+00:00", "2026-06-30T14:00:00+02:00"),
    ],
)
def test_parse_as_of(text: str, expected: str) -> None:
    assert parse_as_of(text).isoformat() == expected


@pytest.mark.parametrize("text", ["2026-02-30", "tomorrow", "2026-06-30T25:00", ""])
def test_parse_as_of_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date or a time of the form YYYY-MM-DD"):
        parse_as_of(text)


def test_nothing_exists_before_the_first_day() -> None:
    tables = simulate("2023-12-31")
    assert all(tables[name].num_rows == 0 for name in MUTABLE)


def test_planted_anomalies_stay_at_their_place_in_history() -> None:
    for as_of in ["2025-09-30", "2029-03-15"]:
        tables = simulate(as_of)
        invoices = tables["invoices"].to_pylist()
        numbers = {int(row["reference"][3:]) for row in invoices}
        missing = sorted(set(range(1, max(numbers))) - numbers)
        assert len(missing) == 1
        after_gap = min((row for row in invoices if row["id"] > missing[0]), key=lambda r: r["id"])
        assert after_gap["issue_date"].startswith("2024-03")  # the first of 2024-03 is missing
        months = {row["issue_date"][:7] for row in invoices}
        assert "2025-08" not in months
        assert {"2025-07", "2025-09"} <= months
        names = tables["clients"].column("name").to_pylist()
        assert names[0] == names[1]
        assert len(set(names)) == len(names) - 1


def test_the_planted_late_correction_moves_one_invoice_once_its_instant_passed() -> None:
    """The first invoice of 2026-05 loses a quarter of its amount on 2026-07-16 at 10:30, its
    updated_at moving there; no other invoice changes (docs/sources.md)."""
    before, after = simulate("2026-07-16T10:29:59"), simulate("2026-07-16T10:30:00")
    old, new = by_id(before["invoices"]), by_id(after["invoices"])
    moved = [row_id for row_id, row in old.items() if new[row_id] != row]
    assert len(moved) == 1
    was, now = old[moved[0]], new[moved[0]]
    first_of_may = min(row_id for row_id, row in old.items() if row["issue_date"] >= "2026-05")
    assert moved[0] == first_of_may and was["issue_date"].startswith("2026-05")
    assert round(was["amount"] - now["amount"], 2) == round(
        round(was["amount"] * 100) // 4 / 100, 2
    )
    assert now["updated_at"] == "2026-07-16 10:30:00"
    assert by_id(simulate("2029-03-15")["invoices"])[moved[0]] == now
