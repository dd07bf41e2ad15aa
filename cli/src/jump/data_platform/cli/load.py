"""`data-platform load`: bring the lakehouse's `sources` schema to the SQLite sources' state."""

from __future__ import annotations

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import selected_sources, sources_option
from jump.data_platform.load.loader import load_sources
from jump.data_platform.transform.dbt_import import start_importing_dbt


@click.command()
@sources_option("load (the others' tables are kept)")
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Replace every table of the selected sources instead of applying only what changed "
    "(also accepts an extract older than the one loaded).",
)
@pass_run_context
def load(run: RunContext, sources: tuple[str, ...], full_refresh: bool) -> None:
    """Apply <data-folder>/sources/*.sqlite to the lakehouse's `sources` schema in one
    transaction (all or nothing): only the rows inserted, updated or deleted since the last
    load of the same history, or every table with --full-refresh or a new history (another
    seed or scale). Each load is recorded in `platform.loads`; an extract older than the
    loaded one is refused."""
    if run.settings.engine == "spark":
        from jump.data_platform.load.spark import load_sources_spark  # pyspark: only when asked

        load_sources_spark(run.settings, selected_sources(sources), reporter=run.reporter)
        return
    load_sources(
        run.settings,
        selected_sources(sources),
        reporter=run.reporter,
        full_refresh=full_refresh,
        # A load that writes mostly waits on DuckDB, which leaves the interpreter to dbt's
        # import for the transform that follows (the extract's simulation would be slowed by
        # as much as the import saves; a load with nothing to write takes a tenth of a second).
        on_write=start_importing_dbt if run.transforms else None,
    )
