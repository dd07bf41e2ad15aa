"""`data-platform export`: one table or view of the lakehouse to a CSV, Parquet or Excel file."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import ArgumentsThenOptions, published_at_option
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.storage.versions import open_publication
from jump.data_platform.tools.export import (
    FORMATS,
    Opener,
    check_output,
    export_relation,
    guess_format,
)
from jump.data_platform.tools.relations import find_relation


@click.command(cls=ArgumentsThenOptions)
@click.argument("relation")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; replaced only once the export is complete.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    help="Default: from the output's suffix (.csv, .parquet, .xlsx).",
)
@published_at_option
@pass_run_context
def export(
    run: RunContext,
    relation: str,
    output: Path,
    file_format: str | None,
    published_at: int | datetime | None,
) -> None:
    """Export RELATION (a table or view, `schema.name`) of the lakehouse to a file.

    \b
        data-platform export marts.turnover_by_cohort --output cohorts.xlsx
    """
    run.require_duckdb("export")
    check_output(run.settings, output)
    file_format = file_format or guess_format(output)
    lakehouse = run.settings.lakehouse_file
    opener: Opener = functools.partial(open_lakehouse, lakehouse, read_only=True)
    if published_at is not None:
        opener = functools.partial(open_publication, run.settings, published_at)
    with opener() as connection:
        found = find_relation(connection, relation, lakehouse)
    with run.reporter.step(f"Exporting {found} to {output} ({file_format})"):
        rows = export_relation(lakehouse, found, output, file_format, opener)
    run.reporter.info(f"Exported {rows:,} row{'s' * (rows != 1)} of {found} to {output}")
