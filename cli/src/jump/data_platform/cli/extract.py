"""`data-platform extract`: simulate the App and the CRM into SQLite files."""

from __future__ import annotations

from datetime import date, datetime

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import selected_sources, sources_option
from jump.data_platform.sources.as_of import now, parse_as_of
from jump.data_platform.sources.extract import extract_sources
from jump.data_platform.sources.timeline import FIRST_DAY

# The simulated company opens on its first day; 2099 bounds a history that grows without end.
EARLIEST_AS_OF = FIRST_DAY
LATEST_AS_OF = date(2099, 12, 31)
# Measured up to scale 1,000 (2.5 GiB at its peak, docs/benchmarks.md); memory grows with the
# scale, so far beyond it a run would only exhaust the machine.
MAX_SCALE = 10_000


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
        if not EARLIEST_AS_OF <= parsed.date() <= LATEST_AS_OF:
            self.fail(
                f"{value} is outside {EARLIEST_AS_OF} to {LATEST_AS_OF}: the simulated company "
                "opens on its first day, and a far future would take hours to simulate",
                param,
                ctx,
            )
        return parsed


@click.command()
@sources_option("extract")
@click.option(
    "--as-of",
    type=AsOf(),
    default=None,
    help="The simulated 'now' (Europe/Paris): rows created at or before it. A date means the "
    "whole day. Default: now.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1, max=MAX_SCALE),
    default=1,
    show_default=True,
    help=f"Volume multiplier, 1 to {MAX_SCALE:,}: 1 is about 1,200 freelancers, 330 clients, "
    "14,000 invoices by 2026-11; 1,000 needs about 2.5 GiB of memory.",
)
@pass_run_context
def extract(run: RunContext, sources: tuple[str, ...], as_of: datetime | None, scale: int) -> None:
    """Simulate the applications and write them as SQLite files in <data-folder>/sources."""
    results = extract_sources(
        run.settings, selected_sources(sources), as_of or now(), scale, reporter=run.reporter
    )
    run.reporter.table(
        "Extracted",
        ["file", "table", "rows"],
        [
            (str(result.path), table, f"{rows:,}")
            for result in results
            for table, rows in result.rows.items()
        ],
    )
