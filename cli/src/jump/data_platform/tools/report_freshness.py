"""Whether the report is older than the marts readers see (a refresh stopped after its
transform, or a transform run without `report`): `status` says so, and the report's footer
names the publication it was built from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.settings import Settings
from jump.data_platform.transform.publish import Publication, read_publications


def report_built_at(report: Path) -> dt.datetime | None:
    """When the report file was written (UTC, naive like the publications), None if absent."""
    try:
        seconds = report.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)


def stale_report(report: Path, published: dict[str, Publication]) -> str | None:
    """One line when the report was written before the marts' last publication, else None."""
    built = report_built_at(report)
    marts = published.get("marts")
    if built is None or marts is None or marts.published_at <= built:
        return None
    return (
        f"the report {report} (written {built:%Y-%m-%d %H:%M:%S} UTC) is older than the last "
        f"publication of the marts ({marts.published_at:%Y-%m-%d %H:%M:%S} UTC): run "
        "`data-platform report`"
    )


def report_is_current(settings: Settings) -> bool:
    """Whether the report exists and was written after the last publication of the marts
    readers see: a transform that published nothing need not write it again (unless a killed
    run's publication, released by the next writer, never got its report)."""
    if report_built_at(settings.report_file) is None:
        return False
    try:
        with open_lakehouse(settings.lakehouse_file, read_only=True) as connection:
            published = read_publications(connection)
    except DataPlatformError:
        return False
    return stale_report(settings.report_file, published) is None
