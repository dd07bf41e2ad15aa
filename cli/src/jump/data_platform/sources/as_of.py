"""The as-of instant: the simulated "now" an extract sees, in the company's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE

FORMS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"


def parse_as_of(text: str) -> datetime:
    """'2026-06-30' or '2026-06-30T14:00' (Europe/Paris unless an offset is given) -> instant.

    A date means the whole of that day: its last second, 23:59:59 (rows are created at or before
    the as-of instant, and timestamps have whole seconds), in either ISO form (`2026-06-30`,
    `20260630`). A local time the clocks skip (spring forward) is refused; one they show twice
    (fall back) is the first, in summer time. Raises ValueError naming the forms.
    """
    value = text.strip()
    try:
        return end_of_day(date.fromisoformat(value))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a date or a time of the form {FORMS}") from None
    if moment.tzinfo is not None:
        return moment.astimezone(COMPANY_TIME_ZONE)
    local = moment.replace(tzinfo=COMPANY_TIME_ZONE)
    if local.astimezone(UTC).astimezone(COMPANY_TIME_ZONE).replace(tzinfo=None) != moment:
        raise ValueError(
            f"{value} does not exist in Europe/Paris: the clocks skip that hour (summer time "
            "starts); give a time before or after it, or an offset such as +01:00"
        )
    return local


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=COMPANY_TIME_ZONE)


def now() -> datetime:
    """The default as-of: now, in the company's time zone, to the second."""
    return datetime.now(COMPANY_TIME_ZONE).replace(microsecond=0)
