"""Options that several commands share, declared once so that they read and behave alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.sources.contract import SOURCE_NAMES
from jump.data_platform.storage.versions import parse_selector
from jump.data_platform.transform.dbt_project import PROJECT_ENV_VAR

Command = TypeVar("Command", bound=Callable[..., Any])

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
