"""Which kept publications expire, and expiring them without touching one a reader has open.

The default keeps every publication for 7 days, the last one of each UTC day for 90 days, and
for ever the ones marked kept (`keep_forever`: a month close) and the current one. Sized for a
year of hourly refreshes at scale 100 (docs/publishing.md). Both windows are configurable with
DATA_PLATFORM_KEEP_ALL_DAYS and DATA_PLATFORM_KEEP_DAILY_DAYS.

A reader of a kept publication holds a shared `flock` on its folder while it reads
(storage/versions.py); expiry takes an exclusive one without waiting and skips a busy folder:
the next expiry removes it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.settings import Settings
from jump.data_platform.storage.publish import MANIFEST, current_publication_id, kept_forever

KEEP_ALL_DAYS_ENV_VAR = "DATA_PLATFORM_KEEP_ALL_DAYS"
KEEP_DAILY_DAYS_ENV_VAR = "DATA_PLATFORM_KEEP_DAILY_DAYS"


@dataclass(frozen=True)
class Retention:
    keep_all_days: float = 7
    keep_daily_days: float = 90

    @classmethod
    def from_environment(cls) -> Retention:
        try:
            return cls(
                float(os.environ.get(KEEP_ALL_DAYS_ENV_VAR, cls.keep_all_days)),
                float(os.environ.get(KEEP_DAILY_DAYS_ENV_VAR, cls.keep_daily_days)),
            )
        except ValueError as error:
            raise DataPlatformError(
                f"{KEEP_ALL_DAYS_ENV_VAR} and {KEEP_DAILY_DAYS_ENV_VAR} must be numbers of days: "
                f"{error}"
            ) from error


def kept_publications(settings: Settings) -> dict[int, dt.datetime]:
    """The publications kept on disk (a complete folder, with its manifest): id -> instant."""
    found: dict[int, dt.datetime] = {}
    folder = settings.publications_folder
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        if not path.name.isdigit() or not (path / MANIFEST).is_file():
            continue
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        found[int(path.name)] = dt.datetime.fromisoformat(manifest["published_at"])
    return found


def to_expire(
    published: dict[int, dt.datetime],
    now: dt.datetime,
    retention: Retention,
    forever: set[int],
) -> list[int]:
    """The ids that the policy no longer keeps (the newest is always kept)."""
    if not published:
        return []
    keep = set(forever) | {max(published)}
    last_of_day: dict[dt.date, int] = {}
    for publication_id, instant in published.items():
        day = instant.date()
        if publication_id > last_of_day.get(day, -1):
            last_of_day[day] = publication_id
    for publication_id, instant in published.items():
        age = now - instant
        if age <= dt.timedelta(days=retention.keep_all_days) or (
            age <= dt.timedelta(days=retention.keep_daily_days)
            and last_of_day[instant.date()] == publication_id
        ):
            keep.add(publication_id)
    return sorted(set(published) - keep)


def expire_publications(
    settings: Settings, now: dt.datetime | None = None, retention: Retention | None = None
) -> tuple[list[int], list[int]]:
    """Remove the kept publications the policy no longer keeps; return (expired, busy): those
    a reader had open are left for the next time. Runs in the writer (it reads the marks of
    `keep_forever` in the writer's file)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    retention = retention or Retention.from_environment()
    with open_lakehouse(settings.writer_lakehouse_file, read_only=True) as connection:
        forever = kept_forever(connection)
        current = current_publication_id(connection)
    if current is not None:
        forever.add(current)
    expired: list[int] = []
    busy: list[int] = []
    for publication_id in to_expire(kept_publications(settings), now, retention, forever):
        folder = settings.publication_folder(publication_id)
        if _remove_unless_open(folder):
            expired.append(publication_id)
        else:
            busy.append(publication_id)
    return expired, busy


def _remove_unless_open(folder: Path) -> bool:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        # Renamed away first: a reader arriving now no longer finds it (not half of it).
        doomed = folder.with_name(f".{folder.name}.{os.getpid()}.tmp.expired")
        folder.rename(doomed)
    finally:
        os.close(descriptor)
    shutil.rmtree(doomed, ignore_errors=True)
    return True
