"""The scheduler's memory between runs: each job's cron, last run and last success, and a
bounded history of runs (JSON).

A run is recorded when it starts (`running`) and again when it ends, so that a run killed
half-way (`kill -9`, a power cut) shows as `killed`, not as the run before it. Written
atomically, under a file lock (the scheduler and Dagster's sensor may both write it), read by
the next run (what is due) and by `status`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from jump.data_platform.atomic import atomic_path, create_folder
from jump.data_platform.errors import DataPlatformError

FORMAT_VERSION = 1
# The runs kept in the history, oldest dropped first: about four days of hourly and daily runs.
DEFAULT_KEEP_RUNS = 100

RUNNING = "running"
KILLED = "killed"  # recorded `running` by a process that no longer holds the scheduler's lock


@dataclass(frozen=True)
class RunRecord:
    started_at: datetime  # aware
    seconds: float
    outcome: str  # running, succeeded, failed, stopped, interrupted (killed: see effective_outcome)
    sources: tuple[str, ...]
    steps: tuple[str, ...]
    error: str | None = None
    failed_step: str | None = None
    run_id: int = 0  # increasing within a data folder
    job: str = ""  # the scheduled job (app, crm) or Dagster's job name
    orchestrator: str = "schedule"  # schedule, or dagster
    pid: int | None = None  # the process that ran it
    finished_at: datetime | None = None
    rows_changed: int | None = None  # rows the load inserted, updated or deleted
    publication_id: str | None = None  # the publication the transform made (none recorded yet)

    def effective_outcome(self, scheduler_alive: bool) -> str:
        """The recorded outcome, except that a run still `running` whose scheduler is gone was
        killed (only the scheduler's own runs: Dagster records its runs when they end)."""
        if self.outcome == RUNNING and self.orchestrator == "schedule" and not scheduler_alive:
            return KILLED
        return self.outcome


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
    runs: list[RunRecord] = field(default_factory=list)  # oldest first, bounded

    def next_run_id(self) -> int:
        return max((run.run_id for run in self.runs), default=0) + 1

    def add_run(self, record: RunRecord, keep: int = DEFAULT_KEEP_RUNS) -> None:
        """Add `record`, or replace the record of the same id (a run that ended); keep the
        `keep` newest."""
        self.runs = [run for run in self.runs if run.run_id != record.run_id] + [record]
        self.runs.sort(key=lambda run: run.run_id)
        del self.runs[: max(len(self.runs) - keep, 0)]

    def mark_killed(self) -> None:
        """Called by a scheduler that just took the lock: no other scheduler runs, so a run
        still recorded `running` by the scheduler was killed."""
        killed = {}
        for run in self.runs:
            if run.outcome == RUNNING and run.orchestrator == "schedule":
                killed[run.run_id] = replace(run, outcome=KILLED, error="the process was killed")
        self.runs = [killed.get(run.run_id, run) for run in self.runs]
        for job in self.jobs.values():
            if job.last_run is not None and job.last_run.run_id in killed:
                job.last_run = killed[job.last_run.run_id]


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
    """The state file, updated by one writer at a time: the job thread and the main thread (a
    thread lock), the scheduler and Dagster's sensor (a file lock beside it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> ScheduleState:
        with self._lock:
            return read_state(self.path)

    def update(self, change: Callable[[ScheduleState], None]) -> ScheduleState:
        """Read, apply `change(state)` and write back, under the locks."""
        with self._lock, file_lock(self.path.with_name(self.path.name + ".lock")):
            state = read_state(self.path)
            change(state)
            write_state(self.path, state)
            return state


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    create_folder(path.parent)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def run_to_json(run: RunRecord) -> dict[str, Any]:
    return asdict(run) | {"started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at)}


def run_from_json(document: dict[str, Any]) -> RunRecord:
    return RunRecord(
        started_at=datetime.fromisoformat(document["started_at"]),
        seconds=float(document["seconds"]),
        outcome=document["outcome"],
        sources=tuple(document["sources"]),
        steps=tuple(document["steps"]),
        error=document.get("error"),
        failed_step=document.get("failed_step"),
        run_id=int(document.get("run_id", 0)),
        job=document.get("job", ""),
        orchestrator=document.get("orchestrator", "schedule"),
        pid=document.get("pid"),
        finished_at=_time(document.get("finished_at")),
        rows_changed=document.get("rows_changed"),
        publication_id=document.get("publication_id"),
    )


def _to_json(state: ScheduleState) -> dict[str, Any]:
    jobs: dict[str, Any] = {}
    for name, job in sorted(state.jobs.items()):
        last = None if job.last_run is None else run_to_json(job.last_run)
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
    return {
        "version": FORMAT_VERSION,
        "scheduler": scheduler,
        "jobs": jobs,
        "runs": [run_to_json(run) for run in state.runs],
    }


def _from_json(document: dict[str, Any]) -> ScheduleState:
    state = ScheduleState()
    for name, job in document["jobs"].items():
        last = job.get("last_run")
        state.jobs[name] = JobState(
            cron=job["cron"],
            time_zone=job["time_zone"],
            last_run=None if last is None else run_from_json(last),
            last_success_started_at=_time(job.get("last_success_started_at")),
            failures_in_a_row=int(job.get("failures_in_a_row", 0)),
            registered_at=_time(job.get("registered_at")),
        )
    state.runs = [run_from_json(run) for run in document.get("runs", [])]
    scheduler = document.get("scheduler")
    if scheduler is not None:
        state.scheduler = SchedulerInfo(
            pid=int(scheduler["pid"]),
            started_at=datetime.fromisoformat(scheduler["started_at"]),
            mode=scheduler["mode"],
            stopped_at=_time(scheduler.get("stopped_at")),
        )
    return state
