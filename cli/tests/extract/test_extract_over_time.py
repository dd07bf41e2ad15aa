"""Determinism and consistency over time of the simulation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.extract import extract_sources
from support.sqlite_rows import columns, table

# The only fields that may change on an existing row when the as-of moves on (docs/sources.md).
MUTABLE = {
    "users": {"updated_at"},
    "job_contracts": {"end_date", "updated_at"},
    "clients": {"updated_at"},
    "invoices": {"updated_at"},
    "customers": {"satisfaction_score", "updated_at"},
}
TABLES = {"app": ["users", "job_contracts", "clients", "invoices"], "crm": ["customers"]}


def extract(folder: Path, as_of: date, seed: int = 42, scale: int = 1) -> Path:
    extract_sources(Settings(data_folder=folder, random_seed=seed), ["app", "crm"], as_of, scale)
    return folder / "sources"


def test_same_seed_as_of_and_scale_give_the_same_rows(tmp_path: Path) -> None:
    first = extract(tmp_path / "a", date(2026, 5, 17))
    second = extract(tmp_path / "b", date(2026, 5, 17))
    for source, names in TABLES.items():
        for name in names:
            assert table(first / f"{source}.sqlite", name) == table(
                second / f"{source}.sqlite", name
            )


def test_another_seed_gives_other_rows(tmp_path: Path) -> None:
    first = extract(tmp_path / "a", date(2026, 5, 17), seed=1)
    second = extract(tmp_path / "b", date(2026, 5, 17), seed=2)
    assert table(first / "app.sqlite", "users") != table(second / "app.sqlite", "users")


@pytest.mark.parametrize(("earlier", "later"), [(date(2026, 3, 3), date(2026, 11, 25))])
def test_a_later_as_of_keeps_earlier_rows_and_adds_new_ones(
    tmp_path: Path, earlier: date, later: date
) -> None:
    before = extract(tmp_path / "before", earlier)
    after = extract(tmp_path / "after", later)
    changed_fields: dict[str, set[str]] = {}
    for source, names in TABLES.items():
        for name in names:
            path = before / f"{source}.sqlite"
            old, new = table(path, name), table(after / f"{source}.sqlite", name)
            assert set(old) <= set(new), f"{name}: rows disappeared"
            assert len(new) > len(old) or name == "clients", f"{name}: nothing new"
            fields = columns(path, name)
            for row_id, old_row in old.items():
                for field, was, now in zip(fields, old_row, new[row_id], strict=True):
                    if was != now:
                        assert field in MUTABLE[name], f"{name}.{field} changed on id {row_id}"
                        changed_fields.setdefault(name, set()).add(field)
    # Time did pass: contracts ended and scores arrived.
    assert changed_fields["job_contracts"] == {"end_date", "updated_at"}
    assert changed_fields["customers"] == {"satisfaction_score", "updated_at"}
