"""`data-platform extract`: simulate the App and the CRM into SQLite files."""

from __future__ import annotations

from datetime import datetime

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import (
    MAX_SCALE,
    check_simulated_day,
    scale_option,
    selected_sources,
    sources_option,
)
from jump.data_platform.sources.as_of import now, parse_as_of
from jump.data_platform.sources.extract import extract_sources, release_history


class AsOf(click.ParamType):  # type: ignore[type-arg]
    """A date or a time, in the company's time zone (Europe/Paris) unless an offset is given."""

    name = "YYYY-MM-DD[THH:MM]"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = parse_as_of(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)
        check_simulated_day(parsed.date(), value, param, ctx)
        return parsed


@click.command()
@sources_option("extract")
@click.option(
    "--as-of",
    type=AsOf(),
    default=None,
    help="The simulated 'now' (Europe/Paris): rows created at or before it. A date "
    "(2025-06-30 or 20250630) means the whole day; a local time the clocks skip is refused, "
    "one they show twice is the first (summer time). Default: now.",
)
@scale_option(
    f"Volume multiplier, 1 to {MAX_SCALE:,}: 1 is about 1,200 freelancers, 330 clients, "
    "14,000 invoices by 2026-11; 1,000 needs about 3 GiB of memory."
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Write each file whole, even when it holds an earlier instant of the same history "
    "(which also repairs a row edited by hand).",
)
@pass_run_context
def extract(
    run: RunContext,
    sources: tuple[str, ...],
    as_of: datetime | None,
    scale: int,
    full_refresh: bool,
) -> None:
    """Simulate the applications and write them as SQLite files in <data-folder>/sources.
    A file holding an earlier instant of the same history (seed, scale) is brought forward:
    only the rows that changed since are written."""
    try:
        results = extract_sources(
            run.settings,
            selected_sources(sources),
            as_of or now(),
            scale,
            reporter=run.reporter,
            changes_only=not full_refresh,
        )
    finally:
        # Kept for the scheduler's next hourly extract; a command extracts once.
        release_history()
    run.reporter.table(
        "Extracted",
        ["file", "table", "rows"],
        [
            (str(result.path), table, f"{rows:,}")
            for result in results
            for table, rows in result.rows.items()
        ],
    )
