"""The schedule section of `status`: each job's last run, its outcome and its next run.

Read from the scheduler's state file alone (no lakehouse connection), so that it shows even
while a refresh holds the lakehouse.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.schedule.jobs import JobSpec, time_zone
from jump.data_platform.schedule.service import scheduler_running
from jump.data_platform.schedule.state import JobState, ScheduleState, read_state
from jump.data_platform.settings import Settings


def schedule_state(settings: Settings) -> tuple[ScheduleState, str | None]:
    """The state and None, or an empty state and why it could not be read."""
    try:
        return read_state(settings.schedule_state_file), None
    except DataPlatformError as error:
        return ScheduleState(), error.message


def _next_run(name: str, job: JobState, now: datetime) -> tuple[datetime | None, bool]:
    """The job's next fire time after `now`, and whether it is due now (it then runs at once
    when a scheduler runs)."""
    spec = JobSpec(name, job.cron, job.time_zone)
    try:
        due = spec.is_due(spec.counts_from(job.last_success_started_at, job.registered_at), now)
        return spec.next_fire_time(now), due
    except DataPlatformError:
        return None, False


def _when(value: datetime | None, zone: str) -> str:
    if value is None:
        return "never"
    with contextlib.suppress(DataPlatformError):
        value = value.astimezone(time_zone(zone))
    return f"{value:%Y-%m-%d %H:%M %Z}"


def schedule_lines(settings: Settings, now: datetime | None = None) -> list[str]:
    now = now or datetime.now(UTC)
    state, problem = schedule_state(settings)
    if problem:
        return [f"Schedule: {problem}"]
    if not state.jobs and state.runs:  # Dagster's runs only: its schedules run this folder
        newest = state.runs[-1]
        return [
            f"Schedule: run by {newest.orchestrator}: last run {newest.job} "
            f"{_when(newest.started_at, 'UTC')} {newest.outcome.upper()} in {newest.seconds:.1f} s "
            "(`status --runs 10` for the history)"
        ]
    if not state.jobs:
        return ["Schedule: never run: start it with `data-platform schedule` (or `--once`)"]
    zone = next(iter(state.jobs.values())).time_zone
    running = scheduler_running(settings.schedule_lock_file)
    header = f"Schedule: {'a scheduler is running' if running else 'no scheduler running'}"
    if state.scheduler is not None:
        info = state.scheduler
        verb = "started" if running else "last started"
        header += f" ({verb} {_when(info.started_at, zone)}, {info.mode}, PID {info.pid})"
    lines = [header + ":"]
    for name, job in sorted(state.jobs.items()):
        next_run, due = _next_run(name, job, now)
        last = job.last_run
        if last is None:
            outcome = "never run"
        else:
            verdict = last.effective_outcome(running)
            outcome = f"last run {_when(last.started_at, job.time_zone)} {verdict.upper()}"
            if verdict == "killed":
                outcome += " (it never finished: the scheduler was killed)"
            elif verdict != "running":
                outcome += f" in {last.seconds:.1f} s"
            if verdict == "failed":
                outcome += (
                    f" at {last.failed_step}: {last.error} "
                    f"({job.failures_in_a_row} failure(s) in a row; retried at the next tick)"
                )
        due_text = ", due now" if due else ""
        lines.append(
            f"  {name}: '{job.cron}' ({job.time_zone}): {outcome}; "
            f"next {_when(next_run, job.time_zone)}{due_text}"
        )
    return lines


def failed_jobs(settings: Settings) -> list[str]:
    """One line per scheduled job whose last run failed (for `status`'s warnings)."""
    state, _ = schedule_state(settings)
    return [
        f"the scheduled {name} refresh failed {job.failures_in_a_row} time(s) in a row: "
        f"{job.last_run.error}"
        for name, job in sorted(state.jobs.items())
        if job.last_run is not None and job.last_run.outcome == "failed"
    ]


def schedule_as_json(settings: Settings, now: datetime | None = None) -> dict[str, Any] | None:
    now = now or datetime.now(UTC)
    state, problem = schedule_state(settings)
    if problem:
        return {"error": problem}
    if not state.jobs:
        return None
    jobs: dict[str, Any] = {}
    running = scheduler_running(settings.schedule_lock_file)
    for name, job in sorted(state.jobs.items()):
        next_run, due = _next_run(name, job, now)
        last = job.last_run
        jobs[name] = {
            "cron": job.cron,
            "time_zone": job.time_zone,
            "last_run": None
            if last is None
            else {
                "started_at": last.started_at.isoformat(),
                "outcome": last.effective_outcome(running),
                "seconds": last.seconds,
                "sources": list(last.sources),
                "steps": list(last.steps),
                "error": last.error,
                "failed_step": last.failed_step,
            },
            "last_success_started_at": None
            if job.last_success_started_at is None
            else job.last_success_started_at.isoformat(),
            "failures_in_a_row": job.failures_in_a_row,
            "next_run": None if next_run is None else next_run.isoformat(),
            "due": due,
        }
    scheduler = state.scheduler
    return {
        "running": running,
        "scheduler": None
        if scheduler is None
        else {
            "pid": scheduler.pid,
            "mode": scheduler.mode,
            "started_at": scheduler.started_at.isoformat(),
            "stopped_at": None
            if scheduler.stopped_at is None
            else scheduler.stopped_at.isoformat(),
        },
        "jobs": jobs,
    }
