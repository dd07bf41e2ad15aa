"""What a run tells its user: progress and summaries on stderr, and a log file per run."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

logger = logging.getLogger("jump.data_platform")
# The log goes to the run's file only: the console gets the Reporter's own lines, never
# Python's last-resort handler (which would print errors twice).
logger.addHandler(logging.NullHandler())
logger.propagate = False


class Reporter:
    """Prints a step's progress and summary unless quiet, and always writes them to the log."""

    def __init__(self, quiet: bool = False, console: Console | None = None) -> None:
        self.quiet = quiet
        self.console = console or Console(stderr=True, highlight=False)

    def info(self, message: str) -> None:
        logger.info(message)
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def warning(self, message: str) -> None:
        logger.warning(message)
        # Warnings are shown even when quiet: a script's author still needs to see them.
        self.console.print(f"Warning: {message}", style="yellow", markup=False, soft_wrap=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce a long piece of work, show a spinner while it runs, then its duration."""
        logger.info("%s ...", title)
        started = time.perf_counter()
        if self.quiet or not self.console.is_terminal:
            yield
        else:
            with self.console.status(title):
                yield
        self.info(f"{title}: done in {time.perf_counter() - started:.2f} s")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A summary table: printed unless quiet, logged as plain lines in any case."""
        for row in rows:
            logger.info("%s | %s", title, " | ".join(str(value) for value in row))
        if self.quiet:
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(value) for value in row))
        self.console.print(table)


def start_log_file(logs_folder: Path) -> Path | None:
    """Send this run's log to `<logs_folder>/<timestamp>-<pid>.log`; None if it cannot be written.

    A log file is a convenience: an unwritable folder must not stop the run itself.
    """
    # One log file per run: a previous run in the same process (tests) stops logging here.
    for previous in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
        logger.removeHandler(previous)
        previous.close()
    try:
        logs_folder.mkdir(parents=True, exist_ok=True)
        path = logs_folder / f"{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def describe_age(age: timedelta) -> str:
    """An age as people say it: `12 min`, `5 hours`, `3 days` (whole units, never negative)."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' * (hours != 1)}"
    days = seconds // 86400
    return f"{days:,} day{'s' * (days != 1)}"
