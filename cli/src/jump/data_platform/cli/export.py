"""`data-platform export`: one table or view of the lakehouse to a CSV, Parquet or Excel file."""

from __future__ import annotations

from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.lakehouse import connect
from jump.data_platform.tools.export import FORMATS, export_relation, guess_format
from jump.data_platform.tools.relations import find_relation


class ArgumentsThenOptions(click.Command):
    """A chained command whose options may follow its arguments: `export RELATION --output PATH`.

    In a chain, click stops a command's options at its first argument. This command reads its
    options after its arguments too, up to the next command's name (once its arguments are
    filled), so `export marts.x -o x.csv status` still runs `status` afterwards.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        group = ctx.parent.command if ctx.parent else None
        commands = set(group.commands) if isinstance(group, click.Group) else set()
        takes_value = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        wanted = sum(1 for param in self.params if isinstance(param, click.Argument))
        seen, index = 0, 0
        while index < len(args):
            token = args[index]
            if token in takes_value:
                index += 2
                continue
            if not token.startswith("-"):
                if seen >= wanted and token in commands:
                    break
                seen += 1
            index += 1
        ctx.allow_interspersed_args = True
        rest = super().parse_args(ctx, args[:index])
        ctx.args = [*rest, *args[index:]]
        return ctx.args


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
@pass_run_context
def export(run: RunContext, relation: str, output: Path, file_format: str | None) -> None:
    """Export RELATION (a table or view, `schema.name`) of the lakehouse to a file.

    \b
        data-platform export marts.turnover_by_cohort --output cohorts.xlsx
    """
    run.require_duckdb("export")
    file_format = file_format or guess_format(output)
    lakehouse = run.settings.lakehouse_file
    connection = connect(lakehouse, read_only=True)
    try:
        found = find_relation(connection, relation, lakehouse)
        with run.reporter.step(f"Exporting {found} to {output} ({file_format})"):
            rows = export_relation(connection, found, output, file_format)
    finally:
        connection.close()
    run.reporter.info(f"Exported {rows:,} row{'s' * (rows != 1)} of {found} to {output}")
