"""The scheduler's close job: on its day (by default the 5th, 07:00 Paris), close the month
before. Closing a month already closed is a success that does nothing, so that a retried or
coalesced run is harmless."""

from __future__ import annotations

import datetime as dt
import time

from jump.data_platform.close.month_close import close_month, os_user, previous_month
from jump.data_platform.close.store import closed_months
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.pipeline import RefreshOptions, RefreshOutcome
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.storage.writer import mark_written, writer_session
from jump.data_platform.transform.dbt_project import find_dbt_project

STEP = "close"


def scheduled_close(
    settings: Settings, fire_time: dt.datetime, reporter: Reporter, options: RefreshOptions
) -> RefreshOutcome:
    """Close the month before the one `fire_time` (in the job's time zone) falls in."""
    started = time.monotonic()
    month = previous_month(fire_time.date())
    label = f"{month:%Y-%m}"
    try:
        with writer_session(settings, "close", release=True):
            with open_lakehouse(settings.writer_lakehouse_file, read_only=True) as connection:
                already = month in closed_months(connection)
            if already:
                reporter.info(f"schedule: close: {label} is already closed, nothing to do")
            else:
                result = close_month(
                    settings.writer_lakehouse_file,
                    find_dbt_project(options.project_dir),
                    month,
                    f"{os_user()} (scheduler)",
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
                mark_written(settings)
                reporter.info(f"schedule: close: {label} closed, {result.figures} figures frozen")
    except DataPlatformError as error:
        return RefreshOutcome((), "failed", (), time.monotonic() - started, error.message, STEP)
    return RefreshOutcome((), "succeeded", (STEP,), time.monotonic() - started)
