"""`data-platform load`: copy the SQLite sources into the lakehouse's `sources` schema."""

from __future__ import annotations

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import selected_sources, sources_option
from jump.data_platform.load.loader import load_sources


@click.command()
@sources_option("load (the others' tables are kept)")
@pass_run_context
def load(run: RunContext, sources: tuple[str, ...]) -> None:
    """Copy <data-folder>/sources/*.sqlite into the lakehouse's `sources` schema, replacing
    the tables of the selected applications in one transaction (all or nothing)."""
    if run.settings.engine == "spark":
        from jump.data_platform.load.spark import load_sources_spark  # pyspark: only when asked

        load_sources_spark(run.settings, selected_sources(sources), reporter=run.reporter)
        return
    load_sources(run.settings, selected_sources(sources), reporter=run.reporter)
