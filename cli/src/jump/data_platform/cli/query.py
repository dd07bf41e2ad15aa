"""`data-platform query`: one read-only SQL statement, or an interactive shell."""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import datetime
from pathlib import Path

import click
import duckdb
from rich.console import Console

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import (
    ArgumentsThenOptions,
    escape_formulas_option,
    published_at_option,
)
from jump.data_platform.lakehouse import connect
from jump.data_platform.reporting import redact_sql
from jump.data_platform.storage.versions import open_publication
from jump.data_platform.tools.query import (
    FORMATS,
    execute_one,
    fetch_batches,
    render_table,
    write_csv,
    write_json,
)
from jump.data_platform.tools.shell import open_shell

logger = logging.getLogger("jump.data_platform")


@click.command(cls=ArgumentsThenOptions)
@click.argument("sql", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table for people; csv or json (on stdout) for scripts.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Rows shown in table format (csv and json print all).",
)
@escape_formulas_option(default=False)
@published_at_option
@pass_run_context
def query(
    run: RunContext,
    sql: str | None,
    output_format: str,
    max_rows: int,
    escape_formulas: bool,
    published_at: int | datetime | None,
) -> None:
    """Run one SQL statement on the lakehouse, read-only, and print its result.

    Without SQL, open an interactive SQL shell on the lakehouse (DuckDB's shell if the
    duckdb-cli package is installed), also read-only. With --published-at, the statement
    reads the marts of that kept publication.

    \b
        data-platform query "select * from marts.monthly_turnover"
    """
    run.require_duckdb("query")
    lakehouse = run.settings.lakehouse_file
    if sql is None and published_at is not None:
        raise click.UsageError(
            "--published-at needs a SQL statement (the shell reads the last publication)"
        )
    if sql is None:
        code = open_shell(lakehouse, Console(highlight=False, soft_wrap=True))
        if code:
            raise click.exceptions.Exit(code)
        return
    logger.info("query: %s", redact_sql(sql))
    with contextlib.ExitStack() as opened:
        if published_at is None:
            connection = opened.enter_context(
                contextlib.closing(connect(lakehouse, read_only=True))
            )
        else:
            connection = opened.enter_context(open_publication(run.settings, published_at))
        count = _run(run, connection, sql, lakehouse, output_format, max_rows, escape_formulas)
    if count is not None:
        run.reporter.info(f"{count} row{'s' * (count != 1)}")


def _run(
    run: RunContext,
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    lakehouse: Path,
    output_format: str,
    max_rows: int,
    escape_formulas: bool,
) -> int | None:
    """Print the statement's result; the number of rows, or None when nothing more is to say."""
    columns = execute_one(connection, sql, lakehouse)
    if columns is None:
        run.reporter.info("OK (the statement returns no rows)")
        return None
    if output_format == "csv":
        count = write_csv(
            columns, fetch_batches(connection, lakehouse), sys.stdout, escape_formulas
        )
    elif output_format == "json":
        count = write_json(columns, fetch_batches(connection, lakehouse), sys.stdout)
    else:
        rows = [
            row for batch in fetch_batches(connection, lakehouse, max_rows + 1) for row in batch
        ]
        render_table(columns, rows[:max_rows], Console(highlight=False, soft_wrap=True))
        count = len(rows)
        if count > max_rows:
            run.reporter.warning(
                f"showing the first {max_rows} rows only: raise --max-rows, "
                "or use --format csv or json for all of them"
            )
            return None
    return count
