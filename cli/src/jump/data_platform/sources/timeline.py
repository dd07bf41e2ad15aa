"""The simulated calendar: a window of dates, seconds since its start, and seeded randomness.

Everything is simulated over a fixed horizon, from 1 January two years before the as-of year to
31 December of the as-of year, then cut at the as-of date. Because the horizon depends only on the
as-of *year*, a later as-of in the same year sees every earlier row unchanged, plus new ones.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

SECONDS_PER_DAY = 86_400
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Timeline:
    as_of: date

    @property
    def start(self) -> date:
        """First day of the window: 1 January two years before the as-of year."""
        return date(self.as_of.year - 2, 1, 1)

    @property
    def horizon_end(self) -> date:
        """Last simulated day: 31 December of the as-of year (rows after as-of are cut)."""
        return date(self.as_of.year, 12, 31)

    @property
    def days(self) -> int:
        """Number of simulated days in the horizon."""
        return (self.horizon_end - self.start).days + 1

    @property
    def cutoff_second(self) -> int:
        """First second after the as-of day: rows created at or after it do not exist yet."""
        return ((self.as_of - self.start).days + 1) * SECONDS_PER_DAY

    @property
    def as_of_day(self) -> int:
        return (self.as_of - self.start).days

    def month_start_day(self, month_index: int) -> int:
        """Day index of the first day of the window's month number `month_index` (0-based)."""
        year = self.start.year + month_index // 12
        return (date(year, month_index % 12 + 1, 1) - self.start).days

    def dates(self, days: Int64Array, missing: npt.NDArray[np.bool_] | None = None) -> pa.Array:
        """Day indexes as ISO dates 'YYYY-MM-DD' (null where `missing`)."""
        epoch_day = (self.start - date(1970, 1, 1)).days
        values = pa.array((days + epoch_day).astype(np.int32), pa.date32(), mask=missing)
        return values.cast(pa.string())  # Arrow's cast formats ISO dates, fast

    def timestamps(self, seconds: Int64Array) -> pa.Array:
        """Seconds since the window's start as 'YYYY-MM-DD HH:MM:SS'."""
        epoch_second = (self.start - date(1970, 1, 1)).days * SECONDS_PER_DAY
        return pa.array(seconds + epoch_second, pa.timestamp("s")).cast(pa.string())


def random_generator(seed: int, scale: int, timeline: Timeline, stream: str) -> np.random.Generator:
    """An independent random stream per simulated entity.

    Separate streams keep the entities independent: changing how invoices are drawn does not
    change the users. The stream depends on the window's start, not on the as-of date itself.
    """
    key = [seed & 0xFFFFFFFF, scale, timeline.start.year, zlib.crc32(stream.encode())]
    return np.random.default_rng(key)


def time_of_day(
    rng: np.random.Generator, size: int, from_hour: float, to_hour: float
) -> Int64Array:
    """Random seconds within working hours [from_hour, to_hour)."""
    low, high = int(from_hour * 3600), int(to_hour * 3600)
    return rng.integers(low, high, size=size, dtype=np.int64)
