"""The state one CLI invocation shares between its chained commands."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings


@dataclass
class RunContext:
    settings: Settings
    reporter: Reporter = field(default_factory=Reporter)


pass_run_context = click.make_pass_decorator(RunContext)
