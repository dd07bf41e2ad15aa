"""The scheduler's memory between runs: each job's cron, last run and last success (JSON).

Written atomically after every run, read by the next run (what is due) and by `status`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError

FORMAT_VERSION = 1


@dataclass(frozen=True)
class RunRecord:
    started_at: datetime  # aware
    seconds: float
    outcome: str  # succeeded, failed, stopped
    sources: tuple[str, ...]
    steps: tuple[str, ...]
    error: str | None = None
    failed_step: str | None = None


@dataclass
class JobState:
    cron: str
    time_zone: str
    last_run: RunRecord | None = None
    last_success_started_at: datetime | None = None
    failures_in_a_row: int = 0
    # When the scheduler first knew the job: the close job counts its fire times from there
    # (it does not catch up on closes from before it existed).
    registered_at: datetime | None = None


@dataclass
class SchedulerInfo:
    pid: int
    started_at: datetime
    mode: str  # "service" (long-running) or "once"
    stopped_at: datetime | None = None


@dataclass
class ScheduleState:
    jobs: dict[str, JobState] = field(default_factory=dict)
    scheduler: SchedulerInfo | None = None


def read_state(path: Path) -> ScheduleState:
    """The state file's content; an empty state when there is none yet."""
    if not path.is_file():
        return ScheduleState()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return _from_json(document)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataPlatformError(
            f"schedule state {path} is unreadable ({type(error).__name__}: {error}); "
            "delete it to start afresh (every job is then due)"
        ) from error


def write_state(path: Path, state: ScheduleState) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(_to_json(state), indent=2) + "\n", encoding="utf-8")


class StateStore:
    """The state file, updated by one writer at a time (the job thread, the main thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> ScheduleState:
        with self._lock:
            return read_state(self.path)

    def update(self, change: Callable[[ScheduleState], None]) -> ScheduleState:
        """Read, apply `change(state)` and write back, under the lock."""
        with self._lock:
            state = read_state(self.path)
            change(state)
            write_state(self.path, state)
            return state


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _to_json(state: ScheduleState) -> dict[str, Any]:
    jobs: dict[str, Any] = {}
    for name, job in sorted(state.jobs.items()):
        last = None
        if job.last_run is not None:
            last = asdict(job.last_run) | {"started_at": _iso(job.last_run.started_at)}
        jobs[name] = {
            "cron": job.cron,
            "time_zone": job.time_zone,
            "last_run": last,
            "last_success_started_at": _iso(job.last_success_started_at),
            "failures_in_a_row": job.failures_in_a_row,
            "registered_at": _iso(job.registered_at),
        }
    scheduler = None
    if state.scheduler is not None:
        scheduler = asdict(state.scheduler) | {
            "started_at": _iso(state.scheduler.started_at),
            "stopped_at": _iso(state.scheduler.stopped_at),
        }
    return {"version": FORMAT_VERSION, "scheduler": scheduler, "jobs": jobs}


def _from_json(document: dict[str, Any]) -> ScheduleState:
    state = ScheduleState()
    for name, job in document["jobs"].items():
        last = job.get("last_run")
        state.jobs[name] = JobState(
            cron=job["cron"],
            time_zone=job["time_zone"],
            last_run=None
            if last is None
            else RunRecord(
                started_at=datetime.fromisoformat(last["started_at"]),
                seconds=float(last["seconds"]),
                outcome=last["outcome"],
                sources=tuple(last["sources"]),
                steps=tuple(last["steps"]),
                error=last.get("error"),
                failed_step=last.get("failed_step"),
            ),
            last_success_started_at=_time(job.get("last_success_started_at")),
            failures_in_a_row=int(job.get("failures_in_a_row", 0)),
            registered_at=_time(job.get("registered_at")),
        )
    scheduler = document.get("scheduler")
    if scheduler is not None:
        state.scheduler = SchedulerInfo(
            pid=int(scheduler["pid"]),
            started_at=datetime.fromisoformat(scheduler["started_at"]),
            mode=scheduler["mode"],
            stopped_at=_time(scheduler.get("stopped_at")),
        )
    return state
