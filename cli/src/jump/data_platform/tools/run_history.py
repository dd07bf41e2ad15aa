"""`status --runs N`: the newest runs of the scheduler and of Dagster, from the run history.

Read from the scheduler's state file alone (no lakehouse connection), like the schedule section.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from jump.data_platform.schedule.service import scheduler_running
from jump.data_platform.schedule.state import RunRecord, run_to_json
from jump.data_platform.settings import Settings
from jump.data_platform.tools.schedule_status import schedule_state

COLUMNS = (
    "run",
    "job",
    "started (UTC)",
    "ended (UTC)",
    "outcome",
    "seconds",
    "rows changed",
    "publication",
    "error",
)


def recent_runs(settings: Settings, limit: int) -> tuple[list[RunRecord], bool]:
    """The `limit` newest runs, newest first, and whether a scheduler runs now."""
    state, _ = schedule_state(settings)
    return list(reversed(state.runs))[:limit], scheduler_running(settings.schedule_lock_file)


def _utc(value: datetime | None) -> str:
    return "" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def run_rows(settings: Settings, limit: int) -> list[tuple[str, ...]]:
    """One row per run: id, job, start, end, outcome, seconds, rows changed, publication, error."""
    runs, alive = recent_runs(settings, limit)
    rows: list[tuple[str, ...]] = []
    for run in runs:
        outcome = run.effective_outcome(alive)
        rows.append(
            (
                str(run.run_id),
                f"{run.job} ({run.orchestrator})",
                _utc(run.started_at),
                _utc(run.finished_at),
                outcome + (f" at {run.failed_step}" if run.failed_step else ""),
                "" if outcome in ("running", "killed") else f"{run.seconds:.1f}",
                "" if run.rows_changed is None else f"{run.rows_changed:,}",
                run.publication_id or "",
                run.error or "",
            )
        )
    return rows


def runs_as_json(settings: Settings, limit: int) -> list[dict[str, Any]]:
    runs, alive = recent_runs(settings, limit)
    return [run_to_json(run) | {"outcome": run.effective_outcome(alive)} for run in runs]


def render_runs(console: Console, settings: Settings, limit: int) -> None:
    rows = run_rows(settings, limit)
    if not rows:
        console.print("Runs: none recorded yet", markup=False)
        return
    table = Table(title=f"Runs (the {limit} newest)", title_justify="left")
    for column in COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
