"""Options that several commands share, declared once so that they read and behave alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from jump.data_platform.sources.contract import SOURCE_NAMES
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
