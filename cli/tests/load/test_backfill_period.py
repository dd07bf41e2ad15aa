"""What `backfill --from A --to B` replays: the same days as `extract --as-of` means them."""

from __future__ import annotations

from datetime import date

from jump.data_platform.backfill import instants, period, step_label
from jump.data_platform.sources.as_of import parse_as_of


def test_a_daily_backfill_ends_where_extract_as_of_the_last_day_ends() -> None:
    steps = list(instants(*period(date(2026, 9, 29), date(2026, 9, 30), "day"), "day"))
    assert steps == [parse_as_of("2026-09-29"), parse_as_of("2026-09-30")]
    assert steps[-1].isoformat() == "2026-09-30T23:59:59+02:00"  # not October's first instant
    assert [step_label(step, "day") for step in steps] == ["2026-09-29", "2026-09-30"]


def test_an_hourly_backfill_replays_each_hour_of_the_days_to_the_same_last_second() -> None:
    steps = list(instants(*period(date(2026, 9, 30), date(2026, 9, 30), "hour"), "hour"))
    assert len(steps) == 24
    assert steps[0] == parse_as_of("2026-09-30T00:59:59")
    assert steps[-1] == parse_as_of("2026-09-30")
    assert step_label(steps[0], "hour") == "2026-09-30 00:00-00:59"
