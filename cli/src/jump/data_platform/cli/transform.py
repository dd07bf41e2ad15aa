"""`data-platform transform`: build the staging, intermediate and marts layers with dbt."""

from __future__ import annotations

from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import project_dir_option
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import (
    LAYERS,
    NodeOutcome,
    TransformSummary,
    run_transform,
)
from jump.data_platform.transform.preflight import check_sources


@click.command()
@click.option(
    "--layers",
    "layers",
    type=click.Choice(LAYERS),
    multiple=True,
    help="Layer to build with its tests (repeatable). Default: all of them.",
)
@project_dir_option
@pass_run_context
def transform(run: RunContext, layers: tuple[str, ...], project_dir: Path | None) -> None:
    """Run `dbt build` (models and tests) and check the sources' freshness."""
    selected = [layer for layer in LAYERS if not layers or layer in layers]
    project = find_dbt_project(project_dir)
    if run.settings.engine == "spark":
        from jump.data_platform.transform.spark import run_spark_transform  # pyspark: if asked

        warehouse = run.settings.spark_warehouse_folder
        with run.reporter.step(f"Transforming {warehouse} ({', '.join(selected)}) with dbt-spark"):
            summary = run_spark_transform(run.settings, project, selected)
        logs = run.settings.spark_dbt_logs_folder
    else:
        lakehouse = run.settings.lakehouse_file
        check_sources(lakehouse)
        with run.reporter.step(f"Transforming {lakehouse} ({', '.join(selected)}) with dbt"):
            summary = run_transform(run.settings, project, selected)
        logs = run.settings.dbt_logs_folder
    report(run.reporter, summary)
    if not summary.success:
        raise DataPlatformError(f"transform failed: {_failures(summary)}; dbt's log is in {logs}")


def report(reporter: Reporter, summary: TransformSummary) -> None:
    """The summary table, then one line per stale source, warning and failure."""
    reporter.table(
        "Transformed",
        ["models built", "tests passed", "warned", "failed", "skipped", "seconds"],
        [
            (
                summary.models_built,
                summary.tests_passed,
                len(summary.warned_tests),
                len(summary.failed_models) + len(summary.failed_tests),
                summary.skipped,
                f"{summary.seconds:.2f}",
            )
        ],
    )
    for source in summary.stale_sources:
        reporter.warning(f"source {source.name} is stale: {source.message}")
    for test in summary.warned_tests:
        reporter.warning(_describe(test))
    failed = summary.failed_models + summary.failed_tests
    if len(failed) > 1:  # a single failure is described by the error line itself
        for node in failed:
            click.echo(f"Failed: {_describe(node)}", err=True)


def _failures(summary: TransformSummary) -> str:
    """What failed, for the one-line error: the failure itself when it is alone, else the names
    (each then has its own `Failed:` line above)."""
    failed = summary.failed_models + summary.failed_tests
    if len(failed) == 1:
        return _describe(failed[0])
    names = ", ".join(node.name for node in failed)
    return f"{len(failed)} model(s) or test(s) failed ({names})"


def _describe(outcome: NodeOutcome) -> str:
    text = f"{outcome.name} ({outcome.status}): {outcome.message}"
    if outcome.sample:
        text += "; first rows: " + " | ".join(outcome.sample)
    return text
