"""`data-platform load`: copy the SQLite sources into the lakehouse's `sources` schema."""

from __future__ import annotations

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.lakehouse.loader import load_sources
from jump.data_platform.settings import SOURCE_NAMES


@click.command()
@click.option(
    "--sources",
    "sources",
    type=click.Choice(SOURCE_NAMES),
    multiple=True,
    help="Application to load (repeatable). Default: all of them. The others' tables are kept.",
)
@pass_run_context
def load(run: RunContext, sources: tuple[str, ...]) -> None:
    """Copy <data-folder>/sources/*.sqlite into the lakehouse's `sources` schema, replacing
    the tables of the selected applications in one transaction (all or nothing)."""
    selected = [name for name in SOURCE_NAMES if not sources or name in sources]
    load_sources(run.settings, selected, reporter=run.reporter)
