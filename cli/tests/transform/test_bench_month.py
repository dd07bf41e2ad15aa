"""The month of scheduled refreshes (benchmarks/month_bench.py): its fire times, how it tells
an App refresh that changed a user (the hours of sign-ups) from one that did not, and the files' sizes
it prints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from benchmarks.history_bench import sizes
from benchmarks.month_bench import by_users, refreshes, summary

from jump.data_platform.pipeline import RefreshOutcome
from jump.data_platform.settings import Settings
from jump.data_platform.storage.spare import spare_of

PUBLISHED = RefreshOutcome(sources=("app",), status="succeeded", steps=(), seconds=2.0)
NOTHING_NEW = RefreshOutcome(
    sources=("app",), status="succeeded", steps=(), seconds=0.3, up_to_date=True
)


def readers_file(folder: Path, loads: list[tuple[int, str, int, int, int]]) -> Settings:
    """A readers' lakehouse whose `platform.loads` holds `loads` (id, table, inserted, updated,
    deleted)."""
    settings = Settings(data_folder=folder)
    settings.lakehouse_file.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.lakehouse_file)) as connection:
        connection.execute("create schema platform")
        connection.execute(
            "create table platform.loads (load_id bigint, table_name varchar,"
            " rows_inserted bigint, rows_updated bigint, rows_deleted bigint, rows_total bigint)"
        )
        connection.executemany("insert into platform.loads values (?, ?, ?, ?, ?, 100)", loads)
    return settings


@pytest.mark.parametrize(
    ("last_load", "expected"),
    [
        ([(2, "app__users", 6, 0, 0), (2, "app__invoices", 0, 0, 0)], "app, a user changed"),
        ([(2, "app__users", 0, 1, 0)], "app, a user changed"),
        ([(2, "app__users", 0, 0, 0), (2, "app__invoices", 900, 0, 0)], "app, no user changed"),
    ],
)
def test_an_app_refresh_is_told_by_whether_its_last_load_changed_a_user(
    tmp_path: Path, last_load: list[tuple[int, str, int, int, int]], expected: str
) -> None:
    # The first load changed users: only the last one counts.
    settings = readers_file(tmp_path, [(1, "app__users", 100, 0, 0), *last_load])
    assert by_users("app", PUBLISHED, settings) == expected


def test_a_refresh_that_published_nothing_or_of_the_crm_is_not_told_apart(
    tmp_path: Path,
) -> None:
    settings = readers_file(tmp_path, [(1, "app__users", 100, 0, 0)])
    assert by_users("app", NOTHING_NEW, settings) is None
    assert by_users("crm", PUBLISHED, settings) is None


def test_the_scheduler_fires_the_app_every_hour_and_the_crm_every_morning() -> None:
    fires = refreshes(2)
    assert len(fires) == 2 * 24 + 2
    assert [instant for instant, source in fires if source == "crm"] == [
        datetime(2026, 10, 1, 6),
        datetime(2026, 10, 2, 6),
    ]
    assert fires[:2] == [(datetime(2026, 10, 1, 0, 5), "app"), (datetime(2026, 10, 1, 1, 5), "app")]


def test_the_summary_gives_count_median_slowest_tenth_and_max() -> None:
    seconds = {"app": [float(second) for second in range(1, 11)]}
    assert summary(seconds) == {"app": {"count": 10, "median": 5.5, "p90": 10.0, "max": 10.0}}


def test_the_sizes_count_the_spare_once_there_is_one(tmp_path: Path) -> None:
    settings = readers_file(tmp_path, [(1, "app__users", 100, 0, 0)])
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "app.sqlite").write_bytes(b"\0" * 2**20)
    settings.writer_folder.mkdir(parents=True)
    settings.writer_lakehouse_file.write_bytes(b"\0" * 2**21)
    assert sizes(tmp_path)["spare_lakehouse_mib"] == 0
    spare_of(settings.lakehouse_file).write_bytes(b"\0" * 3 * 2**20)
    measured = sizes(tmp_path)
    assert measured["spare_lakehouse_mib"] == 3
    assert measured["writer_lakehouse_per_sources"] == 2
