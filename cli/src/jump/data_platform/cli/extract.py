"""`data-platform extract`: simulate the App and the CRM into SQLite files."""

from __future__ import annotations

from datetime import date, datetime

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import selected_sources, sources_option
from jump.data_platform.sources.extract import extract_sources

# The simulated company lives in the Unix era: its timestamps count seconds from 1970.
EARLIEST_AS_OF = date(1970, 1, 1)
# Measured up to scale 1,000 (2.5 GiB at its peak, docs/benchmarks.md); memory grows with the
# scale, so far beyond it a run would only exhaust the machine.
MAX_SCALE = 10_000


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM-DD date from EARLIEST_AS_OF to 9999-12-31 (Python's last date)."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            parsed = datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date of the form YYYY-MM-DD", param, ctx)
        if parsed < EARLIEST_AS_OF:
            self.fail(
                f"{value} is before {EARLIEST_AS_OF}, the earliest date the simulation accepts",
                param,
                ctx,
            )
        return parsed


@click.command()
@sources_option("extract")
@click.option(
    "--as-of",
    type=IsoDate(),
    default=None,
    help="The simulated 'now': nothing is dated after it. Default: today.",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1, max=MAX_SCALE),
    default=1,
    show_default=True,
    help=f"Volume multiplier, 1 to {MAX_SCALE:,}: 1 is about 1,200 freelancers, 20 clients, "
    "5,000+ invoices; 1,000 needs about 2.5 GiB of memory.",
)
@pass_run_context
def extract(run: RunContext, sources: tuple[str, ...], as_of: date | None, scale: int) -> None:
    """Simulate the applications and write them as SQLite files in <data-folder>/sources."""
    results = extract_sources(
        run.settings, selected_sources(sources), as_of or date.today(), scale, reporter=run.reporter
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
