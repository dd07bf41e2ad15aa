"""The `data-platform` group: global options, chained commands, and one-line errors."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from jump.data_platform import __version__
from jump.data_platform.cli.context import RunContext
from jump.data_platform.cli.interrupt import StepGroup
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.heap import skip_final_collection
from jump.data_platform.processes import stop_helper_processes
from jump.data_platform.reporting import (
    DEFAULT_KEEP_LOGS,
    KEEP_LOGS_ENV_VAR,
    Reporter,
    printable,
    redact,
    redact_sql,
    start_log_file,
)
from jump.data_platform.settings import (
    DEFAULT_DATA_FOLDER,
    DEFAULT_ENGINE,
    DEFAULT_RANDOM_SEED,
    ENGINES,
    MAX_RANDOM_SEED,
    Settings,
)

logger = logging.getLogger("jump.data_platform")
DATA_FOLDER_ENV_VAR = "DATA_PLATFORM_DATA_FOLDER"
# The commands that make a data folder; any other needs one already there (a mistyped
# --data-folder must not leave a new folder behind). `status` reports a missing one.
CREATES_DATA_FOLDER = ("extract", "backfill", "schedule")
REPORTS_MISSING_DATA_FOLDER = ("status",)


def data_folder_option(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """An exact one-line error for an empty path or a file, whichever way it was given."""
    source = ctx.get_parameter_source(param.name or "")
    given = (
        f"the environment variable {DATA_FOLDER_ENV_VAR}"
        if source is click.core.ParameterSource.ENVIRONMENT
        else "--data-folder"
    )
    if not str(value).strip():
        raise click.UsageError(f"{given} is empty: give the path of the data folder")
    folder = Path(value)
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(
            f"{given} names {folder}, which is a file: the data folder must be a folder"
        )
    return folder


# Each command's module, imported only when the command runs (or help lists it).
COMMANDS = {
    name: f"jump.data_platform.cli.{name}"
    for name in (
        "extract",
        "load",
        "transform",
        "query",
        "export",
        "status",
        "docs",
        "report",
        "schedule",
        "backfill",
        "close",
    )
}


@click.group(
    cls=StepGroup,
    lazy_commands=COMMANDS,
    chain=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--data-folder",
    type=click.Path(path_type=str),
    callback=data_folder_option,
    default=str(DEFAULT_DATA_FOLDER),
    show_default=True,
    envvar=DATA_FOLDER_ENV_VAR,
    show_envvar=True,
    help="Folder of the generated sources, the lakehouse, the logs and the docs.",
)
@click.option(
    "--random-seed",
    type=click.IntRange(0, MAX_RANDOM_SEED),
    default=DEFAULT_RANDOM_SEED,
    show_default=True,
    help=f"Seed of the simulated applications (0 to {MAX_RANDOM_SEED}): the same seed "
    "gives the same data.",
)
@click.option(
    "--keep-logs",
    type=click.IntRange(min=0),
    default=DEFAULT_KEEP_LOGS,
    show_default=True,
    envvar=KEEP_LOGS_ENV_VAR,
    show_envvar=True,
    help="Run logs kept in <data-folder>/logs, the oldest deleted first (0: write none).",
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
def cli(
    ctx: click.Context,
    data_folder: Path,
    random_seed: int,
    keep_logs: int,
    engine: str,
    quiet: bool,
) -> None:
    """Jump's data platform: extract the App and the CRM, load them into the DuckDB
    lakehouse, transform them with dbt.

    Commands chain and run in the order given, for example:

        data-platform extract load transform
    """
    arguments: list[str] = ctx.obj if isinstance(ctx.obj, list) else sys.argv[1:]
    settings = Settings(data_folder=data_folder, random_seed=random_seed, engine=engine)
    ctx.obj = RunContext(
        settings=settings, reporter=Reporter(quiet=quiet), transforms="transform" in arguments
    )
    # Asking for help runs nothing, so it leaves no log behind.
    asks_help = any(argument in ("--help", "-h") for argument in arguments)
    if ctx.invoked_subcommand is not None and not ctx.resilient_parsing and not asks_help:
        if not data_folder.is_dir() and not _may_run_without(data_folder, arguments):
            return
        log_file = start_log_file(settings.logs_folder, keep_logs)
        # A query's SQL is among the arguments: its literals may name a person.
        command_line = redact_sql(" ".join(arguments))
        logger.info("data-platform %s: %s (log %s)", __version__, command_line, log_file)


def _may_run_without(data_folder: Path, arguments: list[str]) -> bool:
    """Whether the commands may run while the data folder does not exist: True when one of
    them creates it; False (nothing written, no log) when they only report its absence; an
    error otherwise."""
    commands = {argument for argument in arguments if argument in COMMANDS}
    if commands & set(CREATES_DATA_FOLDER):
        return True
    if commands <= set(REPORTS_MISSING_DATA_FOLDER):
        return False
    raise click.BadParameter(
        f"no data folder {data_folder}: check the path, or create it with "
        "`data-platform extract` (only extract, backfill and schedule create one)",
        param_hint="'--data-folder'",
    )


def _quiet_cleanup(unraisable: sys.UnraisableHookArgs) -> None:
    """A file that failed to write (a full disk) fails again when the garbage collector closes
    it: that error was already reported in one line, so it is not printed again."""
    if not isinstance(unraisable.exc_value, OSError):
        sys.__unraisablehook__(unraisable)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the CLI and turn every user error into one line on stderr."""
    sys.unraisablehook = _quiet_cleanup
    # A log handler that cannot write (dbt's log on a full disk) must not print a traceback per
    # line: the run's own log says so once (reporting), and the step's error says why it failed.
    logging.raiseExceptions = False
    try:
        arguments = sys.argv[1:] if argv is None else argv
        # The arguments ride in `obj` so that the group can log them (and see a --help).
        cli.main(args=arguments, prog_name="data-platform", standalone_mode=False, obj=arguments)
    except click.exceptions.Exit as stop:
        return int(stop.exit_code)
    except click.ClickException as error:
        click.echo(f"Error: {printable(error.format_message())}", err=True)
        return error.exit_code
    except DataPlatformError as error:
        # A user error names a file, a row by its id or reference, never a person.
        message = printable(redact(error.message))
        logger.error("%s", message)
        click.echo(f"Error: {message}", err=True)
        return error.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):  # between steps, or in click itself
        click.echo("Error: interrupted", err=True)
        return 130
    finally:
        if argv is None:  # the process ends here (the console script): no process outlives it
            stop_helper_processes()
            skip_final_collection()
    return 0


if __name__ == "__main__":
    sys.exit(main())
