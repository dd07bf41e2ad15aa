"""`data-platform transform`: build the staging, intermediate and marts layers with dbt."""

from __future__ import annotations

from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import project_dir_option
from jump.data_platform.cli.report import refresh_report
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.storage.writer import writer_lakehouse, writer_session
from jump.data_platform.tools.report_freshness import report_is_current
from jump.data_platform.transform.dbt_import import start_importing_dbt
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import run_transform
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.preflight import check_sources
from jump.data_platform.transform.progress import build_progress
from jump.data_platform.transform.summary import failure_message, print_summary


@click.command()
@click.option(
    "--layers",
    "layers",
    type=click.Choice(LAYERS),
    multiple=True,
    help="Layer to build, test and publish (repeatable); the others are read as "
    "published. Default: all of them.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild the incremental models whole (dbt's --full-refresh) instead of only what "
    "changed; the snapshots keep their history.",
)
@project_dir_option
@pass_run_context
def transform(
    run: RunContext, layers: tuple[str, ...], full_refresh: bool, project_dir: Path | None
) -> None:
    """Run `dbt build` (models and tests) and check the sources' freshness; publish the layers
    together only if every model built and every error-level test passed."""
    selected = [layer for layer in LAYERS if not layers or layer in layers]
    project = find_dbt_project(project_dir)
    if run.settings.engine == "spark":
        from jump.data_platform.transform.spark import run_spark_transform  # pyspark: if asked

        warehouse = run.settings.spark_warehouse_folder
        with run.reporter.step(f"Transforming {warehouse} ({', '.join(selected)}) with dbt-spark"):
            summary = run_spark_transform(run.settings, project, selected)
        print_summary(run.reporter, summary)
        if not summary.success:
            raise DataPlatformError(
                f"transform failed: {failure_message(summary)}; dbt's log is in "
                f"{run.settings.spark_dbt_logs_folder}"
            )
        return
    if full_refresh:  # it builds whatever changed: dbt imports while the sources are checked
        start_importing_dbt()
    # One writer's session for the build and the report: the report is written while the
    # publication is kept as Parquet (storage/publish.py: hand_over).
    with writer_session(run.settings, "transform"):
        lakehouse = writer_lakehouse(run.settings)
        check_sources(lakehouse)
        title = f"Transforming {lakehouse} ({', '.join(selected)}) with dbt"
        with build_progress(run.reporter, title) as on_event:
            summary = run_transform(
                run.settings, project, selected, full_refresh=full_refresh, on_event=on_event
            )
        print_summary(run.reporter, summary)
        if summary.up_to_date:
            run.reporter.info(
                "Nothing changed since the last publication (no source table, no file of the dbt "
                f"project): nothing rebuilt; readers keep {run.settings.lakehouse_file}"
            )
            if not report_is_current(run.settings):
                refresh_report(run.settings, run.reporter)
            return
        if not summary.success:
            raise DataPlatformError(
                f"transform failed: {failure_message(summary)}; nothing was published (readers "
                f"still see the previous {', '.join(selected)}); dbt's log is in "
                f"{run.settings.dbt_logs_folder}"
            )
        run.reporter.info(
            f"Published {', '.join(summary.layers)} as publication {summary.publication_id} in "
            f"{run.settings.lakehouse_file}"
        )
        refresh_report(run.settings, run.reporter)
