"""`data-platform transform`: build the staging, intermediate and marts layers with dbt."""

from __future__ import annotations

from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter
from jump.data_platform.transform.dbt_project import PROJECT_ENV_VAR, find_dbt_project
from jump.data_platform.transform.dbt_runner import (
    LAYERS,
    NodeOutcome,
    TransformSummary,
    log_folder,
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
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar=PROJECT_ENV_VAR,
    show_envvar=True,
    default=None,
    help="The dbt project. Default: the nearest dbt/ folder of the checkout or the image.",
)
@pass_run_context
def transform(run: RunContext, layers: tuple[str, ...], project_dir: Path | None) -> None:
    """Run `dbt build` (models and tests) and check the sources' freshness."""
    selected = [layer for layer in LAYERS if not layers or layer in layers]
    project = find_dbt_project(project_dir)
    lakehouse = run.settings.lakehouse_file
    check_sources(lakehouse)
    with run.reporter.step(f"Transforming {lakehouse} ({', '.join(selected)}) with dbt"):
        summary = run_transform(run.settings, project, selected)
    report(run.reporter, summary)
    if not summary.success:
        failed = [outcome.name for outcome in summary.failed_models + summary.failed_tests]
        raise DataPlatformError(
            f"transform failed: {len(failed)} model(s) or test(s) failed ({', '.join(failed)}); "
            f"dbt's log is in {log_folder(run.settings)}"
        )


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
    for node in summary.failed_models + summary.failed_tests:
        click.echo(f"Failed: {_describe(node)}", err=True)


def _describe(outcome: NodeOutcome) -> str:
    text = f"{outcome.name} ({outcome.status}): {outcome.message}"
    if outcome.sample:
        text += "; first rows: " + " | ".join(outcome.sample)
    return text
