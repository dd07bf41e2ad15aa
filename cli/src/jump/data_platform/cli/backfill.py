"""`data-platform backfill`: replay extract, load and snapshot over a period, then transform."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from jump.data_platform.backfill import STEPS, period
from jump.data_platform.backfill import backfill as run_backfill
from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.extract import MAX_SCALE
from jump.data_platform.cli.options import project_dir_option
from jump.data_platform.cli.transform import transform
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.transform.dbt_project import find_dbt_project


@click.command()
@click.option(
    "--from",
    "first_day",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day replayed (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "last_day",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Last day replayed (YYYY-MM-DD), included.",
)
@click.option(
    "--every",
    type=click.Choice(tuple(STEPS)),
    default="day",
    show_default=True,
    help="The cadence: one extract, load and snapshot at the end of every day or hour.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1, max=MAX_SCALE),
    default=1,
    show_default=True,
    help="Volume multiplier of the simulated applications (as for extract).",
)
@project_dir_option
@pass_run_context
@click.pass_context
def backfill(
    context: click.Context,
    run: RunContext,
    first_day: datetime,
    last_day: datetime,
    every: str,
    scale: int,
    project_dir: Path | None,
) -> None:
    """Give the lakehouse a history: at the end of every day (or hour) from --from to --to, in
    the company's time zone (Europe/Paris), extract the applications as of then, load what
    changed and take the dbt snapshots; then transform once."""
    run.require_duckdb("backfill")
    if last_day < first_day:
        raise DataPlatformError(f"--to {last_day:%Y-%m-%d} is before --from {first_day:%Y-%m-%d}")
    project = find_dbt_project(project_dir)
    start, end = period(first_day.date(), last_day.date(), every)
    run_backfill(run.settings, project, start, end, every, scale, reporter=run.reporter)
    context.invoke(transform, layers=(), full_refresh=False, project_dir=project)
