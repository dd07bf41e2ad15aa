"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from jump.data_platform.settings import SOURCE_NAMES

Command = TypeVar("Command", bound=Callable[..., Any])


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
