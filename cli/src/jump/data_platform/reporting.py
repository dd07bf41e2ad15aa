"""What a run tells its user: progress and summaries on stderr, and a log file per run."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

logger = logging.getLogger("jump.data_platform")
# The log goes to the run's file only: the console gets the Reporter's own lines, never
# Python's last-resort handler (which would print errors twice).
logger.addHandler(logging.NullHandler())
logger.propagate = False

DEFAULT_KEEP_LOGS = 50
KEEP_LOGS_ENV_VAR = "DATA_PLATFORM_KEEP_LOGS"
# `<timestamp>-<pid>.log`: the names this module gives, the only files rotation may delete.
_LOG_NAME = re.compile(r"\d{8}T\d{6}-\d+\.log")

# Personal data: what a log or a warning never shows (an id or a reference names a row).
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PERSONAL_COLUMNS = frozenset(
    {"email", "first_name", "last_name", "firstname", "lastname", "full_name", "phone"}
)
_PERSONAL_PAIR = re.compile(
    r"\b(?P<column>(?:\w+_)?(?:" + "|".join(sorted(PERSONAL_COLUMNS)) + r"))=(?P<value>[^,|;]*)",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` without personal data: every email address, and the value of every
    `column=value` pair whose column holds a name or an email (as a failing test's sample rows
    are written: `id=7, email=zoe@example.com`)."""
    text = _PERSONAL_PAIR.sub(lambda match: f"{match['column']}={REDACTED}", text)
    return _EMAIL.sub(REDACTED, text)


def redact_row(columns: Sequence[str], values: Sequence[object]) -> str:
    """One row as `column=value, ...`, the personal columns' values redacted."""
    return ", ".join(
        f"{column}={REDACTED if column.lower() in PERSONAL_COLUMNS else redact(str(value))}"
        for column, value in zip(columns, values, strict=True)
    )


class Reporter:
    """Prints a step's progress and summary unless quiet, and always writes them to the log."""

    def __init__(
        self, quiet: bool = False, console: Console | None = None, live: bool | None = None
    ) -> None:
        self.quiet = quiet
        self.console = console or Console(stderr=True, highlight=False)
        # Live displays (spinners, progress lines) on a terminal unless quiet; `live=True` keeps
        # them when quiet (`schedule --once` in a terminal: progress, not the steps' tables).
        self.live = (not quiet if live is None else live) and self.console.is_terminal

    def info(self, message: str) -> None:
        logger.info(message)
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def warning(self, message: str) -> None:
        message = redact(message)
        logger.warning(message)
        # Warnings are shown even when quiet: a script's author still needs to see them.
        self.console.print(f"Warning: {message}", style="yellow", markup=False, soft_wrap=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce a long piece of work, show a spinner while it runs, then its duration."""
        logger.info("%s ...", title)
        started = time.perf_counter()
        if not self.live:
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


class _RedactingFormatter(logging.Formatter):
    """Every line of the log file goes through `redact`, whoever logged it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _RunLogHandler(logging.FileHandler):
    """The run's log file. A log is a convenience: if it cannot be written (a full disk, a
    folder turned read-only), it says so once on stderr and stops, and the run goes on, instead
    of Python's `--- Logging error ---` traceback for every later line."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging names it)
        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or error
        logger.removeHandler(self)
        with suppress(OSError):  # closing flushes, which fails again on a full disk
            self.close()
        print(
            f"Warning: cannot write the log file {self.baseFilename} ({reason}): "
            "this run goes on without it",
            file=sys.stderr,
        )


def start_log_file(logs_folder: Path, keep: int = DEFAULT_KEEP_LOGS) -> Path | None:
    """Send this run's log to `<logs_folder>/<timestamp>-<pid>.log`, keeping the `keep` newest
    log files (the others are deleted; 0 writes no log); None if no log is written.

    A log file is a convenience: an unwritable folder must not stop the run itself.
    """
    # One log file per run: a previous run in the same process (tests) stops logging here.
    for previous in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
        logger.removeHandler(previous)
        previous.close()
    try:
        logs_folder.mkdir(parents=True, exist_ok=True)
        remove_old_logs(logs_folder, max(keep - 1, 0))
        if keep <= 0:
            return None
        path = logs_folder / f"{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}.log"
        handler = _RunLogHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def remove_old_logs(logs_folder: Path, keep: int) -> None:
    """Delete all but the `keep` newest run logs (by the timestamp in their names)."""
    logs = sorted(path for path in logs_folder.iterdir() if _LOG_NAME.fullmatch(path.name))
    for old in logs[: max(len(logs) - keep, 0)]:
        old.unlink(missing_ok=True)


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
