"""Two versions of the dbt project on the same scheduled hours, measured as pairs.

One process refreshes two lakehouses built from the same sources, one per project, hour by hour
and in turn (the first of each pair alternates), as `data-platform schedule` runs them. A change
worth 5 % of an hour is smaller than this machine's drift from one minute to the next (a quarter
of an hour's time between two runs of the same code): paired hours put the drift on both sides
alike, and the paired differences show what the change is worth.

    cd cli && ../.venv/bin/python -m benchmarks.paired_hours OTHER_PROJECT [--scale 100] [--hours 9]

OTHER_PROJECT is the dbt folder of another checkout (`git worktree add ../before <commit>`
from the checkout's root, then `../../before/dbt` from `cli`); this checkout's project is the
other side. The two lakehouses are built as of 2026-11-26 10:00 (as `history_bench` builds
its own), then refreshed from 11:00 (App, hourly). Prints each hour's wall and CPU seconds for
both sides, then the means and the mean and median of the differences (this checkout minus
OTHER_PROJECT), over the hours after the first (which pays the process's start-up and dbt's
first parse).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.history_bench import AS_OF, NEXT_HOUR
from benchmarks.measure import run_step
from jump.data_platform import heap, pipeline
from jump.data_platform.settings import Settings
from jump.data_platform.transform.dbt_project import find_dbt_project

SIDES = ("other", "this")


@dataclass(frozen=True)
class Hour:
    wall: float
    cpu: float  # this process's CPU seconds, every thread (dbt's and DuckDB's)


def build(folder: Path, sources: Path | None, scale: int, project: Path) -> None:
    """A lakehouse as of AS_OF built with `project`, from `sources` when given."""
    if sources is None:
        run_step(folder, "extract", "--as-of", AS_OF, "--scale", str(scale))
    else:
        shutil.copytree(sources, folder / "sources")
    run_step(folder, "load")
    run_step(folder, "transform", "--project-dir", str(project))


def refresh(folder: Path, scale: int, project: Path, instant: datetime) -> Hour:
    """One scheduled App refresh of `folder` at `instant`, in this process."""
    options = pipeline.RefreshOptions(scale=scale, project_dir=project)
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = pipeline.refresh(Settings(data_folder=folder), ["app"], instant, options=options)
    if not outcome.succeeded:
        raise SystemExit(f"refresh of {folder} at {instant}: {outcome.describe()}")
    hour = Hour(time.perf_counter() - wall, time.process_time() - cpu)
    heap.settle()  # as the scheduler does while it waits for the next fire time (heap.py)
    return hour


def summarise(other: Sequence[Hour], this: Sequence[Hour]) -> dict[str, float]:
    """Means of both sides and the paired differences (this minus other), in seconds."""
    walls = [mine.wall - theirs.wall for mine, theirs in zip(this, other, strict=True)]
    cpus = [mine.cpu - theirs.cpu for mine, theirs in zip(this, other, strict=True)]
    return {
        "other_wall_mean": statistics.mean(hour.wall for hour in other),
        "this_wall_mean": statistics.mean(hour.wall for hour in this),
        "other_cpu_mean": statistics.mean(hour.cpu for hour in other),
        "this_cpu_mean": statistics.mean(hour.cpu for hour in this),
        "wall_difference_mean": statistics.mean(walls),
        "wall_difference_median": statistics.median(walls),
        "cpu_difference_mean": statistics.mean(cpus),
        "cpu_difference_median": statistics.median(cpus),
    }


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other_project", type=Path, help="another checkout's dbt folder")
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--hours", type=int, default=9, help="hours from 11:00 (default 9)")
    options = parser.parse_args(arguments)
    if options.hours < 2:
        parser.error("--hours must be 2 or more: the first hour pays the start-up")
    projects = {
        "other": find_dbt_project(options.other_project),
        "this": find_dbt_project(),  # this checkout's, as `transform` finds it
    }
    with tempfile.TemporaryDirectory() as name:
        folders = {side: Path(name) / side for side in SIDES}
        build(folders["other"], None, options.scale, projects["other"])
        build(folders["this"], folders["other"] / "sources", options.scale, projects["this"])
        hours: dict[str, list[Hour]] = {side: [] for side in SIDES}
        first = datetime.fromisoformat(NEXT_HOUR)
        for index in range(options.hours):
            instant = first + timedelta(hours=index)
            for side in SIDES if index % 2 == 0 else reversed(SIDES):
                hours[side].append(refresh(folders[side], options.scale, projects[side], instant))
            print(
                f"{instant:%Y-%m-%d %H:%M}  "
                + "  ".join(
                    f"{side} {hours[side][-1].wall:6.2f} s wall {hours[side][-1].cpu:6.2f} s CPU"
                    for side in SIDES
                ),
                flush=True,
            )
    for key, value in summarise(hours["other"][1:], hours["this"][1:]).items():
        print(f"{key:24} {value:7.2f}")


if __name__ == "__main__":
    main()
