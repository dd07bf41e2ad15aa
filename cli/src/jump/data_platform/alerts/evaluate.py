"""Decide which alerts to send now, send them, and remember what was sent.

Read from the run history (the scheduler's and Dagster's runs) and the last transform's record:
- a job whose last finished run failed or was killed: one alert, then a reminder every
  `reminder` while it persists, and one recovery alert when a run succeeds;
- a source without a successful refresh for longer than its limit: the same, stale then fresh;
- a warning-level data test that warns now and did not in the previous transform: one alert.
What was sent lives in `<data-folder>/schedule/alerts.json`, so a restart does not repeat it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jump.data_platform.alerts.config import AlertConfig, load_config
from jump.data_platform.alerts.message import FAILURE, RECOVERY, STALE, WARNING, Alert
from jump.data_platform.alerts.notifiers import deliver
from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter, describe_age
from jump.data_platform.schedule.service import scheduler_running
from jump.data_platform.schedule.state import RunRecord, ScheduleState, file_lock, read_state
from jump.data_platform.settings import Settings
from jump.data_platform.transform.run_record import load_run

FAILED_OUTCOMES = ("failed", "killed", "interrupted")


@dataclass
class _Memory:
    open: dict[str, dict[str, str | None]] = field(default_factory=dict)  # key -> since, sent
    warned: set[str] = field(default_factory=set)  # the warning tests of the last transform


def check_alerts(
    settings: Settings, now: datetime, reporter: Reporter, config: AlertConfig | None = None
) -> list[Alert]:
    """Send what is due now; the alerts delivered by at least one notifier."""
    config = config or load_config(settings)
    if not config.notifiers:
        return []
    try:
        schedule = read_state(settings.schedule_state_file)
    except DataPlatformError as error:
        reporter.warning(f"alerts: {error.message}")
        return []
    alive = scheduler_running(settings.schedule_lock_file)
    path = settings.alerts_state_file
    sent: list[Alert] = []
    with file_lock(path.with_name(path.name + ".lock")):
        memory = _read(settings)
        candidates = [
            *_failures(settings, schedule, alive, now, memory, config),
            *_stale(settings, schedule, now, memory, config),
            *_warnings(settings, memory),
        ]
        for alert, remember in candidates:
            if deliver(alert, config.notifiers, reporter):
                remember()
                sent.append(alert)
                reporter.info(f"alert sent: {alert.title}")
        _write(settings, memory)
    return sent


Candidate = tuple[Alert, Any]


def _status_command(settings: Settings) -> str:
    return (
        f"data-platform --data-folder {settings.data_folder} status --runs 10 "
        f"(log: {settings.scheduler_log_file})"
    )


def _open_or_remind(
    memory: _Memory, key: str, since: datetime, now: datetime, reminder: timedelta
) -> tuple[bool, bool]:
    """Whether to send an alert for the open condition `key` now, and whether as a reminder."""
    entry = memory.open.setdefault(key, {"since": since.isoformat(), "sent": None})
    if entry["sent"] is None:
        return True, False
    return now - datetime.fromisoformat(entry["sent"]) >= reminder, True


def _close(memory: _Memory, key: str) -> datetime | None:
    """Forget `key`; when it had been sent, since when it held (a recovery to say)."""
    entry = memory.open.pop(key, None)
    if entry is None or entry["sent"] is None:
        return None
    return datetime.fromisoformat(str(entry["since"]))


def _sent(memory: _Memory, key: str, now: datetime) -> Any:
    def remember() -> None:
        memory.open[key]["sent"] = now.isoformat()

    return remember


def _failures(
    settings: Settings,
    schedule: ScheduleState,
    alive: bool,
    now: datetime,
    memory: _Memory,
    config: AlertConfig,
) -> list[Candidate]:
    latest: dict[str, tuple[RunRecord, str]] = {}
    first_failure: dict[str, RunRecord | None] = {}
    for run in schedule.runs:
        outcome = run.effective_outcome(alive)
        if outcome in ("running", "stopped"):
            continue
        latest[run.job] = (run, outcome)
        if outcome in FAILED_OUTCOMES:
            first_failure[run.job] = first_failure.get(run.job) or run
        else:
            first_failure[run.job] = None
    candidates: list[Candidate] = []
    for job, (run, outcome) in sorted(latest.items()):
        key = f"failed:{job}"
        label = f"{job} refresh ({run.orchestrator})"
        if outcome in FAILED_OUTCOMES:
            since = (first_failure.get(job) or run).started_at
            send, reminder = _open_or_remind(memory, key, since, now, config.reminder)
            if send:
                where = f" at {run.failed_step}" if run.failed_step else ""
                alert = Alert(
                    FAILURE,
                    key,
                    f"{label} {outcome.upper()}{where}",
                    since,
                    _one_line(run.error or outcome),
                    _status_command(settings),
                    reminder,
                )
                candidates.append((alert, _sent(memory, key, now)))
        elif outcome == "succeeded":
            candidates += _recovered(
                settings,
                memory,
                key,
                now,
                f"{label} recovered: succeeded after failing for {{age}}",
            )
    return candidates


def _last_success(schedule: ScheduleState, source: str) -> datetime | None:
    times = [
        run.finished_at or run.started_at
        for run in schedule.runs
        if run.outcome == "succeeded" and source in run.sources
    ]
    job = schedule.jobs.get(source)
    if job is not None and job.last_success_started_at is not None:
        times.append(job.last_success_started_at)
    return max(times, default=None)


def _stale(
    settings: Settings,
    schedule: ScheduleState,
    now: datetime,
    memory: _Memory,
    config: AlertConfig,
) -> list[Candidate]:
    candidates: list[Candidate] = []
    for source, limit in sorted(config.stale_after.items()):
        last = _last_success(schedule, source)
        if last is None:  # never refreshed here: nothing to compare with
            continue
        key = f"stale:{source}"
        if now - last > limit:
            send, reminder = _open_or_remind(memory, key, last, now, config.reminder)
            if send:
                alert = Alert(
                    STALE,
                    key,
                    f"{source} is stale: no successful refresh for {describe_age(now - last)} "
                    f"(limit {describe_age(limit)})",
                    last,
                    f"the last successful {source} refresh was at {last.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
                    _status_command(settings),
                    reminder,
                )
                candidates.append((alert, _sent(memory, key, now)))
        else:
            candidates += _recovered(settings, memory, key, now, f"{source} is fresh again")
    return candidates


def _recovered(
    settings: Settings, memory: _Memory, key: str, now: datetime, what: str
) -> list[Candidate]:
    """The recovery of an open alert (said once, never reminded), `{age}` in `what` the time
    it was open; none when none is open."""
    since = _close(memory, key)
    if since is None:
        return []
    text = what.replace("{age}", describe_age(now - since))
    alert = Alert(RECOVERY, key, text, since, "", _status_command(settings))
    return [(alert, lambda: None)]


def _warnings(settings: Settings, memory: _Memory) -> list[Candidate]:
    run = load_run(settings.last_transform_file)
    if run is None or run.finished_at is None:
        return []
    current = {outcome.name: outcome.message for outcome in run.warned}
    since = run.started_at.replace(tzinfo=UTC)
    candidates: list[Candidate] = []
    for name, message in sorted(current.items()):
        if name in memory.warned:
            continue
        alert = Alert(
            WARNING,
            f"warning:{name}",
            f"new data test warning: {name}",
            since,
            _one_line(message),
            f"data-platform --data-folder {settings.data_folder} status "
            f"(failing rows: {settings.dbt_logs_folder}/dbt.log; docs/data-quality.md)",
        )

        def remember(name: str = name) -> None:
            memory.warned.add(name)

        candidates.append((alert, remember))
    # A warning that stopped warning is forgotten: if it warns again, that is new again.
    memory.warned &= set(current)
    return candidates


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _read(settings: Settings) -> _Memory:
    try:
        document = json.loads(settings.alerts_state_file.read_text(encoding="utf-8"))
        return _Memory(open=dict(document["open"]), warned=set(document["warned"]))
    except (OSError, ValueError, KeyError, TypeError):
        return _Memory()  # none yet, or unreadable: start afresh (at worst, an alert again)


def _write(settings: Settings, memory: _Memory) -> None:
    document = {"open": memory.open, "warned": sorted(memory.warned)}
    with atomic_path(settings.alerts_state_file) as temporary:
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
