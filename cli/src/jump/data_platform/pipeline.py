"""Refresh sources end to end: extract, load, transform, then the report.

The one refresh that `data-platform schedule` and the Dagster code location both run. It stops
only between steps (a load is one transaction, a transform a dbt build: neither is cut short),
and waits for a lakehouse that another process (a `query` shell, a manual `load`) holds.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import LakehouseLockedError
from jump.data_platform.load.loader import load_sources
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import SOURCE_NAMES, lakehouse_table
from jump.data_platform.sources.extract import extract_sources
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE
from jump.data_platform.storage.writer import (
    wait_for_background,
    writer_lakehouse,
    writer_session,
)
from jump.data_platform.tools.report import build_report
from jump.data_platform.tools.report_freshness import report_is_current
from jump.data_platform.transform.dbt_import import start_importing_dbt
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import run_transform
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.preflight import check_sources, source_columns
from jump.data_platform.transform.progress import build_progress
from jump.data_platform.transform.run_record import TransformRun
from jump.data_platform.transform.summary import failure_message

logger = logging.getLogger("jump.data_platform")

# The company's clock: an extract's as-of date is the date in Paris.
STEPS: tuple[str, ...] = ("extract", "load", "transform", "report")
Status = Literal["succeeded", "failed", "stopped"]
Result = TypeVar("Result")


class Stop(Protocol):
    """Asked to stop (SIGTERM, Ctrl-C): a refresh checks it between steps and while it waits."""

    def requested(self) -> bool: ...

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds`; True as soon as a stop is requested."""
        ...


class NeverStop:
    """A refresh run by hand or by Dagster: nothing asks it to stop, waits really wait."""

    def requested(self) -> bool:
        return False

    def wait(self, seconds: float) -> bool:
        time.sleep(seconds)
        return False


class _StopRequestedError(Exception):
    """Raised out of a wait for the lakehouse's lock when a stop is requested."""


@dataclass(frozen=True)
class RefreshOptions:
    scale: int = 1
    project_dir: Path | None = None  # the dbt project; None: found as `transform` finds it
    # How long a step waits for a lakehouse another process holds, checking every few seconds.
    lock_timeout: float = 600.0
    lock_retry_every: float = 5.0


@dataclass(frozen=True)
class RefreshOutcome:
    sources: tuple[str, ...]  # what was refreshed: the asked sources and any never loaded
    status: Status
    steps: tuple[str, ...]  # the steps completed, in order
    seconds: float
    error: str | None = None  # one line, when failed
    failed_step: str | None = None
    lock_waits: int = 0  # times a step found the lakehouse locked and waited
    rows_changed: int | None = None  # rows the load inserted, updated or deleted (None: no load)
    up_to_date: bool = False  # the transform found nothing changed: nothing was published

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def describe(self) -> str:
        """`succeeded in 12.3 s`, `FAILED after 2.0 s at load: <why>`, `stopped after load`."""
        if self.status == "succeeded":
            return f"succeeded in {self.seconds:.1f} s"
        if self.status == "stopped":
            where = f"after {self.steps[-1]}" if self.steps else "before extract"
            return f"stopped {where} ({self.seconds:.1f} s), as asked"
        return f"FAILED after {self.seconds:.1f} s at {self.failed_step}: {self.error}"


@dataclass
class _Run:
    settings: Settings
    reporter: Reporter
    options: RefreshOptions
    stop: Stop
    lock_waits: int = 0
    steps: list[str] = field(default_factory=list)
    rows_changed: int | None = None
    nothing_published: bool = False  # the transform found nothing changed: no new publication

    def waiting_for_lock(self, what: str, action: Callable[[], Result]) -> Result:
        """Run `action`; while the lakehouse is locked by another process, wait and retry."""
        waited = 0.0
        while True:
            try:
                return action()
            except DataPlatformError as error:
                if not is_lock_conflict(error) or waited >= self.options.lock_timeout:
                    raise
                self.lock_waits += 1
                self.reporter.warning(
                    f"{what}: {error.message.split(' (DuckDB')[0]}; waiting "
                    f"{self.options.lock_retry_every:g} s and retrying "
                    f"(waited {waited:g} s of {self.options.lock_timeout:g} s)"
                )
                if self.stop.wait(self.options.lock_retry_every):
                    raise _StopRequestedError from error
                waited += self.options.lock_retry_every


def is_lock_conflict(error: DataPlatformError) -> bool:
    """DuckDB's one-writer lock, as our own connections word it or as dbt reports it."""
    return isinstance(error, LakehouseLockedError) or "could not set lock" in error.message.lower()


def company_instant(as_of: datetime) -> datetime:
    """`as_of` in the company's time zone (a naive time is taken as Paris time): the extract's
    as-of instant, so that an hourly refresh sees the rows created before it."""
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=COMPANY_TIME_ZONE)
    return as_of.astimezone(COMPANY_TIME_ZONE)


def refresh(
    settings: Settings,
    sources: Sequence[str],
    as_of: datetime,
    reporter: Reporter | None = None,
    options: RefreshOptions | None = None,
    stop: Stop | None = None,
) -> RefreshOutcome:
    """Extract `sources` at `as_of`, load them, transform, then write the report. Never raises for a failed step: the outcome says what happened.

    A source the lakehouse has never loaded is refreshed too (the first run of the App's job
    also brings in the CRM): the transform needs both.
    """
    reporter = reporter or Reporter(quiet=True)
    run = _Run(settings, reporter, options or RefreshOptions(), stop or NeverStop())
    started = time.perf_counter()
    selected = tuple(name for name in SOURCE_NAMES if name in sources)
    status: Status = "succeeded"
    error: str | None = None
    current = "start"
    try:
        with contextlib.ExitStack() as writing:
            # One writer at a time: the refresh holds the writer's lock from its extract to
            # its report, so `status` can say which step runs (storage/writer.py).
            session = run.waiting_for_lock(
                "refresh", lambda: writing.enter_context(writer_session(settings, "start"))
            )
            selected = run.waiting_for_lock("refresh", lambda: _with_unloaded(settings, selected))
            for step in STEPS:
                if run.stop.requested():
                    status = "stopped"
                    break
                current = step
                # The report reads the readers' file: it runs while the publication is kept.
                with writer_session(settings, step, writes=step != "report"):
                    _run_step(run, step, selected, as_of)
                run.steps.append(step)
            current = "transform"  # the archive of its publication, which ran beside the report
            wait_for_background(session)
    except _StopRequestedError:
        status = "stopped"
    except DataPlatformError as failure:
        status, error = "failed", failure.message
    except Exception as failure:  # a bug or a crash of a library: recorded, the scheduler goes on
        logger.exception("refresh of %s failed", ", ".join(selected))
        status, error = "failed", f"{type(failure).__name__}: {first_line(failure)}"
    return RefreshOutcome(
        selected,
        status,
        tuple(run.steps),
        time.perf_counter() - started,
        error,
        current if status == "failed" else None,
        run.lock_waits,
        run.rows_changed,
        run.nothing_published,
    )


def extract_step(
    settings: Settings,
    sources: Sequence[str],
    as_of: datetime,
    scale: int = 1,
    reporter: Reporter | None = None,
) -> None:
    """The extract step of a refresh (Dagster's extract assets call it too)."""
    extract_sources(settings, sources, company_instant(as_of), scale, reporter, changes_only=True)


def load_step(
    settings: Settings,
    sources: Sequence[str],
    reporter: Reporter | None = None,
    options: RefreshOptions | None = None,
) -> None:
    """The load step, waiting for a lakehouse another process holds (Dagster's load assets)."""
    run = _Run(settings, reporter or Reporter(quiet=True), options or RefreshOptions(), NeverStop())
    run.waiting_for_lock("load", lambda: load_sources(settings, sources, run.reporter))


def _run_step(run: _Run, step: str, sources: Sequence[str], as_of: datetime) -> None:
    settings, reporter = run.settings, run.reporter
    if step == "extract":
        extract_step(settings, sources, as_of, run.options.scale, reporter)
    elif step == "load":
        loaded = run.waiting_for_lock(
            "load",
            # The transform follows: dbt imports while the load writes (the first refresh of a
            # process; later ones find it imported).
            lambda: load_sources(settings, sources, reporter, on_write=start_importing_dbt),
        )
        run.rows_changed = loaded.changed
    elif step == "transform":
        project = find_dbt_project(run.options.project_dir)
        run.waiting_for_lock("transform", lambda: check_sources(writer_lakehouse(settings)))
        with build_progress(reporter, "transform") as on_event:
            summary = run.waiting_for_lock(
                "transform",
                lambda: _checked(
                    run_transform(settings, project, LAYERS, on_event=on_event), settings
                ),
            )
        run.nothing_published = summary.up_to_date
        reporter.info(
            f"transform: {summary.models_built} models built, {summary.tests_passed} tests "
            f"passed, {len(summary.warned)} warned in {summary.seconds or 0:.1f} s"
            + (" (nothing changed)" if summary.up_to_date else "")
        )
    elif run.nothing_published and report_is_current(settings):
        reporter.info(f"report: {settings.report_file} (unchanged: nothing was published)")
    else:
        path = run.waiting_for_lock("report", lambda: build_report(settings))
        reporter.info(f"report: {path}")


def _checked(summary: TransformRun, settings: Settings) -> TransformRun:
    if not summary.success:
        raise DataPlatformError(
            f"transform failed: {failure_message(summary)}; dbt's log is in "
            f"{settings.dbt_logs_folder}"
        )
    return summary


def _with_unloaded(settings: Settings, sources: tuple[str, ...]) -> tuple[str, ...]:
    """`sources`, plus every source whose tables the lakehouse does not hold yet."""
    lakehouse = writer_lakehouse(settings)
    names = set(source_columns(lakehouse)) if lakehouse.is_file() else set()
    prefixes = {name: lakehouse_table(name, "") for name in SOURCE_NAMES}
    loaded = {s for s, prefix in prefixes.items() if any(n.startswith(prefix) for n in names)}
    return tuple(name for name in SOURCE_NAMES if name in sources or name not in loaded)
