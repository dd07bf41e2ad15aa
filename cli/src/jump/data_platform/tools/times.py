"""The one time notation people read: the company's time zone, with its name."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jump.data_platform.schedule.jobs import DEFAULT_TIME_ZONE

COMPANY_TIME_ZONE = ZoneInfo(DEFAULT_TIME_ZONE)


def company_time(value: dt.datetime | str | None) -> str:
    """`2026-12-04 07:01 CET` (CEST in summer). A naive value is UTC, as `load` and the
    transform record write them; a text is ISO 8601 (an extract's as-of, with its offset; a date is kept as is)."""
    if value is None:
        return "never"
    if isinstance(value, str):
        if len(value) <= len("2024-06-30"):  # a date: no instant to convert
            return value
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return company_time(instant)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return f"{value.astimezone(COMPANY_TIME_ZONE):%Y-%m-%d %H:%M %Z}"
