"""The platform through time: an hourly App refresh against a full rebuild, and backfill.

- full rebuild: `extract --full-refresh` (both applications, written whole) then
  `load --full-refresh` then `transform --full-refresh` (the incremental models rebuilt
  whole), on a lakehouse already loaded (each step the real CLI in its own process);
- hourly App refresh: one hour later, `extract --sources app`, `load --sources app` (only
  what changed), `transform` (the incremental models take only what changed);
- load alone: the incremental `load` of that hour beside a `load --full-refresh` of the same
  files, with the rows each changed (load's time follows the changes, not the history);
- the full rebuild again as one chained command (`extract --full-refresh load
  --full-refresh transform --full-refresh`, one process), and the following App refreshes as
  `data-platform schedule` runs them: one long-lived process (benchmarks/scheduled_refresh.py),
  whose repeated extracts write only the changed rows (the mean of the refreshes after its
  first).
- with `--backfill-days N`: `backfill` of N days at scale 1 (steps per second, the projection
  to a year).

    cd cli && ../.venv/bin/python -m benchmarks.history_bench --scale 100 [--backfill-days 365]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from benchmarks.measure import CLI, run_step
from jump.data_platform.settings import Settings
from jump.data_platform.storage.spare import spare_of

AS_OF = "2026-11-26T10:00"  # nearly three years of history
NEXT_HOUR = "2026-11-26T11:00"


def step(folder: Path, *arguments: str) -> float:
    return run_step(folder, *arguments).seconds


def last_load(folder: Path) -> dict[str, tuple[int, int]]:
    """What the lakehouse's last load did to each table: (rows it changed, rows it holds), read
    from the readers' file."""
    lakehouse = Settings(data_folder=folder).lakehouse_file
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, rows_inserted + rows_updated + rows_deleted, rows_total "
            "from platform.loads where load_id = (select max(load_id) from platform.loads)"
        ).fetchall()
    return {str(table): (int(changed), int(total)) for table, changed, total in rows}


def changed_rows(folder: Path) -> tuple[int, int]:
    """Rows the last load changed, and rows it holds, over every table."""
    tables = last_load(folder).values()
    return sum(changed for changed, _ in tables), sum(total for _, total in tables)


def scheduled_hourly(folder: Path, scale: int, count: int) -> dict[str, float]:
    """App refreshes as the scheduler runs them (one process, `count` hours after NEXT_HOUR):
    the mean of those after the first, which pays the process's start-up; then the last hour
    once more, when nothing changed (the extract finds nothing new)."""
    first = datetime.fromisoformat(NEXT_HOUR)
    hours = [(first + timedelta(hours=hour)).isoformat() for hour in range(1, count + 1)]
    hours.append(hours[-1])
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scheduled_refresh",
            str(folder),
            str(scale),
            "app",
            *hours,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    *runs, unchanged = [json.loads(line) for line in output.splitlines()][1:]
    results = {
        f"scheduled_hourly_{key}_seconds": sum(run.get(key, 0.0) for run in runs) / len(runs)
        for key in ("seconds", "extract", "load", "transform", "report", "settle")
    }
    results["scheduled_nothing_changed_seconds"] = unchanged["seconds"]
    return results


def sizes(folder: Path) -> dict[str, float]:
    """The sources' and the lakehouse files' sizes (MiB), and the ratio of the readers' and the
    writer's file to the sources; the spare (storage/spare.py) is one more file of about the
    readers' size once two publications were released."""
    mib = 1024 * 1024
    sources = sum(path.stat().st_size for path in (folder / "sources").glob("*.sqlite")) / mib
    readers_file = folder / "lakehouse" / "lakehouse.duckdb"
    readers = readers_file.stat().st_size / mib
    writer = (folder / "lakehouse" / ".writer" / "lakehouse.duckdb").stat().st_size / mib
    spare_file = spare_of(readers_file)
    return {
        "sources_mib": sources,
        "readers_lakehouse_mib": readers,
        "writer_lakehouse_mib": writer,
        "spare_lakehouse_mib": spare_file.stat().st_size / mib if spare_file.is_file() else 0.0,
        "readers_lakehouse_per_sources": readers / sources,
        "writer_lakehouse_per_sources": writer / sources,
    }


def measure_history(scale_number: int, hours: int = 4) -> dict[str, float | int]:
    """The full rebuild, the hourly App refresh (three CLI calls, then `hours` scheduled ones)
    and what changed, on a new lakehouse of `scale_number` (the dictionary `main` prints)."""
    scale = str(scale_number)
    results: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        step(folder, "extract", "--as-of", AS_OF, "--scale", scale)
        step(folder, "load")
        step(folder, "transform")  # a loaded lakehouse, built once
        full = {
            "extract": step(
                folder, "extract", "--as-of", AS_OF, "--scale", scale, "--full-refresh"
            ),
            "load": step(folder, "load", "--full-refresh"),
            "transform": step(folder, "transform", "--full-refresh"),
        }
        results["full_rebuild_seconds"] = sum(full.values())
        results.update({f"full_{key}_seconds": value for key, value in full.items()})
        hourly = {
            "extract": step(
                folder, "extract", "--as-of", NEXT_HOUR, "--scale", scale, "--sources", "app"
            ),
            "load": step(folder, "load", "--sources", "app"),
        }
        results["hourly_changed_rows"], results["rows"] = changed_rows(folder)
        hourly["transform"] = step(folder, "transform")
        results["hourly_refresh_seconds"] = sum(hourly.values())
        results.update({f"hourly_{key}_seconds": value for key, value in hourly.items()})
        # The same files again: nothing changed, nothing to rebuild.
        results["nothing_changed_load_transform_seconds"] = step(folder, "load", "transform")
        # The same files once more, replaced whole: what the incremental load saved.
        results["load_full_refresh_seconds"] = step(
            folder, "load", "--sources", "app", "--full-refresh"
        )
        # A full rebuild as one chained command (one process, as `make` runs it): its time,
        # and its peak memory, which holds whatever one step leaves to the next.
        chained = run_step(
            folder,
            *("extract", "--as-of", AS_OF, "--scale", scale, "--full-refresh"),
            *("load", "--full-refresh", "transform", "--full-refresh"),
        )
        results["full_rebuild_one_process_seconds"] = chained.seconds
        results["full_rebuild_one_process_peak_mib"] = chained.peak_mib
        results.update(scheduled_hourly(folder, scale_number, hours))
        results.update(sizes(folder))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--backfill-days", type=int, default=365)
    parser.add_argument("--hours", type=int, default=4, help="scheduled App refreshes")
    options = parser.parse_args()
    if options.hours < 2:  # the first pays the process's start-up: the mean is of the others
        parser.error("--hours must be at least 2")
    results = measure_history(options.scale, options.hours)
    if options.backfill_days:
        # The last N days up to AS_OF, daily, at scale 1: the history a new lakehouse gets.
        last = date.fromisoformat(AS_OF[:10])
        first = last - timedelta(days=options.backfill_days - 1)
        with tempfile.TemporaryDirectory() as name:
            started = time.perf_counter()
            subprocess.run(
                [
                    *CLI,
                    "--quiet",
                    "--data-folder",
                    name,
                    "backfill",
                    "--from",
                    first.isoformat(),
                    "--to",
                    last.isoformat(),
                ],
                check=True,
            )
            seconds = time.perf_counter() - started
            results["backfill_days"] = options.backfill_days
            results["backfill_seconds"] = seconds
            results["backfill_seconds_per_day"] = seconds / options.backfill_days
    for key, value in results.items():
        print(f"{key:36} {value:,.2f}" if isinstance(value, float) else f"{key:36} {value:,}")
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
