"""Close a month, or reopen it: the step behind `data-platform close` and the scheduler's close
job. One transaction records the event and, for a close, copies the month's figures from the
published marts and the invoices they were computed from.

Closing does not run the transform: the figures it copies are the ones readers see now, so
nothing they see changes. The next transform keeps them for that month whatever the App says
later (and lists any difference in marts.restatements); a reopening shows today's figures
again from the next transform on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jump.data_platform.close.figures import closed_marts, figures_query
from jump.data_platform.close.publication import current_publication, keep_closed_publication
from jump.data_platform.close.store import (
    CLOSE,
    FIGURES_TABLE,
    INVOICES_TABLE,
    REOPEN,
    MonthEvent,
    append_event,
    latest_events,
)
from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import open_lakehouse

_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
MONTH_FORMAT = "YYYY-MM"


def parse_month(text: str) -> dt.date:
    """`2026-11` -> 2026-11-01; ValueError naming the expected form otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match["month"]) <= 12:
        raise ValueError(f"{text!r} is not a month: use {MONTH_FORMAT}, for example 2026-11")
    return dt.date(int(match["year"]), int(match["month"]), 1)


def os_user() -> str:
    """Who runs the command, as the operating system knows them (a container may have no
    name for its user: then its uid)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


@dataclass(frozen=True)
class CloseResult:
    event: MonthEvent
    figures: int  # figures frozen (0 for a reopening)


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def close_month(
    lakehouse: Path, project_dir: Path, month: dt.date, by: str, at: dt.datetime
) -> CloseResult:
    """Freeze `month`: it must be complete in the published marts and not closed already."""
    marts = closed_marts(project_dir)
    label = _month_label(month)
    with _one_transaction(lakehouse, f"closing {label}") as connection:
        publication = current_publication(connection)
        if publication is None:
            raise DataPlatformError(
                f"cannot close {label}: no published marts in {lakehouse}; "
                "run `data-platform transform` first"
            )
        _check_complete(connection, month, label)
        current = latest_events(connection).get(month)
        if current is not None and current.action == CLOSE:
            raise DataPlatformError(
                f"{label} is already closed (on {current.event_at:%Y-%m-%d %H:%M} UTC by "
                f'{current.by}); reopen it first: close {label} --reopen --reason "..."'
            )
        event_id = append_event(connection, month, CLOSE, at, by, publication, None)
        connection.execute(
            f"insert into {FIGURES_TABLE}"
            " select ?, ?, mart, figure_key, measure, value from (" + figures_query(marts) + ")",
            [event_id, month, *[month] * sum(len(mart.measures) for mart in marts)],
        )
        connection.execute(
            f"insert into {INVOICES_TABLE}"
            " select ?, invoice_id, reference, freelancer_id, job_contract_id, issue_month,"
            " amount from intermediate.invoices where issue_month = ?",
            [event_id, month],
        )
        row = connection.execute(
            f"select count(*) from {FIGURES_TABLE} where event_id = ?", [event_id]
        ).fetchone()
        keep_closed_publication(connection, label)
    event = MonthEvent(event_id, month, CLOSE, at, by, publication, None)
    return CloseResult(event, int(row[0]) if row else 0)


def reopen_month(
    lakehouse: Path, month: dt.date, by: str, at: dt.datetime, reason: str
) -> CloseResult:
    """Reopen a closed month, recording why; its closed figures stay in the history."""
    label = _month_label(month)
    if not reason.strip():
        raise DataPlatformError(f'reopening {label} needs a reason: --reason "..."')
    with _one_transaction(lakehouse, f"reopening {label}") as connection:
        current = latest_events(connection).get(month)
        if current is None or current.action != CLOSE:
            raise DataPlatformError(f"{label} is not closed: there is nothing to reopen")
        publication = current_publication(connection)
        event_id = append_event(connection, month, REOPEN, at, by, publication, reason.strip())
    return CloseResult(MonthEvent(event_id, month, REOPEN, at, by, publication, reason), 0)


@contextlib.contextmanager
def _one_transaction(lakehouse: Path, doing: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer's lakehouse in one transaction: committed whole, or nothing recorded."""
    with open_lakehouse(lakehouse) as connection:
        connection.execute("begin transaction")
        try:
            yield connection
            connection.execute("commit")
        except BaseException as error:
            with contextlib.suppress(duckdb.Error):
                connection.execute("rollback")
            if isinstance(error, duckdb.Error):
                raise DataPlatformError(
                    f"{doing} in {lakehouse} failed, nothing was recorded: {first_line(error)}"
                ) from error
            raise


def _check_complete(connection: duckdb.DuckDBPyConnection, month: dt.date, label: str) -> None:
    """The month is in the published monthly turnover and complete (`is_complete`)."""
    try:
        row = connection.execute(
            "select is_complete from marts.monthly_turnover where month = ?", [month]
        ).fetchone()
    except duckdb.CatalogException as error:
        raise DataPlatformError(
            f"cannot close {label}: marts.monthly_turnover is not published; "
            "run `data-platform transform` first"
        ) from error
    if row is None:
        raise DataPlatformError(
            f"cannot close {label}: no such month in marts.monthly_turnover "
            "(it runs from the first invoice's month to the as-of month)"
        )
    if not row[0]:
        raise DataPlatformError(
            f"cannot close {label}: the month is not complete yet (is_complete is false until "
            "the as-of date reaches the next month)"
        )


def previous_month(today: dt.date) -> dt.date:
    """The month before the one `today` is in: the one a scheduled close closes."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)
