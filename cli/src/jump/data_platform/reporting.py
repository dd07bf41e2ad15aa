"""What a run tells its user: progress and summaries on stderr, and a log file per run."""

from __future__ import annotations

import fcntl
import json
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
# DuckDB's and Arrow's conversion errors quote the value they could not convert, which may be a
# name that landed in the wrong column: `invalid timestamp field format: "Vincent Guillon"`,
# `Could not convert string 'x' to INT64`, `Failed to parse string: 'x'` (quotes escaped too,
# as in a JSON file).
_QUOTED_VALUE = re.compile(
    r"(?P<lead>\b(?:format|string|value|convert|parse|cast)\s*:?\s*)"
    r"(?P<quote>\\?[\"'])(?P<value>.*?)(?P=quote)",
    re.IGNORECASE,
)
# SQL's string literals ('it''s' included) and dollar-quoted strings: what a query compares a
# column with (`where last_name = 'Letellier'`), never logged.
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'|\$\$.*?\$\$", re.DOTALL)


# Control characters (but tab and newline) and the bidirectional overrides: printed raw from
# data, `ESC ]0;title BEL` retitles the terminal and `ESC [2J` clears it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character written as its escape (`\\x1b`), so that what comes
    from data is shown, never obeyed, by a terminal."""
    return _CONTROL.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


def redact(text: str) -> str:
    """`text` without personal data: every email address, the value of every `column=value`
    pair whose column holds a name or an email (as a failing test's sample rows are written:
    `id=7, email=zoe@example.com`), and the value a conversion error quotes."""
    text = _PERSONAL_PAIR.sub(lambda match: f"{match['column']}={REDACTED}", text)
    text = _QUOTED_VALUE.sub(
        lambda match: f"{match['lead']}{match['quote']}{REDACTED}{match['quote']}", text
    )
    return _EMAIL.sub(REDACTED, text)


def redact_sql(sql: str) -> str:
    """A statement as the log keeps it: every string literal replaced, whatever its column."""
    return _SQL_LITERAL.sub(f"'{REDACTED}'", sql)


def redact_json(value: object) -> object:
    """`value` (a JSON document) with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_json(item) for key, item in value.items()}
    return value


def redact_file(path: Path, start: int = 0) -> None:
    """Redact, from byte `start` on, a file another program wrote (dbt's `run_results.json`,
    `dbt.log`) in place, so that a process still appending to it keeps its file. Best effort:
    a file absent or unreadable is left alone."""
    try:
        with path.open("rb") as file:
            file.seek(start if start <= path.stat().st_size else 0)
            offset = file.tell()
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return
    if path.suffix == ".json":
        try:
            redacted = json.dumps(redact_json(json.loads(text)), indent=1)
        except ValueError:
            redacted = redact(text)
    else:
        redacted = "".join(redact(line) for line in text.splitlines(keepends=True))
    if redacted != text:
        with suppress(OSError), path.open("r+b") as file:
            file.seek(offset)
            file.write(redacted.encode("utf-8"))
            file.truncate()


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
        message = printable(message)
        logger.info(message)
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def warning(self, message: str) -> None:
        message = printable(redact(message))
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
        shown = [[printable(str(value)) for value in row] for row in rows]
        for row in shown:
            logger.info("%s | %s", title, " | ".join(row))
        if self.quiet:
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in shown:
            table.add_row(*row)
        self.console.print(table)


class _RedactingFormatter(logging.Formatter):
    """Every line of the log file goes through `redact`, whoever logged it."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(redact(super().format(record)))


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
    hold_log(handler)
    handler.setFormatter(_RedactingFormatter(LOG_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def hold_log(handler: logging.FileHandler) -> None:
    """Lock the log file while this process writes it: another run's rotation leaves it alone
    (the kernel drops the lock when the process ends, however it ends)."""
    if handler.stream is not None:
        with suppress(OSError):
            fcntl.flock(handler.stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _in_use(path: Path) -> bool:
    """Whether a live process writes the log at `path` (it holds the lock `hold_log` takes)."""
    try:
        with path.open("rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def remove_old_logs(logs_folder: Path, keep: int) -> None:
    """Delete all but the `keep` newest run logs (by the timestamp in their names), never the
    log of a live process (a scheduler's, a long `query`)."""
    logs = sorted(path for path in logs_folder.iterdir() if _LOG_NAME.fullmatch(path.name))
    for old in logs[: max(len(logs) - keep, 0)]:
        if not _in_use(old):
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
