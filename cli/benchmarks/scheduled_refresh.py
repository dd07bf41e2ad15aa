"""Hourly refreshes as `data-platform schedule` runs them: one long-lived process, one
`pipeline.refresh` per fire time, then Python's heap settled as the scheduler settles it while
it waits for the next one (heap.py: not part of the refresh's time). Prints, for each instant
given, the refresh's seconds, those of its steps and the settling's as one JSON line.

    python -m benchmarks.scheduled_refresh DATA_FOLDER SCALE SOURCE INSTANT [INSTANT...]

The first refresh pays the process's start-up (imports, dbt's first parse), as a scheduler's
first run does; the following ones are what every later hour costs.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jump.data_platform import heap, pipeline
from jump.data_platform.settings import Settings

_TIMED = {
    "extract": "extract_sources",
    "load": "load_sources",
    "transform": "run_transform",
    "report": "build_report",
}


def _timed(
    step: str, function: Callable[..., Any], seconds: dict[str, float]
) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - started

    return timed


def main() -> None:
    folder, scale, source, *instants = sys.argv[1:]
    settings = Settings(data_folder=Path(folder))
    options = pipeline.RefreshOptions(scale=int(scale))
    originals = {step: getattr(pipeline, name) for step, name in _TIMED.items()}
    for instant in instants:
        seconds: dict[str, float] = {}
        for step, name in _TIMED.items():
            setattr(pipeline, name, _timed(step, originals[step], seconds))
        outcome = pipeline.refresh(
            settings, [source], datetime.fromisoformat(instant), options=options
        )
        if not outcome.succeeded:
            raise SystemExit(f"refresh at {instant}: {outcome.describe()}")
        seconds["settle"] = heap.settle()
        print(json.dumps({"as_of": instant, "seconds": outcome.seconds, **seconds}), flush=True)


if __name__ == "__main__":
    main()
