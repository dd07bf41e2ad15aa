"""The long-running scheduler (APScheduler 3) and `--once`, with signals and a process lock.

APScheduler does the timing: cron triggers in the jobs' time zone, missed runs coalesced into
one (`coalesce`), a job never run twice at once (`max_instances=1`) and one refresh at a time
(a single worker thread; DuckDB allows one writer). Signals only set a flag: the running refresh
stops at its next step boundary, then the scheduler shuts down.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jump.data_platform import heap
from jump.data_platform.atomic import create_folder
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.pipeline import RefreshOutcome
from jump.data_platform.schedule.jobs import JobSpec, time_zone
from jump.data_platform.schedule.runner import JobRunner, StopSignal
from jump.data_platform.schedule.state import SchedulerInfo, ScheduleState

# APScheduler's own lines go to the run's log file (a child of the platform's logger).
APSCHEDULER_LOGGER = logging.getLogger("jump.data_platform.apscheduler")
# How often the scheduler looks for stale sources between runs.
ALERT_CHECK_MINUTES = 10


def configure_scheduler(
    runner: JobRunner, scheduler: BaseScheduler | None = None, executor: Any = None
) -> BaseScheduler:
    """Add the runner's jobs to `scheduler` (a BackgroundScheduler by default); a job already
    due (never run, missed while the scheduler was down, failed last time) runs at once."""
    zone = time_zone(next(iter(runner.jobs.values())).time_zone)
    scheduler = scheduler or BackgroundScheduler(logger=APSCHEDULER_LOGGER)
    scheduler.configure(
        # `configure` resets the logger to APScheduler's own unless given again: its warnings
        # would reach stderr raw (Python's last-resort handler).
        logger=APSCHEDULER_LOGGER,
        timezone=zone,
        executors={"default": executor or ThreadPoolExecutor(max_workers=1)},
        job_defaults={
            "coalesce": True,  # missed fire times: one run, not one per fire time
            "max_instances": 1,
            "misfire_grace_time": None,  # a late run still runs (late data beats no data)
        },
    )
    due = set(runner.due_jobs())
    now = runner.clock()
    for name, spec in runner.jobs.items():
        extra = {"next_run_time": now} if name in due else {}
        scheduler.add_job(
            runner.run_job,
            trigger=spec.trigger(),
            args=[name],
            id=name,
            name=f"refresh {name}",
            replace_existing=True,
            **extra,
        )

    runner.settle_heap = True
    next_runs = _NextRuns(scheduler)
    runner.on_missed = lambda name: next_runs.move(name, runner.clock())
    runner.on_retry = next_runs.move
    runner.stop_moving_runs = next_runs.stop
    _say_skips_once(runner)
    if runner.alerts.notifiers:  # stale sources are noticed between runs too
        scheduler.add_job(
            runner.check_alerts,
            trigger=IntervalTrigger(
                minutes=ALERT_CHECK_MINUTES, start_date=runner.clock(), timezone=zone
            ),
            id="alerts",
            name="check alerts",
            replace_existing=True,
        )
    return scheduler


class _NextRuns:
    """Moves a job's next run from inside its own run (a fire time missed while it ran, a close
    to retry), until the scheduler stops. APScheduler's `shutdown(wait=True)` holds its job
    stores' lock while it waits for the running job; a job that then moved its next run would
    wait for that lock forever, and so would the scheduler's exit."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self._scheduler = scheduler
        self._lock = threading.Lock()
        self._stopped = False

    def move(self, name: str, when: datetime) -> None:
        with self._lock:
            if not self._stopped:
                self._scheduler.modify_job(name, next_run_time=when)

    def stop(self) -> None:
        """No move after this returns (one in progress has ended): the scheduler may shut down."""
        with self._lock:
            self._stopped = True


def stop_scheduler(runner: JobRunner, scheduler: BaseScheduler) -> None:
    """Shut `scheduler` down once the running job has ended (it finishes its current step)."""
    runner.stop_moving_runs()
    if scheduler.running:
        scheduler.shutdown(wait=True)


class _SkippedFireTime(logging.Filter):
    """APScheduler's `Execution of job "refresh app (trigger: ...)" skipped: maximum number of
    running instances reached (1)`, said once per run in the platform's words, instead of at
    every fire time that passes while the job still runs."""

    def __init__(self, runner: JobRunner) -> None:
        super().__init__()
        self.runner = runner

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances" not in record.getMessage():
            return True
        job = next(
            (name for name in self.runner.jobs if f'"refresh {name} ' in record.getMessage()), None
        )
        if job is not None and job not in self.runner.skip_reported:
            self.runner.skip_reported.add(job)
            self.runner.reporter.info(
                f"schedule: {job}: a fire time passed while its refresh still runs; it runs "
                "once more when this one ends (missed runs coalesce into one)"
            )
        return False


def _say_skips_once(runner: JobRunner) -> None:
    for existing in [f for f in APSCHEDULER_LOGGER.filters if isinstance(f, _SkippedFireTime)]:
        APSCHEDULER_LOGGER.removeFilter(existing)
    APSCHEDULER_LOGGER.addFilter(_SkippedFireTime(runner))


@dataclass
class SignalHandlers:
    """SIGTERM and SIGINT (Ctrl-C) ask the scheduler to stop between steps; a second one exits
    at once (the lakehouse keeps its last committed state: a load is one transaction)."""

    stop: StopSignal
    announce: Callable[[str], None]
    previous: dict[int, Any] = field(default_factory=dict)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if self.stop.requested():
            self.announce(f"schedule: second {name}: exiting now, mid-step")
            os._exit(128 + number)
        self.announce(
            f"schedule: {name} received: stopping at the next step boundary "
            "(send it again to exit at once)"
        )
        self.stop.request(name)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        for number in (signal.SIGTERM, signal.SIGINT):
            self.previous[number] = signal.signal(number, self._handle)
        try:
            yield
        finally:
            for previous, handler in self.previous.items():
                signal.signal(previous, handler)


@contextlib.contextmanager
def scheduler_lock(path: Path) -> Iterator[None]:
    """One scheduler per data folder: a second is refused with one line naming the first."""
    create_folder(path.parent)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DataPlatformError(
                f"another scheduler (PID {holder}) runs on this data folder: it holds {path}; "
                "stop it first (one scheduler per data folder, DuckDB allows one writer)"
            ) from error
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def scheduler_running(path: Path) -> bool:
    """Whether a scheduler holds the lock file now (a crashed one holds nothing)."""
    if not path.is_file():
        return False
    try:
        with path.open("r", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def _mark_scheduler(runner: JobRunner, mode: str, stopped: datetime | None = None) -> None:
    def change(state: ScheduleState) -> None:
        if stopped is None:
            state.scheduler = SchedulerInfo(os.getpid(), runner.clock(), mode)
        elif state.scheduler is not None:
            state.scheduler.stopped_at = stopped

    runner.store.update(change)


def run_once(runner: JobRunner) -> list[RefreshOutcome]:
    """Run every job due now, one after the other, then return (for cron and CI)."""
    runner.register_jobs()
    _mark_scheduler(runner, "once")
    outcomes = []
    try:
        due = runner.due_jobs()
        if not due:
            runner.reporter.info("schedule --once: nothing is due")
        for name in due:
            if runner.stop.requested():
                break
            outcome = runner.run_job(name)
            if outcome is not None:
                outcomes.append(outcome)
        if not due:  # stale sources, and warnings of a transform run by hand
            runner.check_alerts()
    finally:
        _mark_scheduler(runner, "once", stopped=runner.clock())
    return outcomes


def _next_run(spec: JobSpec, now: datetime) -> str:
    fire = spec.next_fire_time(now)
    if fire is None:
        return "no next run"
    return f"next run {fire.astimezone(time_zone(spec.time_zone)):%Y-%m-%d %H:%M %Z}"


def serve(runner: JobRunner, scheduler: BaseScheduler | None = None) -> None:
    """Run the jobs on their cron until SIGTERM or Ctrl-C; return once stopped cleanly."""
    runner.register_jobs()
    _mark_scheduler(runner, "service")
    due = runner.due_jobs()
    now = runner.clock()
    for name, spec in runner.jobs.items():
        when = "due now: runs at once" if name in due else _next_run(spec, now)
        runner.reporter.info(f"schedule: {name} at '{spec.cron}' ({spec.time_zone}), {when}")
    scheduler = configure_scheduler(runner, scheduler)
    try:
        scheduler.start()
        runner.reporter.info("schedule: running; Ctrl-C or SIGTERM stops it between steps")
        runner.stop.event.wait()
        runner.reporter.info("schedule: stopping: the running refresh finishes its current step")
    finally:
        runner.stop.request(runner.stop.reason or "exit")
        stop_scheduler(runner, scheduler)
        _mark_scheduler(runner, "service", stopped=runner.clock())
    runner.reporter.info("schedule: stopped")
    # The process exits next. After a refresh it holds dbt's parsed project, millions of objects
    # that the interpreter's last garbage collection would walk for seconds (1.5 s measured at
    # scale 1, 3.5 s reported) to free memory the kernel frees anyway: skip that walk.
    heap.skip_final_collection()
