"""The as-of instant: the simulated "now" an extract sees, in the company's time zone."""

from __future__ import annotations

from datetime import date, datetime, time

from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE

FORMS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"


def parse_as_of(text: str) -> datetime:
    """'2026-06-30' or '2026-06-30T14:00' (Europe/Paris unless an offset is given) -> instant.

    A date means the whole of that day: its last second, 23:59:59 (rows are created at or before
    the as-of instant, and timestamps have whole seconds). Raises ValueError naming the forms.
    """
    value = text.strip()
    try:
        if len(value) == len("YYYY-MM-DD"):
            return end_of_day(date.fromisoformat(value))
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a date or a time of the form {FORMS}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=COMPANY_TIME_ZONE)
    return moment.astimezone(COMPANY_TIME_ZONE)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=COMPANY_TIME_ZONE)


def now() -> datetime:
    """The default as-of: now, in the company's time zone, to the second."""
    return datetime.now(COMPANY_TIME_ZONE).replace(microsecond=0)
