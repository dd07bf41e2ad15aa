"""`data-platform status`: what the lakehouse holds, how fresh it is, how the last transform went."""

from __future__ import annotations

import json
import logging

import click
from rich.console import Console

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.tools.report_freshness import stale_report
from jump.data_platform.tools.run_history import render_runs, runs_as_json
from jump.data_platform.tools.schedule_status import (
    failed_jobs,
    schedule_as_json,
    schedule_lines,
)
from jump.data_platform.tools.status import gather_status
from jump.data_platform.tools.status_report import (
    freshness_lines,
    render_status,
    status_as_json,
    transform_warning,
)

logger = logging.getLogger("jump.data_platform")


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="table for people; json (on stdout) for scripts and monitoring.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also show the N newest scheduled or Dagster runs: start, end, outcome, duration, "
    "rows changed, publication.",
)
@pass_run_context
def status(run: RunContext, output_format: str, runs: int) -> None:
    """Answer first (fresh or not, the last refresh, what is running now), then each layer's
    relations and row counts, the sources' loads, the outcome of the last transform (even one
    that failed or was killed) and which transform published the layers readers see. Times
    are in the company's time zone (Europe/Paris). A missing lakehouse is reported, not an
    error."""
    run.require_duckdb("status")
    state = gather_status(run.settings)
    document = status_as_json(state)
    document["schedule"] = schedule_as_json(run.settings)
    report_warning = stale_report(run.settings.report_file, state.published)
    document["report_older_than_publication"] = report_warning is not None
    if runs:
        document["runs"] = runs_as_json(run.settings, runs)
    logger.info("status: %s", json.dumps(document))
    # The status is this command's result: printed on stdout even with --quiet.
    if output_format == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        render_status(state, console)
        for line in schedule_lines(run.settings):
            console.print(line, markup=False)
        if runs:
            render_runs(console, run.settings, runs)
    for source in state.stale_sources:
        line = next(line for line in freshness_lines(state) if line.startswith(f"  {source}:"))
        run.reporter.warning(f"source {line.strip()}")
    warning = transform_warning(state)
    if warning:
        run.reporter.warning(warning)
    for line in failed_jobs(run.settings):
        run.reporter.warning(line)
    if report_warning:
        run.reporter.warning(report_warning)
