"""What a transform shows while dbt builds: nodes done out of the total (models and tests
counted apart), the elapsed time and the node running now, from dbt's own events.

dbt calls the callback from its worker threads, one event at a time per thread; Rich's
progress display is thread-safe and the counts are kept under a lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import Progress, ProgressColumn, Task
from rich.table import Column
from rich.text import Text

from jump.data_platform.reporting import Reporter

logger = logging.getLogger("jump.data_platform")

EventCallback = Callable[[Any], None]
# dbt's resource types, as the line names them.
_KINDS = {"model": "models", "test": "tests", "snapshot": "snapshots", "seed": "seeds"}


class BuildTracker:
    """Counts dbt's nodes as they start and finish; `describe` words it for the display."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done: dict[str, int] = {}
        self.running: list[str] = []  # nodes started and not finished, oldest first
        self._lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name not in ("LogStartLine", "NodeFinished"):
            return
        node = event.data.node_info
        label = node.node_name or _label(node.unique_id)
        with self._lock:
            if name == "LogStartLine":
                self.total = int(event.data.total) or self.total
                self.running.append(label)
            else:
                kind = _KINDS.get(node.resource_type, node.resource_type or "nodes")
                self.done[kind] = self.done.get(kind, 0) + 1
                if label in self.running:
                    self.running.remove(label)

    @property
    def completed(self) -> int:
        return sum(self.done.values())

    def describe(self) -> str:
        with self._lock:
            done = ", ".join(f"{count} {kind}" for kind, count in sorted(self.done.items()))
            now = self.running[-1] if self.running else ""
        return f"{done or 'starting'} done" + (f"; now {now}" if now else "")


def _label(unique_id: str) -> str:
    """`model.jump.marts__nps` -> `marts__nps`: the node's own name, short enough for a line."""
    return unique_id.split(".")[-1] if unique_id else "?"


class _Line(ProgressColumn):
    """The whole line as one column, cut at the terminal's width: `transform 46/80 0:00:12
    11 models, 32 tests done; now marts__nps` (Rich would squeeze several columns instead)."""

    def __init__(self, label: str) -> None:
        super().__init__(table_column=Column(no_wrap=True, overflow="ellipsis"))
        self.label = label

    def render(self, task: Task) -> Text:
        elapsed = int(task.elapsed or 0)
        clock = f"{elapsed // 60}:{elapsed % 60:02d}"
        done = f" {int(task.completed)}/{int(task.total)}" if task.total else ""
        return Text(
            f"{self.label}{done} {clock} {task.description}", no_wrap=True, overflow="ellipsis"
        )


@contextmanager
def build_progress(
    reporter: Reporter, title: str, label: str = "transform"
) -> Iterator[EventCallback | None]:
    """`reporter.step(title)`, with a live line of dbt's progress on a terminal (`label` heads
    it, short enough for 80 columns): yields the callback to give dbt, or None where nothing
    is drawn (quiet, a pipe, a log file)."""
    if not reporter.live:
        with reporter.step(title):
            yield None
        return
    logger.info("%s ...", title)
    started = time.perf_counter()
    tracker = BuildTracker()
    progress = Progress(_Line(label), console=reporter.console, transient=True)
    with progress:
        task = progress.add_task("parsing the project, checking the sources", total=None)

        def on_event(event: Any) -> None:
            tracker(event)
            if tracker.total is not None:
                progress.update(
                    task,
                    total=tracker.total,
                    completed=tracker.completed,
                    description=tracker.describe(),
                )

        yield on_event
    reporter.info(f"{title}: done in {time.perf_counter() - started:.2f} s")
