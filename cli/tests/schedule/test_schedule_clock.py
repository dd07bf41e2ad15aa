"""The scheduling itself, on a fake clock: APScheduler's real logic, a fake refresh, no waiting."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from rich.console import Console

from jump.data_platform.pipeline import RefreshOptions
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import DEFAULT_CRONS, job_specs
from jump.data_platform.schedule.runner import JobRunner, StopSignal
from jump.data_platform.schedule.service import configure_scheduler, stop_scheduler
from jump.data_platform.schedule.state import read_state
from jump.data_platform.settings import Settings
from jump.data_platform.tools.schedule_status import schedule_lines
from schedule.fake_clock import FakeClock, ManualScheduler
from schedule.fake_refresh import FakeRefresh
from support.cli import run_cli

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=PARIS)


class Harness:
    """A runner with the default jobs, a fake refresh and a ManualScheduler on a fake clock."""

    def __init__(self, folder: Path, clock: FakeClock, refresh: FakeRefresh, executor: object):
        self.settings = Settings(data_folder=folder)
        self.clock = clock
        self.refresh = refresh
        self.output = io.StringIO()
        reporter = Reporter(console=Console(file=self.output, width=400))
        self.runner = JobRunner(
            self.settings,
            job_specs(dict(DEFAULT_CRONS), "Europe/Paris"),
            RefreshOptions(),
            reporter,
            StopSignal(),
            refresh_function=refresh,
            clock=clock,
        )
        self.runner.register_jobs()
        self.scheduler = ManualScheduler()
        configure_scheduler(self.runner, self.scheduler, executor)
        self.scheduler.start()

    def at(self, when: datetime) -> None:
        """Move the clock to `when` and let the scheduler wake up once."""
        self.clock.set(when)
        self.scheduler.tick()


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    clock = FakeClock(paris(1, 8, 30))
    clock.install(monkeypatch)
    built = Harness(tmp_path / "data", clock, FakeRefresh(clock), DebugExecutor())
    yield built
    stop_scheduler(built.runner, built.scheduler)


def test_first_start_runs_both_jobs_then_hourly_and_daily(harness: Harness) -> None:
    harness.at(paris(1, 8, 30))
    assert harness.refresh.sources_called() == [("app",), ("crm",)]  # never run: due at start

    harness.at(paris(1, 9, 4))
    assert len(harness.refresh.calls) == 2
    harness.at(paris(1, 9, 5))
    harness.at(paris(1, 10, 5))
    assert harness.refresh.calls[2:] == [(("app",), paris(1, 9, 5)), (("app",), paris(1, 10, 5))]

    harness.at(paris(2, 5, 59))  # 19 App fire times passed: one run, coalesced
    assert harness.refresh.sources_called()[4:] == [("app",)]
    assert "already refreshed" not in harness.output.getvalue()  # not even submitted 19 times
    harness.at(paris(2, 6, 0))
    assert harness.refresh.calls[5:] == [(("crm",), paris(2, 6, 0))]
    harness.at(paris(2, 6, 5))
    assert harness.refresh.calls[6:] == [(("app",), paris(2, 6, 5))]


def test_the_heap_is_settled_after_each_scheduled_run_not_between_fire_times(
    harness: Harness,
) -> None:
    harness.at(paris(1, 8, 30))
    assert gc.get_freeze_count() > 0  # the two runs due at start, then the heap settled (heap.py)
    gc.unfreeze()
    harness.at(paris(1, 8, 45))  # nothing due
    assert gc.get_freeze_count() == 0
    harness.at(paris(1, 9, 5))
    assert gc.get_freeze_count() > 0


def test_a_slow_run_makes_the_missed_ones_coalesce_into_one(harness: Harness) -> None:
    harness.at(paris(1, 8, 30))
    harness.refresh.duration = timedelta(hours=2, minutes=30)
    harness.at(paris(1, 9, 5))  # runs until 11:35: the 10:05 and 11:05 fire times pass
    assert harness.clock() == paris(1, 11, 35)
    harness.refresh.duration = timedelta(minutes=2)
    harness.at(paris(1, 11, 35))
    harness.at(paris(1, 12, 4))
    app_runs = [when for sources, when in harness.refresh.calls if sources == ("app",)]
    assert app_runs == [paris(1, 8, 30), paris(1, 9, 5), paris(1, 11, 35)]
    harness.at(paris(1, 12, 5))
    assert harness.refresh.calls[-1] == (("app",), paris(1, 12, 5))


def test_a_failing_run_is_reported_in_status_and_retried_at_the_next_tick(
    harness: Harness,
) -> None:
    harness.at(paris(1, 8, 30))
    harness.refresh.failures = 1
    harness.at(paris(1, 9, 5))
    assert (
        "schedule: app refresh (app) FAILED after 120.0 s at load: boom"
        in harness.output.getvalue()
    )
    assert "(1 in a row; retried at the next tick)" in harness.output.getvalue()
    job = read_state(harness.settings.schedule_state_file).jobs["app"]
    assert job.failures_in_a_row == 1
    assert job.last_run is not None and job.last_run.outcome == "failed"

    lines = "\n".join(schedule_lines(harness.settings, now=paris(1, 9, 30)))
    assert "app: '5 * * * *' (Europe/Paris): last run 2026-06-01 09:05 CEST FAILED" in lines
    assert (
        "at load: boom (1 failure(s) in a row; retried at the next tick); next 2026-06-01 10:05 CEST, due now"
        in lines
    )
    shown = run_cli(harness.settings.data_folder, "status")
    assert shown.exit_code == 0, shown.stderr
    assert "FAILED in 120.0 s at load: boom" in shown.stdout
    assert "Warning: the scheduled app refresh failed 1 time(s) in a row: boom" in shown.stderr

    harness.at(paris(1, 9, 30))  # not before the next fire time
    assert len(harness.refresh.calls) == 3
    harness.at(paris(1, 10, 5))
    assert harness.refresh.calls[-1] == (("app",), paris(1, 10, 5))
    job = read_state(harness.settings.schedule_state_file).jobs["app"]
    assert job.failures_in_a_row == 0
    assert job.last_success_started_at == paris(1, 10, 5)


def test_one_refresh_at_a_time_and_runs_missed_meanwhile_coalesce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real single-thread executor: while a slow App run holds the worker, its next
    fire times are not run beside it, and the CRM waits its turn."""
    clock = FakeClock(paris(1, 8, 30))
    clock.install(monkeypatch)
    refresh = FakeRefresh(clock)
    harness = Harness(tmp_path / "data", clock, refresh, ThreadPoolExecutor(max_workers=1))
    try:
        harness.at(paris(1, 8, 30))
        _wait_until(lambda: len(refresh.calls) == 2 and refresh.running == 0)

        refresh.release = threading.Event()
        refresh.duration = timedelta(hours=2)
        refresh.finished.clear()
        harness.at(paris(1, 9, 5))  # the App run starts and blocks in the worker
        _wait_until(lambda: refresh.running == 1)
        harness.at(paris(2, 6, 0))  # the App is due again and the CRM too: neither runs beside
        assert len(refresh.calls) == 3 and refresh.running == 1
        refresh.duration = timedelta(minutes=1)
        refresh.release.set()
        _wait_until(lambda: len(refresh.calls) == 4 and refresh.running == 0)
        harness.at(clock())
        _wait_until(lambda: len(refresh.calls) == 5 and refresh.running == 0)
        assert refresh.most_at_once == 1
        assert sorted(refresh.sources_called()[3:]) == [("app",), ("crm",)]
    finally:
        stop_scheduler(harness.runner, harness.scheduler)


def _wait_until(condition: object, limit: float = 30.0) -> None:
    """Synchronise with the worker thread (no timing is asserted: only that it gets there)."""
    deadline = threading.Event()
    for _ in range(int(limit / 0.01)):
        if condition():  # type: ignore[operator]
            return
        deadline.wait(0.01)
    raise AssertionError("the worker thread never got there")
