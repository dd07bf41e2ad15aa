"""The simulated calendar: a history from a fixed first day, cut at the as-of instant.

The company's history starts on FIRST_DAY and never ends. Everything that happens in a month is
drawn from a random stream keyed by (seed, scale, what, month), so a month's rows do not depend
on how far the simulation runs: an extract simulates every month up to the as-of month, then keeps
the rows created at or before the as-of instant. A later as-of therefore sees every earlier row
unchanged (but for the documented mutable fields) plus new ones, across any number of years.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from dateutil.easter import easter

# The company's first day: nothing in the App or the CRM is dated before it.
FIRST_DAY = date(2024, 1, 1)
# The company's time zone: the applications store local times without a zone.
COMPANY_TIME_ZONE = ZoneInfo("Europe/Paris")
SECONDS_PER_DAY = 86_400
Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def month_start(month_index: int) -> date:
    """First day of month number `month_index` of the history (0 is FIRST_DAY's month)."""
    year, month = divmod(FIRST_DAY.month - 1 + month_index, 12)
    return date(FIRST_DAY.year + year, month + 1, 1)


def day_index(day: date) -> int:
    return (day - FIRST_DAY).days


@dataclass(frozen=True)
class Timeline:
    """The history up to the end of the as-of month; rows exist when created at or before as_of."""

    as_of: datetime  # timezone-aware

    @cached_property
    def local_as_of(self) -> datetime:
        """The as-of instant in the company's local time, without a zone, to the second."""
        local = self.as_of.astimezone(COMPANY_TIME_ZONE).replace(tzinfo=None)
        return local.replace(microsecond=0)

    @property
    def cutoff_second(self) -> int:
        """Seconds since FIRST_DAY's midnight of the as-of instant: rows created later are cut."""
        return int((self.local_as_of - datetime(FIRST_DAY.year, 1, 1)).total_seconds())

    @property
    def months(self) -> int:
        """Months simulated: from FIRST_DAY's month to the as-of month (at least the first one:
        before the first day, the cut then leaves every table empty)."""
        local = self.local_as_of
        return max((local.year - FIRST_DAY.year) * 12 + local.month - FIRST_DAY.month + 1, 1)

    @property
    def days(self) -> int:
        """Days simulated: up to the end of the as-of month."""
        return day_index(month_start(self.months))

    def month_start_day(self, month_index: int) -> int:
        return day_index(month_start(month_index))

    @property
    def calendar(self) -> WorkingDays:
        return working_days(self.months)

    @staticmethod
    def dates(days: Int64Array, missing: BoolArray | None = None) -> pa.Array:
        """Day indexes as ISO dates 'YYYY-MM-DD' (null where `missing`)."""
        epoch_day = (FIRST_DAY - date(1970, 1, 1)).days
        values = pa.array((days + epoch_day).astype(np.int32), pa.date32(), mask=missing)
        return values.cast(pa.string())  # Arrow's cast formats ISO dates, fast

    @staticmethod
    def timestamps(seconds: Int64Array) -> pa.Array:
        """Seconds since FIRST_DAY's midnight as local 'YYYY-MM-DD HH:MM:SS'."""
        epoch_second = (FIRST_DAY - date(1970, 1, 1)).days * SECONDS_PER_DAY
        return pa.array(seconds + epoch_second, pa.timestamp("s")).cast(pa.string())


@dataclass(frozen=True)
class WorkingDays:
    """The French working days (Monday to Friday, not a public holiday) of the first months."""

    index: Int64Array  # day indexes of the working days, ascending
    before: Int64Array  # before[d]: how many working days precede day d (length days + 1)

    def between(self, first: Int64Array, last: Int64Array) -> Int64Array:
        """Working days in [first, last] (0 when last < first)."""
        first = np.clip(first, 0, len(self.before) - 1)
        last = np.clip(last + 1, 0, len(self.before) - 1)
        return np.asarray(np.maximum(self.before[last] - self.before[first], 0), np.int64)

    def nth_from(self, first: Int64Array, offset: Int64Array) -> Int64Array:
        """The working day `offset` places after the first working day on or after `first`."""
        start = self.before[np.clip(first, 0, len(self.before) - 1)]
        return np.asarray(self.index[start + offset], np.int64)


# France's public holidays: fixed days (month, day), and days after Easter Sunday (Easter Monday,
# Ascension, Whit Monday). Checked against the `holidays` package's calendar in the tests.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
DAYS_AFTER_EASTER = (1, 39, 50)


def french_holidays(year: int) -> list[date]:
    sunday = easter(year)
    return sorted(
        [date(year, month, day) for month, day in FIXED_HOLIDAYS]
        + [sunday + timedelta(days=days) for days in DAYS_AFTER_EASTER]
    )


@cache
def working_days(months: int) -> WorkingDays:
    days = day_index(month_start(months))
    day = np.arange(days, dtype=np.int64)
    weekday = (day + FIRST_DAY.weekday()) % 7
    holiday = np.zeros(days, dtype=bool)
    for year in range(FIRST_DAY.year, month_start(months).year + 1):
        for when in french_holidays(year):
            if FIRST_DAY <= when < month_start(months):
                holiday[day_index(when)] = True
    working = (weekday < 5) & ~holiday
    before = np.concatenate([[0], np.cumsum(working)]).astype(np.int64)
    return WorkingDays(index=np.flatnonzero(working).astype(np.int64), before=before)


def random_generator(seed: int, scale: int, stream: str, index: int = 0) -> np.random.Generator:
    """An independent random stream per simulated entity and month.

    Separate streams keep the entities independent (changing how invoices are drawn does not
    change the users), and one stream per month keeps each month's rows the same however far the
    simulation runs.
    """
    key = [seed % 2**64, scale, zlib.crc32(stream.encode()), index]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def time_of_day(
    rng: np.random.Generator, size: int, from_hour: float, to_hour: float
) -> Int64Array:
    """Random seconds within working hours [from_hour, to_hour)."""
    low, high = int(from_hour * 3600), int(to_hour * 3600)
    return rng.integers(low, high, size=size, dtype=np.int64)


def random_working_days(
    rng: np.random.Generator, calendar: WorkingDays, month_index: int, size: int
) -> Int64Array:
    """Working days of one month drawn uniformly."""
    first, after = day_index(month_start(month_index)), day_index(month_start(month_index + 1))
    count = int(calendar.between(np.array([first]), np.array([after - 1]))[0])
    offsets = rng.integers(0, count, size=size)
    return calendar.nth_from(np.full(size, first, dtype=np.int64), offsets)
