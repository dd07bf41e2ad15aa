"""`data-platform export`: one table or view of the lakehouse to a CSV, Parquet or Excel file."""

from __future__ import annotations

import functools
import sys
from datetime import datetime
from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import (
    ArgumentsThenOptions,
    escape_formulas_option,
    published_at_option,
)
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.storage.versions import open_publication
from jump.data_platform.tools.export import (
    FORMATS,
    STDOUT,
    Opener,
    check_output,
    export_relation,
    export_to_stdout,
    guess_format,
)
from jump.data_platform.tools.relations import find_relation


@click.command(cls=ArgumentsThenOptions)
@click.argument("relation")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Regular file to write, replaced only once the export is complete; - for CSV on stdout.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    help="Default: from the output's suffix (.csv, .parquet, .xlsx).",
)
@escape_formulas_option(default=True)
@published_at_option
@pass_run_context
def export(
    run: RunContext,
    relation: str,
    output: Path,
    file_format: str | None,
    escape_formulas: bool,
    published_at: int | datetime | None,
) -> None:
    """Export RELATION (a table or view, `schema.name`) of the lakehouse to a file.

    \b
        data-platform export marts.turnover_by_cohort --output cohorts.xlsx
    """
    run.require_duckdb("export")
    lakehouse = run.settings.lakehouse_file
    opener: Opener = functools.partial(open_lakehouse, lakehouse, read_only=True)
    if published_at is not None:
        opener = functools.partial(open_publication, run.settings, published_at)
    if output == STDOUT:
        if file_format not in (None, "csv"):
            raise click.BadParameter(
                f"-o - writes CSV to stdout; {file_format} needs a file", param_hint="'--output'"
            )
        with opener() as connection:
            found = find_relation(connection, relation, lakehouse)
        rows = export_to_stdout(lakehouse, found, sys.stdout, escape_formulas, opener)
        run.reporter.info(f"Exported {rows:,} row{'s' * (rows != 1)} of {found} to stdout")
        return
    output = check_output(run.settings, output)
    file_format = file_format or guess_format(output)
    with opener() as connection:
        found = find_relation(connection, relation, lakehouse)
    with run.reporter.step(f"Exporting {found} to {output} ({file_format})"):
        rows = export_relation(
            lakehouse,
            found,
            output,
            file_format,
            escape_formulas,
            warn=run.reporter.warning,
            opener=opener,
        )
    run.reporter.info(f"Exported {rows:,} row{'s' * (rows != 1)} of {found} to {output}")
