"""The scheduler's month close on a fake clock: APScheduler's real logic, a fake close."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from rich.console import Console

from jump.data_platform.close.month_close import previous_month
from jump.data_platform.pipeline import RefreshOptions, RefreshOutcome
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import (
    CLOSE_JOB,
    DEFAULT_CLOSE_CRON,
    DEFAULT_CRONS,
    job_specs,
)
from jump.data_platform.schedule.runner import JobRunner, StopSignal
from jump.data_platform.schedule.service import configure_scheduler, stop_scheduler
from jump.data_platform.schedule.state import read_state
from jump.data_platform.settings import Settings
from jump.data_platform.tools.schedule_status import schedule_as_json
from schedule.fake_clock import FakeClock, ManualScheduler
from schedule.fake_refresh import FakeRefresh

PARIS = ZoneInfo("Europe/Paris")


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@dataclass
class FakeClose:
    """Records the fire time of each close; fails the next `failures` calls."""

    failures: int = 0
    fired: list[datetime] = field(default_factory=list)

    def __call__(
        self, settings: Settings, fire_time: datetime, reporter: Reporter, options: RefreshOptions
    ) -> RefreshOutcome:
        self.fired.append(fire_time)
        if self.failures:
            self.failures -= 1
            return RefreshOutcome((), "failed", (), 0.5, "the lakehouse is locked", "close")
        return RefreshOutcome((), "succeeded", ("close",), 0.5)

    def months(self) -> list[str]:
        return [f"{previous_month(fire.date()):%Y-%m}" for fire in self.fired]


class Harness:
    def __init__(
        self, folder: Path, clock: FakeClock, close_cron: str, executor: object = None
    ) -> None:
        self.clock = clock
        self.refresh = FakeRefresh(clock)
        self.close = FakeClose()
        self.output = io.StringIO()
        self.settings = Settings(data_folder=folder)
        self.runner = JobRunner(
            self.settings,
            job_specs({**DEFAULT_CRONS, CLOSE_JOB: close_cron}, "Europe/Paris"),
            RefreshOptions(),
            Reporter(console=Console(file=self.output, width=400)),
            StopSignal(),
            refresh_function=self.refresh,
            clock=clock,
            close_function=self.close,
        )
        self.runner.register_jobs()
        self.scheduler = ManualScheduler()
        configure_scheduler(self.runner, self.scheduler, executor or DebugExecutor())
        self.scheduler.start()

    def at(self, when: datetime) -> None:
        self.clock.set(when)
        self.scheduler.tick()


@pytest.fixture
def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    harnesses: list[Harness] = []

    def make(close_cron: str = DEFAULT_CLOSE_CRON, executor: object = None) -> Harness:
        clock = FakeClock(paris(6, 1, 8, 30))
        clock.install(monkeypatch)
        harness = Harness(tmp_path / "data", clock, close_cron, executor)
        harnesses.append(harness)
        return harness

    yield make
    for harness in harnesses:
        stop_scheduler(harness.runner, harness.scheduler)


def test_the_month_before_is_closed_on_the_5th_at_7_paris_time(start) -> None:  # type: ignore[no-untyped-def]
    harness = start()
    harness.at(paris(6, 1, 8, 30))  # first start: the refreshes run, no close caught up
    assert harness.close.fired == []
    shown = schedule_as_json(harness.settings, paris(6, 1, 9, 0))
    assert shown is not None and shown["jobs"][CLOSE_JOB]["due"] is False
    assert shown["jobs"][CLOSE_JOB]["next_run"] == paris(6, 5, 7, 0).isoformat()
    harness.at(paris(6, 5, 6, 59))
    assert harness.close.fired == []
    harness.at(paris(6, 5, 7, 0))
    assert harness.close.fired == [paris(6, 5, 7, 0)]
    assert harness.close.months() == ["2026-05"]
    assert "schedule: close succeeded" in harness.output.getvalue()
    harness.at(paris(6, 20, 7, 0))  # nothing more that month
    harness.at(paris(7, 5, 7, 0))
    assert harness.close.months() == ["2026-05", "2026-06"]
    state = read_state(harness.settings.schedule_state_file).jobs
    # After the refreshes missed since 6/20 (they ran first, 2 fake minutes each).
    assert paris(7, 5, 7, 0) <= state[CLOSE_JOB].last_success_started_at <= paris(7, 5, 7, 10)
    # A close is no refresh: the sources' jobs keep their own record.
    assert state["app"].last_run is not None and state["app"].last_run.sources == ("app",)


def test_a_failed_close_is_retried_within_the_hour_for_its_month(start) -> None:  # type: ignore[no-untyped-def]
    """With the real single-thread executor (it lets a job reschedule itself)."""
    harness = start(executor=ThreadPoolExecutor(max_workers=1))
    harness.at(paris(6, 1, 8, 30))
    _wait_until(lambda: len(harness.refresh.calls) == 2 and harness.refresh.running == 0)
    harness.close.failures = 1
    harness.at(paris(6, 5, 7, 0))
    _wait_until(lambda: "close FAILED" in harness.output.getvalue())
    harness.at(harness.clock() + timedelta(hours=1))  # retried: for the 5th's month still
    _wait_until(lambda: "close succeeded" in harness.output.getvalue())
    assert harness.close.fired == [paris(6, 5, 7, 0), paris(6, 5, 7, 0)]
    assert harness.close.months() == ["2026-05", "2026-05"]


def _wait_until(condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Synchronise with the worker thread (no timing is asserted: only that it gets there)."""
    pause = threading.Event()
    for _ in range(int(limit / 0.01)):
        if condition():
            return
        pause.wait(0.01)
    raise AssertionError("the worker thread never got there")


def test_the_close_day_is_configurable_and_can_be_turned_off(start) -> None:  # type: ignore[no-untyped-def]
    harness = start("0 9 3 * *")
    harness.at(paris(6, 1, 8, 30))
    harness.at(paris(6, 3, 9, 0))
    assert harness.close.months() == ["2026-05"]
    assert CLOSE_JOB not in job_specs({**DEFAULT_CRONS, CLOSE_JOB: "off"}, "Europe/Paris")
