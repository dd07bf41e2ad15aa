"""The month closes in the lakehouse's `platform` schema (beside `load`'s `platform.loads`).

- `platform.month_closes`: every close and reopening, appended, never changed: the history.
- `platform.closed_figures`: the figures each close froze, never changed.
- `platform.closed_invoices`: the invoices of the month as each close saw them, so that
  `marts.restatements` can name the App rows that changed since.

A month is closed while its latest event is a close. The dbt project reads these tables as the
source `platform` (dbt/macros/closed_figures.sql).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from jump.data_platform.lakehouse import table_exists
from jump.data_platform.load.history import PLATFORM_SCHEMA

CLOSES_TABLE = f"{PLATFORM_SCHEMA}.month_closes"
FIGURES_TABLE = f"{PLATFORM_SCHEMA}.closed_figures"
INVOICES_TABLE = f"{PLATFORM_SCHEMA}.closed_invoices"
CLOSE = "close"
REOPEN = "reopen"

_CREATE = (
    f"create schema if not exists {PLATFORM_SCHEMA}",
    f"""create table if not exists {CLOSES_TABLE} (
        event_id bigint primary key,
        month date not null,
        action varchar not null check (action in ('{CLOSE}', '{REOPEN}')),
        event_at timestamp not null,
        closed_by varchar not null,
        publication varchar,
        reason varchar
    )""",
    f"""create table if not exists {FIGURES_TABLE} (
        event_id bigint not null,
        month date not null,
        mart varchar not null,
        figure_key varchar not null,
        measure varchar not null,
        value decimal(18, 2)
    )""",
    f"""create table if not exists {INVOICES_TABLE} (
        event_id bigint not null,
        invoice_id bigint not null,
        reference varchar,
        freelancer_id bigint,
        job_contract_id bigint,
        issue_month date not null,
        amount decimal(18, 2) not null
    )""",
)


@dataclass(frozen=True)
class MonthEvent:
    """One close or reopening of a month."""

    event_id: int
    month: dt.date
    action: str
    event_at: dt.datetime
    by: str
    publication: str | None
    reason: str | None


def create_tables(connection: duckdb.DuckDBPyConnection) -> None:
    for statement in _CREATE:
        connection.execute(statement)


def month_events(connection: duckdb.DuckDBPyConnection) -> list[MonthEvent]:
    """Every close and reopening, oldest first; none before the first close."""
    if not table_exists(connection, CLOSES_TABLE):
        return []
    rows = connection.execute(
        "select event_id, month, action, event_at, closed_by, publication, reason"
        f" from {CLOSES_TABLE} order by event_id"
    ).fetchall()
    return [MonthEvent(*row) for row in rows]


def latest_events(connection: duckdb.DuckDBPyConnection) -> dict[dt.date, MonthEvent]:
    """Each month's latest event: the month is closed if it is a close."""
    latest: dict[dt.date, MonthEvent] = {}
    for event in month_events(connection):
        latest[event.month] = event
    return latest


def closed_months(connection: duckdb.DuckDBPyConnection) -> dict[dt.date, MonthEvent]:
    """The months closed now, with the close in force."""
    return {
        month: event for month, event in latest_events(connection).items() if event.action == CLOSE
    }


def append_event(
    connection: duckdb.DuckDBPyConnection,
    month: dt.date,
    action: str,
    at: dt.datetime,
    by: str,
    publication: str | None,
    reason: str | None,
) -> int:
    """Record an event (inside the caller's transaction); its id."""
    create_tables(connection)
    row = connection.execute(
        f"select coalesce(max(event_id), 0) + 1 from {CLOSES_TABLE}"
    ).fetchone()
    event_id = int(row[0]) if row else 1
    connection.execute(
        f"insert into {CLOSES_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [event_id, month, action, at, by, publication, reason],
    )
    return event_id
