"""`data-platform backfill`: replay extract, load and snapshot over a period, then transform."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from jump.data_platform.backfill import STEPS, BackfillProgress, instants, period
from jump.data_platform.backfill import backfill as run_backfill
from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.interrupt import StepInterruptedError, caused_by_interrupt
from jump.data_platform.cli.options import SimulatedDay, project_dir_option, scale_option
from jump.data_platform.cli.transform import transform
from jump.data_platform.transform.dbt_project import find_dbt_project

# Measured: a year of daily steps at scale 1 in 151 s (docs/history.md), 0.41 s a step; a
# step's extract and load grow with the scale.
SECONDS_PER_STEP = 0.41
# More steps than this (about 7 minutes at scale 1) start only with --yes.
CONFIRM_ABOVE_STEPS = 1_000


class BackfillInterruptedError(StepInterruptedError):
    """Ctrl-C during a backfill: what was done, and where the next run resumes."""

    def __init__(self, progress: BackfillProgress) -> None:
        super().__init__("backfill")
        if progress.last is None:
            self.message = (
                "interrupted during backfill: no step was finished; the lakehouse is as it was "
                "(each load is one transaction)"
            )
            return
        self.message = (
            f"interrupted during backfill: {progress.done:,} of "
            f"{progress.total - progress.skipped:,} steps done, the last as of "
            f"{progress.last.isoformat()} (its extract and load are recorded; the layers were "
            "not transformed); run the same command again: it resumes after "
            f"{progress.last.isoformat()}"
        )


@click.command()
@click.option("--from", "first_day", type=SimulatedDay(), required=True, help="First day replayed.")
@click.option(
    "--to", "last_day", type=SimulatedDay(), required=True, help="Last day replayed, included."
)
@click.option(
    "--every",
    type=click.Choice(tuple(STEPS)),
    default="day",
    show_default=True,
    help="The cadence: one extract, load and snapshot at the end of every day or hour.",
)
@scale_option("Volume multiplier of the simulated applications (as for extract).")
@click.option(
    "--yes",
    is_flag=True,
    help=f"Start a backfill of more than {CONFIRM_ABOVE_STEPS:,} steps (its estimate is shown).",
)
@project_dir_option
@pass_run_context
@click.pass_context
def backfill(
    context: click.Context,
    run: RunContext,
    first_day: date,
    last_day: date,
    every: str,
    scale: int,
    yes: bool,
    project_dir: Path | None,
) -> None:
    """Give the lakehouse a history: at the end of every day (or hour) from --from to --to, in
    the company's time zone (Europe/Paris), extract the applications as of then, load what
    changed and take the dbt snapshots; then transform once. Run again after a stop, it resumes
    after the last step loaded."""
    run.require_duckdb("backfill")
    if last_day < first_day:
        raise click.UsageError(f"--to {last_day} is before --from {first_day}")
    project = find_dbt_project(project_dir)
    start, end = period(first_day, last_day, every)
    steps = sum(1 for _ in instants(start, end, every))
    estimate = _duration(steps * SECONDS_PER_STEP * scale)
    if steps > CONFIRM_ABOVE_STEPS and not yes:
        raise click.UsageError(
            f"backfill from {first_day} to {last_day} every {every} is {steps:,} steps, about "
            f"{estimate} at scale {scale}: give --yes to start it (more than "
            f"{CONFIRM_ABOVE_STEPS:,} steps need it)"
        )
    run.reporter.info(f"backfill: {steps:,} steps every {every}, about {estimate}")
    progress = BackfillProgress()
    try:
        run_backfill(
            run.settings,
            project,
            start,
            end,
            every,
            scale,
            reporter=run.reporter,
            progress_record=progress,
        )
    except BaseException as error:
        if caused_by_interrupt(error):
            raise BackfillInterruptedError(progress) from error
        raise
    context.invoke(transform, layers=(), full_refresh=False, project_dir=project)


def _duration(seconds: float) -> str:
    """An estimate as people say it: `40 s`, `12 min`, `15.0 hours`."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} hours"
