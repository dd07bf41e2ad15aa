"""The one writing process: a lock file holding a small JSON record of who writes, which step,
since when.

Load, transform, snapshots and backfill write the private file `settings.writer_lakehouse_file`
inside `writer_session`. A second writer is refused at once with one line naming the holder
(the scheduler waits and retries, as it did for DuckDB's own lock). `status` reads the record
without opening any DuckDB file. The kernel releases the lock when its process ends, however it
ends: a record whose lock nobody holds belongs to a run that ended.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from jump.data_platform.atomic import create_folder
from jump.data_platform.file_identity import file_identity
from jump.data_platform.lakehouse import LakehouseLockedError, fold_log
from jump.data_platform.settings import Settings
from jump.data_platform.storage import publish


class WriterBusyError(LakehouseLockedError):
    """Another process writes the lakehouse now (a scheduler waits for it and retries)."""


@dataclass(frozen=True)
class WriterRecord:
    """Who holds the writer's lock: the command line, its PID, since when, and its step."""

    command: str
    pid: int
    started_at: dt.datetime
    step: str
    step_started_at: dt.datetime

    def describe(self) -> str:
        """`data-platform schedule (PID 12), step transform since 06:01:02 UTC, started 06:00:00 UTC`"""
        return (
            f"{self.command} (PID {self.pid}), step {self.step} since "
            f"{self.step_started_at:%Y-%m-%d %H:%M:%S} UTC, started "
            f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC"
        )


@dataclass
class _Session:
    settings: Settings
    handle: IO[str]
    record: WriterRecord
    dirty: bool = False  # written since the readers' file was last released
    nested: list[str] = field(default_factory=list)
    # The archive of the session's last publication while it is written (publish.hand_over).
    background: Future[None] | None = None


logger = logging.getLogger("jump.data_platform")

_current: _Session | None = None
# The writer's and readers' files as the last session of this process left them, caught up (a
# publication released and archived): while both are untouched, the next session of this
# process has nothing to catch up on (three opens of the files saved per scheduled refresh).
_left_caught_up: dict[Path, tuple[str, str]] = {}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _command_line() -> str:
    """`data-platform schedule`, `data-platform load`...: the program and its command words."""
    words = [Path(sys.argv[0]).name if sys.argv else "python"]
    words += [word for word in sys.argv[1:] if not word.startswith("-")][:3]
    return " ".join(words)[:80]


@contextlib.contextmanager
def writer_session(
    settings: Settings, step: str, *, release: bool = False, writes: bool = True
) -> Iterator[_Session]:
    """Hold the writer's lock while `step` runs (re-entrant in one process: a refresh holds it
    across its load and transform, which only update the step).

    `release`: when this is the outermost session and it ends without error, hand what was
    written to readers (`storage.publish.release`) if anything was.
    `writes`: False for a nested step that leaves the writer's file alone (the report, which
    reads the readers' file): it runs while the last publication is archived. Any other step,
    and the session's end, first wait for that archive and raise its error.
    """
    global _current
    if _current is not None and _current.settings.writer_folder == settings.writer_folder:
        session = _current
        if writes:
            wait_for_background(session)
        previous = session.record.step
        _set_step(session, step)
        try:
            yield session
        finally:
            _set_step(session, previous)
        return
    create_folder(settings.writer_folder)
    handle = settings.writer_lock_file.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            holder = read_writer(settings, held=True)
            who = holder.describe() if holder else "another process"
            raise WriterBusyError(
                f"the lakehouse is being written by {who}: wait for it to end "
                f"(it holds {settings.writer_lock_file})"
            ) from error
        now = _utc_now()
        session = _Session(
            settings, handle, WriterRecord(_command_line(), os.getpid(), now, step, now)
        )
        _write_record(session)
        writer_lakehouse(settings)
        _current = session
        try:
            left = _left_caught_up.pop(settings.writer_folder, None)
            if left != _identities(settings):
                publish.catch_up(session)
            yield session
            wait_for_background(session)
            if release and session.dirty:
                publish.release(session)
            _left_caught_up[settings.writer_folder] = _identities(settings)
        finally:
            _current = None
            _drain(session)  # after an error: the archive ends before the lock is released
    finally:
        handle.close()  # releases the lock


def wait_for_background(session: _Session) -> None:
    """Wait for the session's background archive, if any, and raise its error."""
    pending, session.background = session.background, None
    if pending is not None:
        pending.result()


def _drain(session: _Session) -> None:
    """Wait for a background archive on the way out of a failed session: its own error is
    logged, not raised over the one that ended the session."""
    pending, session.background = session.background, None
    if pending is None:
        return
    wait([pending])
    if pending.exception() is not None:
        logger.warning("the last publication was not kept: %s", pending.exception())


def _identities(settings: Settings) -> tuple[str, str]:
    return file_identity(settings.writer_lakehouse_file), file_identity(settings.lakehouse_file)


def mark_written(settings: Settings) -> None:
    """The writer's file changed: the readers' file is behind until the next release."""
    if _current is not None and _current.settings.writer_folder == settings.writer_folder:
        _current.dirty = True


def current_session(settings: Settings) -> _Session | None:
    if _current is not None and _current.settings.writer_folder == settings.writer_folder:
        return _current
    return None


def _set_step(session: _Session, step: str) -> None:
    if step != session.record.step:
        record = session.record
        session.record = WriterRecord(
            record.command, record.pid, record.started_at, step, _utc_now()
        )
        _write_record(session)


def _write_record(session: _Session) -> None:
    record = session.record
    document = {
        "command": record.command,
        "pid": record.pid,
        "started_at": record.started_at.isoformat(),
        "step": record.step,
        "step_started_at": record.step_started_at.isoformat(),
    }
    # The lock lives on this file: rewritten in place, not renamed (a reader may see it empty
    # for an instant, and then says only that a writer runs).
    session.handle.seek(0)
    session.handle.truncate()
    session.handle.write(json.dumps(document))
    session.handle.flush()


def read_writer(settings: Settings, held: bool | None = None) -> WriterRecord | None:
    """The running writer's record; None when no process writes now. `held`: already known."""
    path = settings.writer_lock_file
    try:
        with path.open(encoding="utf-8") as handle:
            if held is None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    held = True
                else:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    return None
            text = handle.read()
    except OSError:
        return None
    try:
        document = json.loads(text)
        return WriterRecord(
            str(document["command"]),
            int(document["pid"]),
            dt.datetime.fromisoformat(document["started_at"]),
            str(document["step"]),
            dt.datetime.fromisoformat(document["step_started_at"]),
        )
    except (ValueError, KeyError, TypeError):
        return WriterRecord("a writer", 0, _utc_now(), "starting", _utc_now())


def writer_lakehouse(settings: Settings) -> Path:
    """The writer's file. A lakehouse from before the writer had its own file (only the
    readers' one): the writer starts from a copy of what readers have."""
    writer, readers = settings.writer_lakehouse_file, settings.lakehouse_file
    if not writer.exists() and readers.is_file():
        fold_log(readers)  # written in place: its last commits may be in its log only
        create_folder(writer.parent)
        temporary = writer.with_name(f".{writer.name}.{os.getpid()}.tmp")
        shutil.copyfile(readers, temporary)
        temporary.replace(writer)
    return writer
