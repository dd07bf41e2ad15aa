"""The scheduled jobs: one per source, and the month close, each with a cron expression in a
time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from jump.data_platform.errors import DataPlatformError

DEFAULT_TIME_ZONE = "Europe/Paris"
# The specification's cadence: the App every hour (at minute 5), the CRM every day (06:00).
DEFAULT_CRONS: dict[str, str] = {"app": "5 * * * *", "crm": "0 6 * * *"}
TIME_ZONE_ENV_VAR = "DATA_PLATFORM_SCHEDULE_TIMEZONE"
# The month close (docs/publishing.md#month-close): on the 5th at 07:00, the month before is
# closed, once late invoices had four days to arrive. `off` turns the job off.
CLOSE_JOB = "close"
DEFAULT_CLOSE_CRON = "0 7 5 * *"
JOB_OFF = "off"


def cron_env_var(job: str) -> str:
    """`DATA_PLATFORM_SCHEDULE_APP`: the environment variable that sets a job's cron."""
    return f"DATA_PLATFORM_SCHEDULE_{job.upper()}"


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its name (the source it refreshes, or `close`), cron expression, time
    zone."""

    name: str
    cron: str
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def is_close(self) -> bool:
        return self.name == CLOSE_JOB

    @property
    def sources(self) -> tuple[str, ...]:
        return () if self.is_close else (self.name,)

    def counts_from(
        self, last_success_started: datetime | None, registered: datetime | None
    ) -> datetime | None:
        """Since when the job's fire times count (see `is_due`): its last success; for a close
        that never succeeded, its registration (a refresh never run is due at once; a close
        never catches up on months from before the scheduler knew it)."""
        if last_success_started is None and self.is_close:
            return registered
        return last_success_started

    def last_fire_time(self, now: datetime) -> datetime | None:
        """The latest fire time at or before `now` (within the last year)."""
        fire, last = self.next_fire_time(now - timedelta(days=366)), None
        while fire is not None and fire <= now:
            last, fire = fire, self.next_fire_time(fire)
        return last

    def trigger(self) -> CronTrigger:
        return cron_trigger(self.cron, self.time_zone, f"the {self.name} job")

    def next_fire_time(self, after: datetime) -> datetime | None:
        """The first fire time strictly after `after`."""
        fire: datetime | None = self.trigger().get_next_fire_time(
            None, after + timedelta(microseconds=1)
        )
        return fire

    def is_due(self, last_success_started: datetime | None, now: datetime) -> bool:
        """Due: it never succeeded, or one of its fire times lies after the start of its last
        successful run and not after `now`. A failed or missed run thus stays due until a run
        succeeds: the next tick (or the next `--once`) retries it."""
        if last_success_started is None:
            return True
        fire = self.next_fire_time(last_success_started)
        return fire is not None and fire <= now


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DataPlatformError(
            f"unknown time zone {name!r} (--timezone or {TIME_ZONE_ENV_VAR}): "
            "use an IANA name such as Europe/Paris or UTC"
        ) from error


def cron_trigger(expression: str, zone: str, what: str) -> CronTrigger:
    """APScheduler's trigger for a five-field cron expression, or a one-line error."""
    tz = time_zone(zone)
    try:
        return CronTrigger.from_crontab(expression, timezone=tz)
    except ValueError as error:
        raise DataPlatformError(
            f"invalid cron expression {expression!r} for {what}: {error} "
            "(five fields: minute hour day-of-month month day-of-week)"
        ) from error


def job_specs(crons: dict[str, str], zone: str) -> dict[str, JobSpec]:
    """The jobs, each checked now so that a bad expression fails at start, not at run time."""
    specs = {
        name: JobSpec(name, cron.strip(), zone)
        for name, cron in crons.items()
        if not (name == CLOSE_JOB and cron.strip().lower() == JOB_OFF)
    }
    for spec in specs.values():
        spec.trigger()
    return specs
