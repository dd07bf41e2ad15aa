"""`data-platform schedule`: refresh the App hourly and the CRM daily, until stopped."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import project_dir_option, scale_option
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.pipeline import RefreshOptions
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import (
    CLOSE_JOB,
    DEFAULT_CLOSE_CRON,
    DEFAULT_CRONS,
    DEFAULT_TIME_ZONE,
    JOB_OFF,
    TIME_ZONE_ENV_VAR,
    cron_env_var,
    job_specs,
)
from jump.data_platform.schedule.log import start_scheduler_log
from jump.data_platform.schedule.runner import JobRunner, StopSignal
from jump.data_platform.schedule.service import SignalHandlers, run_once, scheduler_lock, serve

logger = logging.getLogger("jump.data_platform")


@click.command()
@click.option(
    "--app-cron",
    default=DEFAULT_CRONS["app"],
    show_default=True,
    envvar=cron_env_var("app"),
    show_envvar=True,
    help="When to refresh the App (cron: minute hour day-of-month month day-of-week).",
)
@click.option(
    "--crm-cron",
    default=DEFAULT_CRONS["crm"],
    show_default=True,
    envvar=cron_env_var("crm"),
    show_envvar=True,
    help="When to refresh the CRM (cron).",
)
@click.option(
    "--close-cron",
    default=DEFAULT_CLOSE_CRON,
    show_default=True,
    envvar=cron_env_var(CLOSE_JOB),
    show_envvar=True,
    help=f"When to close the month before (cron; `{JOB_OFF}`: never). A month already closed "
    "is left as it is (docs/publishing.md).",
)
@click.option(
    "--timezone",
    "time_zone",
    default=DEFAULT_TIME_ZONE,
    show_default=True,
    envvar=TIME_ZONE_ENV_VAR,
    show_envvar=True,
    help="Time zone of the cron expressions (IANA name).",
)
@click.option(
    "--once",
    is_flag=True,
    help="Run the jobs that are due (never succeeded, or a fire time passed since their last "
    "success), then exit: for cron or CI. Exits 1 if a refresh failed.",
)
@scale_option("Volume multiplier of each extract (as `extract --scale`).")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    help="Seconds a step waits for a lakehouse another process holds (a `query` shell, a "
    "manual `load`) before the run fails; it retries every 5 s meanwhile.",
)
@project_dir_option
@pass_run_context
def schedule(
    run: RunContext,
    app_cron: str,
    crm_cron: str,
    close_cron: str,
    time_zone: str,
    once: bool,
    scale: int,
    lock_timeout: float,
    project_dir: Path | None,
) -> None:
    """Refresh each source on its cron: extract it (as of now), load it, transform, then the
    report; and close the month before on its day (`close`). One run at a time; missed runs coalesce into one; a failed run is retried at the
    next tick. SIGTERM or Ctrl-C stops it between steps. `status` shows the schedule."""
    run.require_duckdb("schedule")
    jobs = job_specs({"app": app_cron, "crm": crm_cron, CLOSE_JOB: close_cron}, time_zone)
    stop = StopSignal()
    runner = JobRunner(
        run.settings,
        jobs,
        RefreshOptions(scale=scale, project_dir=project_dir, lock_timeout=lock_timeout),
        run.reporter,
        stop,
        # `--once` in a terminal: each step's progress line (the transform's nodes), not the
        # steps' tables; a long-running scheduler keeps its one line per run.
        step_reporter=Reporter(
            quiet=True, console=run.reporter.console, live=not run.reporter.quiet
        )
        if once
        else None,
    )
    with (
        scheduler_lock(run.settings.schedule_lock_file),
        SignalHandlers(stop, run.reporter.info).installed(),
    ):
        log = start_scheduler_log(run.settings.scheduler_log_file)
        logger.info(
            "schedule: PID %d, %s (log %s)", os.getpid(), "--once" if once else "service", log
        )
        if not once:
            serve(runner)
            return
        failed = [outcome for outcome in run_once(runner) if outcome.status == "failed"]
    if failed:
        raise DataPlatformError(
            "schedule --once: "
            + "; ".join(f"{', '.join(o.sources) or CLOSE_JOB} {o.describe()}" for o in failed)
        )
