"""`data-platform close 2026-11`: freeze a complete month in every monthly mart, or reopen it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import ArgumentsThenOptions, project_dir_option
from jump.data_platform.close.month_close import (
    MONTH_FORMAT,
    close_month,
    os_user,
    parse_month,
    reopen_month,
)
from jump.data_platform.storage.writer import mark_written, writer_session
from jump.data_platform.transform.dbt_project import find_dbt_project


def month_argument(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
    try:
        return parse_month(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@click.command(cls=ArgumentsThenOptions)
@click.argument("month", metavar=MONTH_FORMAT, callback=month_argument)
@click.option(
    "--reopen",
    is_flag=True,
    help="Reopen the closed month instead (needs --reason); its closed figures stay in the "
    "history, and the next transform shows today's figures again.",
)
@click.option("--reason", default=None, help="Why the month is reopened (recorded).")
@project_dir_option
@pass_run_context
def close(
    run: RunContext, month: dt.date, reopen: bool, reason: str | None, project_dir: Path | None
) -> None:
    """Close a complete month: freeze its figures in every monthly mart (monthly turnover,
    turnover by cohort, cumulative turnover, monthly NPS), recording who closed it, when, and
    from which publication. The figures are copied from the published marts, so readers see no
    change; every later transform keeps them for that month, and marts.restatements lists any
    that differ today. Chain `transform` to rebuild at once: `data-platform close 2026-11
    transform`."""
    run.require_duckdb("close")
    if reason is not None and not reopen:
        raise click.UsageError("--reason goes with --reopen (a close needs no reason)")
    if reopen and not (reason or "").strip():
        raise click.UsageError('--reopen needs --reason "..." (it is recorded)')
    # A close writes the writer's file, as load and transform do; readers get it at release.
    lakehouse = run.settings.writer_lakehouse_file
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    label = f"{month:%Y-%m}"
    if reopen:
        with writer_session(run.settings, "close", release=True):
            reopen_month(lakehouse, month, os_user(), now, reason or "")
            mark_written(run.settings)
        run.reporter.info(
            f"close: {label} reopened (reason recorded); the next transform shows today's "
            "figures for it"
        )
        return
    with writer_session(run.settings, "close", release=True):
        result = close_month(lakehouse, find_dbt_project(project_dir), month, os_user(), now)
        mark_written(run.settings)
    run.reporter.info(
        f"close: {label} closed by {result.event.by} at {now:%Y-%m-%d %H:%M:%S} UTC, "
        f"{result.figures} figures frozen from {result.event.publication}; the next transform "
        "keeps them and lists any later difference in marts.restatements"
    )
