"""A refresh that takes fake time, fails when told, and records each call."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jump.data_platform.pipeline import RefreshOptions, RefreshOutcome, Stop
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from schedule.fake_clock import FakeClock


@dataclass
class FakeRefresh:
    clock: FakeClock
    duration: timedelta = timedelta(minutes=2)
    failures: int = 0  # the next N calls fail
    error: str = "boom"  # their error
    calls: list[tuple[tuple[str, ...], datetime]] = field(default_factory=list)
    # When set, a call waits for `release` (a slow run in a worker thread) and sets `finished`.
    release: threading.Event | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    running: int = 0
    most_at_once: int = 0

    def __call__(
        self,
        settings: Settings,
        sources: Sequence[str],
        as_of: datetime,
        reporter: Reporter,
        options: RefreshOptions,
        stop: Stop,
    ) -> RefreshOutcome:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.calls.append((tuple(sources), as_of))
            if self.release is not None:
                assert self.release.wait(30), "the test never released the slow run"
            self.clock.advance(self.duration)
            seconds = self.duration.total_seconds()
            if self.failures:
                self.failures -= 1
                return RefreshOutcome(
                    tuple(sources), "failed", ("extract",), seconds, self.error, "load"
                )
            return RefreshOutcome(
                tuple(sources), "succeeded", ("extract", "load", "transform"), seconds
            )
        finally:
            self.running -= 1
            self.finished.set()

    def sources_called(self) -> list[tuple[str, ...]]:
        return [sources for sources, _ in self.calls]
