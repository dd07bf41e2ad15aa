"""`backfill`: replay the platform's cadence over a past period, so a new lakehouse gets a history.

At each step (every day or every hour from `start` to `end`): extract the applications as of
that instant and load what changed. The dbt snapshots run whenever a load is about to overwrite
a version they have not recorded yet, and once at the end: the history they keep is the one a
snapshot after every load would keep (transform/unsnapshotted.py), for a few snapshots a year
instead of one a step. The transform runs once, at the end: the marts are built from the
sources and snapshots, whatever the number of steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.load.history import LOADS_TABLE, as_of_instant
from jump.data_platform.load.loader import load_sources
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.sources.as_of import end_of_day
from jump.data_platform.sources.contract import SOURCE_NAMES
from jump.data_platform.sources.extract import extract_sources
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE
from jump.data_platform.storage.writer import writer_session
from jump.data_platform.transform.snapshots import Snapshotter
from jump.data_platform.transform.unsnapshotted import UnsnapshottedVersions

STEPS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


@dataclass
class BackfillProgress:
    """How far a backfill got, kept up to date step by step, for a Ctrl-C to say so."""

    total: int = 0
    skipped: int = 0  # steps at or before what the lakehouse had already loaded
    done: int = 0
    last: datetime | None = None  # the as-of of the last step extracted and loaded


@dataclass(frozen=True)
class BackfillResult:
    steps: int
    changed_rows: int
    extract_seconds: float
    load_seconds: float
    snapshot_seconds: float
    seconds: float
    snapshots: int  # dbt snapshot runs


def period(first_day: date, last_day: date, every: str) -> tuple[datetime, datetime]:
    """The first and last as-of instants of a backfill of the days `first_day` to `last_day`.

    A day means what it means to `extract --as-of`: the whole of it, up to its last second
    (sources.as_of.end_of_day), in the company's time zone. Daily steps are the days' last
    seconds; hourly steps the hours' last seconds (00:59:59 to 23:59:59). Either way the last
    step is `extract --as-of last_day`.
    """
    end = end_of_day(last_day)
    if every == "day":
        return end_of_day(first_day), end
    return end_of_day(first_day).replace(hour=0), end


def step_label(instant: datetime, every: str) -> str:
    """How the progress bar names a step: the day, or the hour, it replays."""
    return instant.strftime("%Y-%m-%d" if every == "day" else "%Y-%m-%d %H:00-%H:59")


def instants(start: datetime, end: datetime, every: str) -> Iterator[datetime]:
    """The as-of instants from `start` to `end` included, `every` day or hour apart."""
    step = STEPS[every]
    instant = start
    while instant <= end:
        yield instant
        instant += step


def loaded_until(settings: Settings) -> datetime | None:
    """The as-of of the lakehouse's last load (the oldest of its sources), None before any:
    a backfill run again after a stop resumes after it (load refuses an older extract). Read
    from the writer's file: a stopped backfill's loads never reached readers."""
    lakehouse = settings.writer_lakehouse_file
    if not lakehouse.is_file():
        return None
    try:
        with open_lakehouse(lakehouse, read_only=True) as connection:
            rows = connection.execute(
                f"select as_of from {LOADS_TABLE} where as_of is not null "
                f"and load_id = (select max(load_id) from {LOADS_TABLE})"
            ).fetchall()
    except duckdb.Error:  # no load recorded yet
        return None
    instants = [as_of_instant(str(as_of)) for (as_of,) in rows]
    aware = [i if i.tzinfo else i.replace(tzinfo=COMPANY_TIME_ZONE) for i in instants]
    return min(aware, default=None)


def _extract(settings: Settings, instant: datetime, scale: int, reporter: Reporter) -> None:
    extract_sources(settings, SOURCE_NAMES, instant, scale, reporter=reporter, changes_only=True)


def backfill(
    settings: Settings,
    project_dir: Path,
    start: datetime,
    end: datetime,
    every: str,
    scale: int,
    reporter: Reporter | None = None,
    snapshot_every_step: bool = False,
    progress_record: BackfillProgress | None = None,
) -> BackfillResult:
    """Extract, load and snapshot at every instant of the period (the transform is the caller's).

    `snapshot_every_step`: a snapshot after each load, the reference the lazy schedule is
    tested against.
    """
    reporter = reporter or Reporter(quiet=True)
    quiet = Reporter(quiet=True)
    record = progress_record or BackfillProgress()
    steps = list(instants(start, end, every))
    record.total = len(steps)
    resume_after = loaded_until(settings)
    if resume_after is not None:
        steps = [instant for instant in steps if instant > resume_after]
        record.skipped = record.total - len(steps)
        if record.skipped:
            reporter.info(
                f"backfill: {record.skipped:,} steps up to {resume_after.isoformat()} were "
                "already loaded: resuming after them"
            )
    timings = {"extract": 0.0, "load": 0.0, "snapshot": 0.0}
    changed = 0
    taken = 0
    started = time.perf_counter()
    progress = Progress(
        TextColumn("backfill {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=reporter.quiet,
        transient=True,
    )
    with (
        writer_session(settings, "backfill", release=True),
        progress,
        Snapshotter(settings, project_dir) as snapshots,
    ):
        versions = UnsnapshottedVersions(settings, snapshots.source_tables)

        def snapshot() -> None:
            nonlocal taken
            snapshots.take()
            versions.snapshotted()
            taken += 1

        task = progress.add_task("", total=len(steps))
        for instant in steps:
            progress.update(task, description=step_label(instant, every))
            clock = time.perf_counter()
            _extract(settings, instant, scale, quiet)
            timings["extract"] += time.perf_counter() - clock
            clock = time.perf_counter()
            coming = versions.coming()
            if versions.would_be_lost(coming):
                snapshot()
            timings["snapshot"] += time.perf_counter() - clock
            clock = time.perf_counter()
            loaded = load_sources(settings, SOURCE_NAMES, reporter=quiet)
            versions.loaded(coming)
            record.done, record.last = record.done + 1, instant
            changed += loaded.changed
            timings["load"] += time.perf_counter() - clock
            if snapshot_every_step and versions.any:
                clock = time.perf_counter()
                snapshot()
                timings["snapshot"] += time.perf_counter() - clock
            progress.advance(task)
        clock = time.perf_counter()
        if versions.any:
            snapshot()
        timings["snapshot"] += time.perf_counter() - clock
    result = BackfillResult(
        len(steps),
        changed,
        timings["extract"],
        timings["load"],
        timings["snapshot"],
        time.perf_counter() - started,
        taken,
    )
    reporter.info(
        f"backfill: {result.steps} steps, {result.changed_rows:,} rows changed, in "
        f"{result.seconds:.1f} s (extract {result.extract_seconds:.1f} s, load "
        f"{result.load_seconds:.1f} s, {result.snapshots} snapshots {result.snapshot_seconds:.1f} s)"
    )
    return result
