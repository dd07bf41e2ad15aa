"""Issue 24's goals, each against what one `make bench` run measured: met or missed.

The step benchmarks at scale 100 give the transform's and the load's ratios to their floors and
the steps' peak memory; `history_bench` (run by `make bench` when it reaches scale 100) gives
the full build chained (its time and peak memory), the hourly App refresh as three CLI calls and
as the scheduler runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

GOALS_SCALE = 100


@dataclass(frozen=True)
class Goal:
    name: str
    limit: float
    unit: str  # "x" (a ratio), "s" or "MiB"


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    measured: float | None  # None: not measured in this run

    @property
    def met(self) -> bool | None:
        return None if self.measured is None else self.measured < self.goal.limit

    @property
    def status(self) -> str:
        return {None: "not measured", True: "met", False: "**missed**"}[self.met]

    def row(self) -> str:
        goal = self.goal
        shown = ",.0f" if goal.unit == "MiB" else ".2f"
        measured = "—" if self.measured is None else f"{self.measured:{shown}} {goal.unit}"
        limit = f"{goal.limit:,.0f}" if goal.unit == "MiB" else f"{goal.limit:g}"
        return f"| {goal.name} | {measured} | under {limit} {goal.unit} | {self.status} |"


TRANSFORM_FLOOR = Goal("`transform --full-refresh` against the plain-SQL floor", 2.0, "x")
LOAD_SCANNER = Goal("full `load` against DuckDB's SQLite scanner", 1.2, "x")
PEAK_MEMORY = Goal("peak memory of a step or the chained build (1.2 GiB)", 1.2 * 1024, "MiB")
FULL_BUILD = Goal("full build, chained in one command", 15.0, "s")
THREE_CALLS = Goal("hourly App refresh as three CLI calls", 8.0, "s")
SCHEDULED_HOUR = Goal("hourly App refresh inside the scheduler", 3.0, "s")
NOTHING_CHANGED = Goal("scheduled refresh with nothing changed", 1.0, "s")

# What history_bench reports for each of its goals.
HISTORY_KEYS = {
    FULL_BUILD: "full_rebuild_one_process_seconds",
    THREE_CALLS: "hourly_refresh_seconds",
    SCHEDULED_HOUR: "scheduled_hourly_seconds_seconds",
    NOTHING_CHANGED: "scheduled_nothing_changed_seconds",
}

CHAINED_PEAK_KEY = "full_rebuild_one_process_peak_mib"


def evaluate(
    steps: Mapping[Goal, float], history: Mapping[str, float | int] | None
) -> list[GoalResult]:
    """Every goal with its measure: `steps` from the step benchmarks at scale 100 (the
    transform's and the load's ratios, the peak), `history` from history_bench (None: not run)."""
    results = [GoalResult(goal, steps.get(goal)) for goal in (TRANSFORM_FLOOR, LOAD_SCANNER)]
    for goal, key in HISTORY_KEYS.items():
        value = history.get(key) if history else None
        results.append(GoalResult(goal, None if value is None else float(value)))
    # The chained build (as `make` runs it) holds whatever one step leaves to the next.
    peaks = [steps.get(PEAK_MEMORY), history.get(CHAINED_PEAK_KEY) if history else None]
    measured = [float(peak) for peak in peaks if peak is not None]
    results.append(GoalResult(PEAK_MEMORY, max(measured) if measured else None))
    return results


def markdown(results: list[GoalResult], history: Mapping[str, float | int] | None) -> str:
    """The goals as a table, and what the hourly refresh changed and cost."""
    lines = [
        f"Issue 24's goals at scale {GOALS_SCALE}, measured in this same run:",
        "",
        "| goal | measured | limit | status |",
        "|---|---:|---|---|",
        *(result.row() for result in results),
    ]
    if history:
        lines += [
            "",
            f"The hourly refresh changed {int(history['hourly_changed_rows']):,} App rows in "
            f"{int(history['rows']):,} (`history_bench`, as of its own instant). As three "
            f"calls: extract {history['hourly_extract_seconds']:.2f} s, load "
            f"{history['hourly_load_seconds']:.2f} s, transform "
            f"{history['hourly_transform_seconds']:.2f} s. In the scheduler: extract "
            f"{history['scheduled_hourly_extract_seconds']:.2f} s, load "
            f"{history['scheduled_hourly_load_seconds']:.2f} s, transform "
            f"{history['scheduled_hourly_transform_seconds']:.2f} s, report "
            f"{history['scheduled_hourly_report_seconds']:.2f} s; then, while it waits for the "
            f"next hour, the heap settled in {history['scheduled_hourly_settle_seconds']:.2f} s "
            "(`heap.py`). The lakehouse after its mix "
            f"of full rebuilds and refreshes: {history['writer_lakehouse_per_sources']:.2f} x "
            "its sources (the goal of 1.5 x is for a month of hourly refreshes: `make "
            "bench-month`).",
        ]
    return "\n".join(lines) + "\n"
