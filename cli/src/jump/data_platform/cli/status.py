"""`data-platform status`: what the lakehouse holds, how fresh it is, how the last transform went."""

from __future__ import annotations

import json
import logging

import click
from rich.console import Console

from jump.data_platform.cli.context import RunContext, pass_run_context
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
@pass_run_context
def status(run: RunContext, output_format: str) -> None:
    """Answer first (fresh or not, the last refresh, what is running now), then each layer's
    relations and row counts, the sources' loads, the outcome of the last transform (even one
    that failed or was killed) and which transform published the layers readers see. Times
    are in the company's time zone (Europe/Paris). A missing lakehouse is reported, not an
    error."""
    run.require_duckdb("status")
    state = gather_status(run.settings)
    document = status_as_json(state)
    document["schedule"] = schedule_as_json(run.settings)
    logger.info("status: %s", json.dumps(document))
    # The status is this command's result: printed on stdout even with --quiet.
    if output_format == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        render_status(state, console)
        for line in schedule_lines(run.settings):
            console.print(line, markup=False)
    for source in state.stale_sources:
        line = next(line for line in freshness_lines(state) if line.startswith(f"  {source}:"))
        run.reporter.warning(f"source {line.strip()}")
    warning = transform_warning(state)
    if warning:
        run.reporter.warning(warning)
    for line in failed_jobs(run.settings):
        run.reporter.warning(line)
