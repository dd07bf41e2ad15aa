"""`data-platform status`: what the lakehouse holds, how fresh it is, how the last transform went."""

from __future__ import annotations

import json
import logging

import click
from rich.console import Console

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.tools.status import gather_status
from jump.data_platform.tools.status_report import (
    freshness_lines,
    render_status,
    status_as_json,
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
    """Show each layer's relations and row counts, the sources' freshness, and the outcome of
    the last transform. A missing lakehouse is reported, not an error."""
    run.require_duckdb("status")
    state = gather_status(run.settings)
    document = status_as_json(state)
    logger.info("status: %s", json.dumps(document))
    # The status is this command's result: printed on stdout even with --quiet.
    if output_format == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        render_status(state, Console(highlight=False, soft_wrap=True))
    for source in state.stale_sources:
        line = next(line for line in freshness_lines(state) if line.startswith(f"  {source}:"))
        run.reporter.warning(f"source {line.strip()}")
    if state.transform is not None and not state.transform.succeeded:
        run.reporter.warning(f"the last transform failed: {', '.join(state.transform.failed)}")
