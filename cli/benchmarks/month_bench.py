"""A month of scheduled refreshes in one process, as `data-platform schedule` runs them: the App
every hour (at minute 5), the CRM every day at 06:00, after a full build. Prints one JSON line
per day (its refreshes' seconds by kind, the files' sizes against the sources), then the
month's summary: what an hourly refresh costs when something changed and when nothing did, and
how the lakehouse file grew. The App refreshes that changed rows are also told apart by whether
a user changed (`by_users`): the hours of sign-ups (weekdays, 8:00 to 12:00) rebuild the users'
models and the NPS, the others do not. After each refresh, Python's heap is settled as the
scheduler settles it while it waits for the next fire time (heap.py); its seconds are a kind of
their own (`settle`), not part of any refresh's.

    cd cli && ../.venv/bin/python -m benchmarks.month_bench --scale 100 --days 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.history_bench import last_load, sizes
from jump.data_platform import heap, pipeline
from jump.data_platform.settings import Settings

START = datetime(2026, 10, 1)  # a month with a close of the month before, at its start
APP_MINUTE = 5
CRM_HOUR = 6


def refreshes(days: int) -> list[tuple[datetime, str]]:
    """The scheduler's fire times over `days` days from START: (instant, source)."""
    fires: list[tuple[datetime, str]] = []
    for hour in range(days * 24):
        instant = START + timedelta(hours=hour)
        if instant.hour == CRM_HOUR:
            fires.append((instant, "crm"))
        fires.append((instant + timedelta(minutes=APP_MINUTE), "app"))
    return fires


def kind(source: str, outcome: pipeline.RefreshOutcome) -> str:
    """`app`, `crm`, or either `..., nothing changed` (nothing was published)."""
    return f"{source}, nothing changed" if outcome.up_to_date else source


def by_users(source: str, outcome: pipeline.RefreshOutcome, settings: Settings) -> str | None:
    """For an App refresh that published: `app, a user changed` or `app, no user changed`, as
    its load (in the readers' file it has just published) says."""
    if source != "app" or outcome.up_to_date:
        return None
    changed, _ = last_load(settings.data_folder).get("app__users", (0, 0))
    return "app, a user changed" if changed else "app, no user changed"


def summary(seconds: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "count": len(values),
            "median": statistics.median(values),
            "p90": sorted(values)[int(len(values) * 0.9)],
            "max": max(values),
        }
        for name, values in sorted(seconds.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--folder", type=Path, help="keep the data folder here")
    arguments = parser.parse_args()
    folder = arguments.folder or Path(tempfile.mkdtemp(prefix="month-bench-"))
    settings = Settings(data_folder=folder)
    options = pipeline.RefreshOptions(scale=arguments.scale)
    first = pipeline.refresh(settings, ["app", "crm"], START, options=options)
    if not first.succeeded:
        raise SystemExit(f"full build: {first.describe()}")
    print(json.dumps({"full_build_seconds": first.seconds, **sizes(folder)}), flush=True)
    month: dict[str, list[float]] = defaultdict(list)
    day: dict[str, list[float]] = defaultdict(list)
    users: dict[str, list[float]] = defaultdict(list)
    for instant, source in refreshes(arguments.days):
        outcome = pipeline.refresh(settings, [source], instant, options=options)
        if not outcome.succeeded:
            raise SystemExit(f"refresh of {source} at {instant}: {outcome.describe()}")
        month[kind(source, outcome)].append(outcome.seconds)
        day[kind(source, outcome)].append(outcome.seconds)
        if (split := by_users(source, outcome, settings)) is not None:
            users[split].append(outcome.seconds)
        settled = heap.settle()
        month["settle"].append(settled)
        day["settle"].append(settled)
        if instant.hour == 23 and source == "app":
            line = {"day": instant.date().isoformat(), **summary(day), **sizes(folder)}
            print(json.dumps(line), flush=True)
            day.clear()
    month_line = {"month": summary(month), "by_users": summary(users), **sizes(folder)}
    print(json.dumps(month_line, indent=1), flush=True)


if __name__ == "__main__":
    main()
