"""The scheduler's own log: `<data-folder>/logs/scheduler.log`, rotated by size.

A scheduler runs for weeks: one file per run would be pruned by the other commands' rotation
while it still writes it, and would grow without bound. Its own file, rotated at a size, keeps
the last few megabytes of every run, and no other command deletes it (its name is not a run
log's name).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from jump.data_platform.reporting import LOG_FORMAT, _RedactingFormatter, logger

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5  # scheduler.log.1 ... .5: 60 MB at most


class _SchedulerLogHandler(RotatingFileHandler):
    """A full disk or a folder turned read-only: one warning on the logger's other handlers is
    impossible (there are none), so the scheduler goes on without its log, as a run does."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging names it)
        logger.removeHandler(self)


def start_scheduler_log(path: Path) -> Path | None:
    """Send the platform's log to the scheduler's file instead of this run's file (whose only
    line, the command, is written again there and the run's file deleted). None, and nothing
    changed, when the run writes no log (`--keep-logs 0`) or the folder is unwritable."""
    run_logs = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    if not run_logs:
        return None
    try:
        handler = _SchedulerLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
    except OSError:
        return None
    handler.setFormatter(_RedactingFormatter(LOG_FORMAT))
    for run_log in run_logs:
        logger.removeHandler(run_log)
        run_log.close()
        Path(run_log.baseFilename).unlink(missing_ok=True)
    logger.addHandler(handler)
    return path
