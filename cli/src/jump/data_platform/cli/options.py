"""Options that several commands share, declared once so that they read and behave alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.sources.contract import SOURCE_NAMES
from jump.data_platform.sources.timeline import FIRST_DAY
from jump.data_platform.storage.versions import parse_selector
from jump.data_platform.transform.dbt_project import PROJECT_ENV_VAR

Command = TypeVar("Command", bound=Callable[..., Any])

# The simulated company opens on its first day; 2099 bounds a history that grows without end.
EARLIEST_AS_OF = FIRST_DAY
LATEST_AS_OF = date(2099, 12, 31)
# Measured up to scale 1,000 (2.9 GiB at its peak, docs/benchmarks.md); memory grows with the
# scale, so far beyond it a run would only exhaust the machine.
MAX_SCALE = 10_000


def scale_option(help_text: str) -> Callable[[Command], Command]:
    """`--scale`, 1 to MAX_SCALE, for every command that extracts (extract, backfill,
    schedule): the same bounds everywhere."""
    return click.option(
        "--scale",
        type=click.IntRange(min=1, max=MAX_SCALE),
        default=1,
        show_default=True,
        help=help_text,
    )


def check_simulated_day(
    day: date, value: object, param: click.Parameter | None, ctx: click.Context | None
) -> None:
    """Fail the option unless `day` lies between the company's first day and 2099-12-31."""
    if not EARLIEST_AS_OF <= day <= LATEST_AS_OF:
        raise click.BadParameter(
            f"{value} is outside {EARLIEST_AS_OF} to {LATEST_AS_OF}: the simulated company "
            "opens on its first day, and a far future would take hours to simulate",
            ctx,
            param,
        )


class SimulatedDay(click.ParamType):  # type: ignore[type-arg]
    """A day of the simulated company: YYYY-MM-DD (or YYYYMMDD), within the extract's bounds."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a day of the form YYYY-MM-DD", param, ctx)
        check_simulated_day(day, value, param, ctx)
        return day


def escape_formulas_option(default: bool) -> Callable[[Command], Command]:
    """`--escape-formulas/--no-escape-formulas`: CSV text cells starting a formula (`=`, `+`,
    `-`, `@`, tab, carriage return) get a leading `'`, so a spreadsheet shows them as text."""
    return click.option(
        "--escape-formulas/--no-escape-formulas",
        default=default,
        show_default=True,
        help="CSV: put a ' before a text value starting with = + - @ (a spreadsheet would run "
        "it as a formula).",
    )


project_dir_option = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar=PROJECT_ENV_VAR,
    show_envvar=True,
    default=None,
    help="The dbt project. Default: the nearest dbt/ folder of the checkout or the image.",
)


def _publication(_context: click.Context, _parameter: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_selector(value)
    except DataPlatformError as error:
        raise click.BadParameter(error.message) from error


published_at_option = click.option(
    "--published-at",
    "published_at",
    metavar="ID|INSTANT",
    callback=_publication,
    help="Read the marts exactly as publication ID published them, or as they were published "
    "at INSTANT (UTC: 2026-11-30, 2026-11-30T18:00); `status` lists the recent ids.",
)


def sources_option(verb: str) -> Callable[[Command], Command]:
    """`--sources app|crm`, repeatable; no value means every application."""
    return click.option(
        "--sources",
        "sources",
        type=click.Choice(SOURCE_NAMES),
        multiple=True,
        help=f"Application to {verb} (repeatable). Default: all of them.",
    )


def selected_sources(sources: tuple[str, ...]) -> list[str]:
    """The applications named by `--sources`, in the platform's order; all when none is named."""
    return [name for name in SOURCE_NAMES if not sources or name in sources]


class ArgumentsThenOptions(click.Command):
    """A chained command whose options may follow its arguments: `export RELATION --output PATH`.

    In a chain, click stops a command's options at its first argument. This command reads its
    options after its arguments too, up to the next command's name (once its arguments are
    filled), so `export marts.x -o x.csv status` still runs `status` afterwards.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        group = ctx.parent.command if ctx.parent else None
        commands = set(group.list_commands(ctx)) if isinstance(group, click.Group) else set()
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
