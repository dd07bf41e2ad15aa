"""The state one CLI invocation shares between its chained commands."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings


@dataclass
class RunContext:
    settings: Settings
    reporter: Reporter = field(default_factory=Reporter)
    # A `transform` is among this invocation's commands: a step before it may start importing
    # dbt in the background (transform/dbt_import.py).
    transforms: bool = False

    def require_duckdb(self, command: str) -> None:
        """One line for a command that reads only the DuckDB lakehouse, run with --engine spark."""
        if self.settings.engine != "duckdb":
            raise DataPlatformError(
                f"`{command}` reads the DuckDB lakehouse only, not the Spark warehouse "
                f"{self.settings.spark_warehouse_folder}: run it without --engine spark, or "
                "use Spark's own tools (docs/engines.md)"
            )


pass_run_context = click.make_pass_decorator(RunContext)
