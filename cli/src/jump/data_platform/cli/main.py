"""The `data-platform` group: global options, chained commands, and one-line errors."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from jump.data_platform import __version__
from jump.data_platform.cli.context import RunContext
from jump.data_platform.cli.docs import docs
from jump.data_platform.cli.export import export
from jump.data_platform.cli.extract import extract
from jump.data_platform.cli.load import load
from jump.data_platform.cli.query import query
from jump.data_platform.cli.status import status
from jump.data_platform.cli.transform import transform
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter, start_log_file
from jump.data_platform.settings import (
    DEFAULT_DATA_FOLDER,
    DEFAULT_ENGINE,
    DEFAULT_RANDOM_SEED,
    ENGINES,
    Settings,
)

logger = logging.getLogger("jump.data_platform")


@click.group(chain=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_FOLDER,
    show_default=True,
    envvar="DATA_PLATFORM_DATA_FOLDER",
    show_envvar=True,
    help="Folder of the generated sources, the lakehouse, the logs and the docs.",
)
@click.option(
    "--random-seed",
    type=int,
    default=DEFAULT_RANDOM_SEED,
    show_default=True,
    help="Seed of the simulated applications: the same seed gives the same data.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=DEFAULT_ENGINE,
    show_default=True,
    envvar="DATA_PLATFORM_ENGINE",
    show_envvar=True,
    help="Where load and transform build the lakehouse: DuckDB, or Apache Spark (docs/engines.md).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings, errors and results.")
@click.version_option(__version__, prog_name="data-platform")
@click.pass_context
def cli(ctx: click.Context, data_folder: Path, random_seed: int, engine: str, quiet: bool) -> None:
    """Jump's data platform: extract the App and the CRM, load them into the DuckDB
    lakehouse, transform them with dbt.

    Commands chain and run in the order given, for example:

        data-platform extract load transform
    """
    arguments: list[str] = ctx.obj if isinstance(ctx.obj, list) else sys.argv[1:]
    settings = Settings(data_folder=data_folder, random_seed=random_seed, engine=engine)
    ctx.obj = RunContext(settings=settings, reporter=Reporter(quiet=quiet))
    # Asking for help runs nothing, so it leaves no log behind.
    asks_help = any(argument in ("--help", "-h") for argument in arguments)
    if ctx.invoked_subcommand is not None and not ctx.resilient_parsing and not asks_help:
        log_file = start_log_file(settings.logs_folder)
        logger.info("data-platform %s: %s (log %s)", __version__, " ".join(arguments), log_file)


cli.add_command(extract)
cli.add_command(load)
cli.add_command(transform)
cli.add_command(query)
cli.add_command(export)
cli.add_command(status)
cli.add_command(docs)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the CLI and turn every user error into one line on stderr."""
    try:
        arguments = sys.argv[1:] if argv is None else argv
        # The arguments ride in `obj` so that the group can log them (and see a --help).
        cli.main(args=arguments, prog_name="data-platform", standalone_mode=False, obj=arguments)
    except click.exceptions.Exit as stop:
        return int(stop.exit_code)
    except click.ClickException as error:
        click.echo(f"Error: {error.format_message()}", err=True)
        return error.exit_code
    except DataPlatformError as error:
        logger.error("%s", error.message)
        click.echo(f"Error: {error.message}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Error: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Error: interrupted; files being written were left as they were", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
