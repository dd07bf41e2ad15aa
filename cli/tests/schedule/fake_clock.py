"""A fake clock for APScheduler 3 and the job runner, and a scheduler driven tick by tick.

APScheduler 3 reads the time with `datetime.now` in its scheduler and executor modules (the
pinned version; nowhere else in the paths these tests use): the fake replaces that name there,
so the scheduler's own logic (due jobs, coalescing, max instances) runs unchanged, without any
real waiting.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, tzinfo

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest
from apscheduler.schedulers.base import BaseScheduler


class FakeClock:
    def __init__(self, start: datetime) -> None:
        assert start.tzinfo is not None
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, when: datetime) -> None:
        with self._lock:
            self.now = when

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.now += delta

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        clock = self

        class FakeDatetime(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
                current = clock()
                return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)

        monkeypatch.setattr(apscheduler.schedulers.base, "datetime", FakeDatetime)
        monkeypatch.setattr(apscheduler.executors.base, "datetime", FakeDatetime)


class ManualScheduler(BaseScheduler):  # type: ignore[misc]
    """An APScheduler that runs only when told: `tick()` is one wake-up of its main loop."""

    def wakeup(self) -> None:
        """Nothing to wake: the test ticks."""

    def tick(self) -> None:
        self._process_jobs()

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)
