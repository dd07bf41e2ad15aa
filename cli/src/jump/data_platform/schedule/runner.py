"""Run one scheduled job: refresh its source (or close a month), record the run, write its one
log line."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from jump.data_platform import heap
from jump.data_platform.alerts.config import load_config
from jump.data_platform.close.scheduled import scheduled_close
from jump.data_platform.pipeline import RefreshOptions, RefreshOutcome, Stop, refresh
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import CLOSE_JOB, JobSpec
from jump.data_platform.schedule.state import (
    DEFAULT_KEEP_RUNS,
    RUNNING,
    JobState,
    RunRecord,
    ScheduleState,
    StateStore,
)
from jump.data_platform.settings import Settings
from jump.data_platform.transform.run_record import load_run

logger = logging.getLogger("jump.data_platform")
Clock = Callable[[], datetime]
CLOSE_RETRY = timedelta(hours=1)
RefreshFunction = Callable[
    [Settings, Sequence[str], datetime, Reporter, RefreshOptions, Stop], RefreshOutcome
]
# The close job: the settings, its latest fire time (which month to close), where to report.
CloseFunction = Callable[[Settings, datetime, Reporter, RefreshOptions], RefreshOutcome]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class StopSignal:
    """Set by SIGTERM or Ctrl-C: the running refresh stops at its next step boundary, a wait
    for the lakehouse's lock ends, and no new run starts."""

    event: threading.Event = field(default_factory=threading.Event)
    reason: str = ""

    def request(self, reason: str) -> None:
        self.reason = reason
        self.event.set()

    def requested(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)


class JobRunner:
    """Runs the jobs one at a time and keeps the state file.

    `refresh` and `clock` are injected so that tests run the scheduling with a fake refresh and a
    fake clock; the defaults are the real pipeline and the real time.
    """

    def __init__(
        self,
        settings: Settings,
        jobs: dict[str, JobSpec],
        options: RefreshOptions,
        reporter: Reporter,
        stop: StopSignal,
        refresh_function: RefreshFunction = refresh,
        clock: Clock = utc_now,
        step_reporter: Reporter | None = None,
        close_function: CloseFunction = scheduled_close,
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.options = options
        self.reporter = reporter
        self.stop = stop
        self.refresh_function = refresh_function
        self.close_function = close_function
        self.clock = clock
        # The steps' own tables and progress go to the log file only: the console gets one
        # line per run.
        self.step_reporter = step_reporter or Reporter(quiet=True)
        self.store = StateStore(settings.schedule_state_file)
        # Called with a job's name when a fire time passed while it ran (the scheduler then runs
        # it once more at once: missed runs coalesce into one).
        self.on_missed: Callable[[str], None] = lambda name: None
        # Called with a job's name and an instant to run it again: a failed close is retried
        # within the hour, not at its next fire time a month later.
        self.on_retry: Callable[[str, datetime], None] = lambda name, when: None
        # Called when the scheduler stops: neither of the two above moves a run after it.
        self.stop_moving_runs: Callable[[], None] = lambda: None
        self.keep_runs = DEFAULT_KEEP_RUNS
        # Read at start: a bad configuration is one line before anything runs (docs/alerts.md).
        self.alerts = load_config(settings)
        # Whether a run ends by settling Python's heap (heap.py): in the long-running scheduler,
        # whose process keeps dbt's parsed project from one refresh to the next. Done before the
        # run's line and its missed fire times are looked at, so that no fire time passes unseen.
        self.settle_heap = False
        # The jobs whose skipped fire time (still running) was already said: once per run.
        self.skip_reported: set[str] = set()

    def register_jobs(self) -> None:
        """Record each job's cron and time zone (what `status` shows next runs from); a run
        still recorded `running` was killed (this scheduler holds the lock: none other runs)."""

        def change(state: ScheduleState) -> None:
            state.mark_killed()
            for name, spec in self.jobs.items():
                job = state.jobs.setdefault(name, JobState(spec.cron, spec.time_zone))
                job.cron, job.time_zone = spec.cron, spec.time_zone
                if job.registered_at is None:
                    job.registered_at = self.clock()

        self.store.update(change)

    def due_jobs(self, now: datetime | None = None) -> list[str]:
        """The jobs due at `now` (see `JobSpec.is_due`), in the platform's order."""
        now = now or self.clock()
        state = self.store.read()
        return [
            name for name, spec in self.jobs.items() if spec.is_due(_last_success(state, spec), now)
        ]

    def run_job(self, name: str) -> RefreshOutcome | None:
        """Refresh the job's source if it is still due; None when skipped."""
        spec = self.jobs[name]
        started = self.clock()
        if self.stop.requested():
            return None
        if not spec.is_due(_last_success(self.store.read(), spec), started):
            self.reporter.info(f"schedule: {name}: already refreshed since its last fire time")
            return None
        self.skip_reported.discard(name)
        record = self._start(name, started)
        if spec.is_close:
            fired = spec.last_fire_time(started) or started
            outcome = self.close_function(self.settings, fired, self.reporter, self.options)
            line = f"schedule: close {outcome.describe()}"
        else:
            outcome = self.refresh_function(
                self.settings, spec.sources, started, self.step_reporter, self.options, self.stop
            )
            line = f"schedule: {name} refresh ({', '.join(outcome.sources)}) {outcome.describe()}"
        state = self.store.update(lambda state: self._record(state, name, record, outcome))
        if self.settle_heap:
            logger.debug("schedule: %s: heap settled in %.3f s", name, heap.settle())
        if outcome.lock_waits:
            line += f"; waited {outcome.lock_waits} time(s) for the lakehouse's lock"
        if outcome.status == "failed":
            failures = state.jobs[name].failures_in_a_row
            self.reporter.warning(f"{line} ({failures} in a row; retried at the next tick)")
        else:
            self.reporter.info(line)
        self.check_alerts()
        finished = self.clock()
        fire = spec.next_fire_time(started)
        if outcome.succeeded and fire is not None and fire <= finished:
            self.on_missed(name)
        if spec.is_close and outcome.status == "failed":
            self.on_retry(name, finished + CLOSE_RETRY)
        return outcome

    def check_alerts(self) -> None:
        """Send the alerts due now (after each run, and every few minutes for stale sources).
        An alert that cannot be sent is a warning: it never stops the scheduler."""
        if not self.alerts.notifiers:
            return
        from jump.data_platform.alerts.evaluate import check_alerts  # imports this module's peers

        try:
            check_alerts(self.settings, self.clock(), self.reporter, self.alerts)
        except Exception as error:  # a bug in an alert must not stop the refreshes
            logger.exception("alerts failed")
            self.reporter.warning(f"alerts: {type(error).__name__}: {error}")

    def _start(self, name: str, started: datetime) -> RunRecord:
        """Record the run as `running` before it starts: a run killed half-way shows as such."""
        holder: list[RunRecord] = []

        def change(state: ScheduleState) -> None:
            record = RunRecord(
                started_at=started,
                seconds=0.0,
                outcome=RUNNING,
                sources=self.jobs[name].sources,
                steps=(),
                run_id=state.next_run_id(),
                job=name,
                pid=os.getpid(),
            )
            state.add_run(record, self.keep_runs)
            job = state.jobs.setdefault(
                name, JobState(self.jobs[name].cron, self.jobs[name].time_zone)
            )
            job.last_run = record
            holder.append(record)

        self.store.update(change)
        return holder[0]

    def _record(
        self, state: ScheduleState, ran: str, started: RunRecord, outcome: RefreshOutcome
    ) -> None:
        record = replace(
            started,
            seconds=round(outcome.seconds, 3),
            outcome=outcome.status,
            sources=outcome.sources,
            steps=outcome.steps,
            error=outcome.error,
            failed_step=outcome.failed_step,
            finished_at=self.clock(),
            rows_changed=outcome.rows_changed,
            publication_id=_publication_of(self.settings, outcome),
        )
        state.add_run(record, self.keep_runs)
        for name, spec in self.jobs.items():
            # A refresh that also brought in another job's source (a first run) counts for it;
            # a close counts only for itself.
            if spec.is_close or ran == CLOSE_JOB:
                if name != ran:
                    continue
            elif not set(spec.sources) <= set(outcome.sources):
                continue
            job = state.jobs.setdefault(name, JobState(spec.cron, spec.time_zone))
            job.last_run = record
            if outcome.succeeded:
                job.last_success_started_at = started.started_at
                job.failures_in_a_row = 0
            elif outcome.status == "failed":
                job.failures_in_a_row += 1


def _last_success(state: ScheduleState, spec: JobSpec) -> datetime | None:
    job = state.jobs.get(spec.name)
    return spec.counts_from(job.last_success_started_at, job.registered_at) if job else None


def _publication_of(settings: Settings, outcome: RefreshOutcome) -> str | None:
    """The publication a refresh's transform made (its run record says), if it made one."""
    if "transform" not in outcome.steps:
        return None
    run = load_run(settings.last_transform_file)
    if run is None or not run.published or run.publication_id is None:
        return None
    return str(run.publication_id)
