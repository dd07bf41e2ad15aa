"""The `extract` step: simulate the selected applications and write their SQLite files."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.sources.app.app import (
    AppHistory,
    app_tables,
    simulate_app,
    simulate_app_history,
)
from jump.data_platform.sources.app.schema import APP_INDEXES, APP_SCHEMA
from jump.data_platform.sources.crm.crm import simulate_crm
from jump.data_platform.sources.crm.schema import CRM_SCHEMA
from jump.data_platform.sources.metadata import (
    GENERATOR_VERSION,
    METADATA_SCHEMA,
    METADATA_TABLE,
    metadata_table,
)
from jump.data_platform.sources.people import simulate_people
from jump.data_platform.sources.sqlite_update import (
    PreviousExtract,
    previous_extract,
    update_database,
)
from jump.data_platform.sources.sqlite_writer import write_database
from jump.data_platform.sources.timeline import Timeline
from jump.data_platform.sources.written_files import LastWritten, WrittenExtract

logger = logging.getLogger("jump.data_platform")

SIMULATORS = {
    "app": (simulate_app, APP_SCHEMA, APP_INDEXES),
    "crm": (simulate_crm, CRM_SCHEMA, ""),
}


class _MonthHistory:
    """One company's (seed, scale) history through one month: its people and App rows. What
    the App holds at an instant is this history cut at the instant (`app_tables`), so the
    extracts of one month share it."""

    def __init__(self, seed: int, scale: int, timeline: Timeline) -> None:
        self.key = (seed, scale, timeline.months)
        self._timeline = timeline  # any instant of the month simulates the same history
        self.people = simulate_people(seed, scale, timeline)

    @cached_property
    def app(self) -> AppHistory:
        seed, scale, _ = self.key
        return simulate_app_history(seed, scale, self._timeline, self.people)


class _LastHistory:
    """The history of the last extract of this process: the scheduler's hourly extracts (and
    backfill's steps) of one month simulate it once. One history at a time is kept."""

    history: _MonthHistory | None = None

    @classmethod
    def of(cls, seed: int, scale: int, timeline: Timeline) -> _MonthHistory:
        if cls.history is None or cls.history.key != (seed, scale, timeline.months):
            cls.history = None  # freed before the next one is simulated
            cls.history = _MonthHistory(seed, scale, timeline)
        return cls.history


def release_history() -> None:
    """Drop the month's history this process keeps for its next extract: a command that
    extracts once (`data-platform extract load transform`) would otherwise hold it through the
    steps that follow (0.2 GB at scale 100, about 2 GB at scale 1000)."""
    _LastHistory.history = None


class Simulation:
    """The applications of one company (seed, scale) as they stand at one as-of instant."""

    def __init__(self, seed: int, scale: int, as_of: datetime) -> None:
        self.seed, self.scale = seed, scale
        self.timeline = Timeline(as_of)
        self._history = _LastHistory.of(seed, scale, self.timeline)
        self.people = self._history.people

    def tables(self, source: str, since_second: int | None = None) -> dict[str, pa.Table]:
        """One application's tables, with its `extract_metadata`; with `since_second` (the App
        only), only the rows created or updated after that second (app.as_of_tables)."""
        if source == "app":
            tables = app_tables(
                self.seed, self.people, self._history.app, self.timeline, since_second
            )
        else:
            simulate, _, _ = SIMULATORS[source]
            tables = simulate(self.seed, self.scale, self.timeline, self.people)
        tables[METADATA_TABLE] = metadata_table(source, self.timeline, self.seed, self.scale)
        return tables

    def metadata(self, source: str) -> dict[str, object]:
        """The `extract_metadata` row of `source` at this instant."""
        row: dict[str, object] = metadata_table(
            source, self.timeline, self.seed, self.scale
        ).to_pylist()[0]
        return row


@dataclass(frozen=True)
class ExtractedSource:
    source: str
    path: Path
    rows: dict[str, int]
    seconds: float


def extract_sources(
    settings: Settings,
    sources: Sequence[str],
    as_of: datetime,
    scale: int,
    reporter: Reporter | None = None,
    changes_only: bool = False,
) -> list[ExtractedSource]:
    """Simulate each source at `as_of` and write `<data-folder>/sources/<source>.sqlite`.

    `as_of` is a timezone-aware instant (see as_of.parse_as_of): the rows created at or before it.
    With `changes_only` (the CLI's default, the scheduler's and backfill's extracts), a file
    holding an earlier extract of the same history (seed, scale, generator, tables) is brought
    forward by writing only the rows whose `(id, updated_at)` changed since; otherwise, or
    should that fail, the file is written anew (which also repairs a row edited by hand). A
    file this process brought to this very instant, untouched since, has nothing to write: it
    is left as it is. An App file this platform wrote, untouched since, is brought forward by
    the rows the simulation created or updated after its instant, without reading its keys
    or simulating its unchanged rows (`_changed_since`).
    """
    reporter = reporter or Reporter(quiet=True)
    simulation = Simulation(settings.random_seed, scale, as_of)
    results = []
    for source in sources:
        started = time.perf_counter()
        path = settings.source_file(source)
        known = LastWritten.of(path) if changes_only else None
        if known is not None and known.metadata == simulation.metadata(source):
            reporter.info(f"{path} already holds {source} as of {known.metadata['as_of']}")
            results.append(ExtractedSource(source, path, known.rows, 0.0))
            continue
        with reporter.step(f"Extracting {source} into {path}"):
            rows = _changed_since(path, source, simulation) if changes_only else None
            if rows is None:
                rows = _written_whole(path, source, simulation, changes_only)
        results.append(ExtractedSource(source, path, rows, time.perf_counter() - started))
    return results


def _written_whole(
    path: Path, source: str, simulation: Simulation, changes_only: bool
) -> dict[str, int]:
    """Cut the source's whole tables and write them, or, with `changes_only`, what changed in
    them (_brought_forward); returns the rows per table. The tables are freed on return,
    before the next source is simulated: the App's take 0.3 GB at scale 1000."""
    _, schema, indexes = SIMULATORS[source]
    tables = simulation.tables(source)
    if not (changes_only and _brought_forward(path, source, simulation, tables)):
        write_database(path, schema + METADATA_SCHEMA, tables, indexes)
        LastWritten.remember(path, tables)
    return {name: table.num_rows for name, table in tables.items()}


def _changed_since(path: Path, source: str, simulation: Simulation) -> dict[str, int] | None:
    """Bring the App's file forward by the rows created or updated since the instant it holds,
    when this platform wrote it (in any process) and nothing wrote it since, from the same
    history at an earlier instant: the App never deletes a row, and changes one only with its
    `updated_at` (timeline.py), so those rows are all that differs. Returns the file's rows
    per table; None when this does not apply (the keys are then compared)."""
    if source != "app":
        return None
    written = LastWritten.untouched(path)
    if written is None:
        return None
    # What this process remembers of the file, as _brought_forward does; else its own row.
    previous = LastWritten.of(path) or previous_extract(path)
    if previous is None:
        return None
    since = window_start(previous.metadata.get("as_of"), simulation.timeline)
    if since is None or not _same_history(previous, simulation):
        return None
    tables = simulation.tables(source, since_second=since)
    if previous.columns != {name: table.column_names for name, table in tables.items()}:
        return None
    try:
        update_database(path, tables, since=written)
    except DataPlatformError as error:
        logger.warning("%s; writing %s anew", error, source)
        return None
    known = LastWritten.of(path)
    return dict(known.rows) if known else None


def window_start(previous_as_of: object, timeline: Timeline) -> int | None:
    """The cutoff second of the instant a file holds (its `as_of`), when `timeline` cuts the
    history at that second or later; None otherwise. The history counts in local time: when
    the clocks go back, a later instant can come before an earlier one in local time (02:30
    summer time, then 02:10 winter time); rows would then have to go, which only a comparison
    of the keys finds."""
    try:
        instant = datetime.fromisoformat(str(previous_as_of))
    except ValueError:
        return None
    if instant.tzinfo is None:  # not an instant this platform wrote
        return None
    since = Timeline(instant).cutoff_second
    return since if since <= timeline.cutoff_second else None


def _same_history(previous: PreviousExtract | WrittenExtract, simulation: Simulation) -> bool:
    metadata = previous.metadata
    return (
        metadata.get("random_seed") == simulation.seed
        and metadata.get("scale") == simulation.scale
        and metadata.get("generator_version") == GENERATOR_VERSION
    )


def _brought_forward(
    path: Path, source: str, simulation: Simulation, tables: dict[str, pa.Table]
) -> bool:
    """Write only what changed into `path` if it holds an earlier extract of the same history
    with the expected tables; False when it does not (or the update failed: nothing changed)."""
    previous = LastWritten.of(path) or previous_extract(path)
    if previous is None:
        return False
    metadata = previous.metadata
    same_history = _same_history(previous, simulation) and previous.columns == {
        name: table.column_names for name, table in tables.items()
    }
    try:
        earlier = datetime.fromisoformat(str(metadata.get("as_of"))) <= simulation.timeline.as_of
    except (TypeError, ValueError):
        return False
    if not (same_history and earlier):
        return False
    try:
        update_database(path, tables)
    except DataPlatformError as error:
        logger.warning("%s; writing %s anew", error, source)
        return False
    return True
