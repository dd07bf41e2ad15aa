"""The one model of a transform run, recorded when it starts and when it ends.

`transform` fills it from dbt's results and prints it; it is written to the data folder before
dbt runs and again when the run ends, so that `status` reports the run that really ran last: one
that failed, or one killed before it could say so (still `running` in the record while nothing
holds the transform's lock), not the previous run's `run_results.json`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from jump.data_platform.atomic import atomic_path, create_folder
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import redact_json

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
INTERRUPTED = "interrupted"  # Ctrl-C, a signal, or killed (a `running` record nobody holds)


def utc_now() -> dt.datetime:
    """UTC, naive like the lakehouse's timestamps (`_loaded_at`)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class NodeOutcome:
    """One dbt node that did not simply pass: its name, status, message and failing rows."""

    name: str
    status: str
    message: str
    # The first failing rows, shown by `transform`; never recorded: they may name people.
    sample: tuple[str, ...] = ()


@dataclass
class TransformRun:
    """What one transform did: dbt's nodes by kind and status, what failed or warned, and
    whether it published the layers it built."""

    layers: tuple[str, ...]
    started_at: dt.datetime = field(default_factory=utc_now)
    pid: int = field(default_factory=os.getpid)
    state: str = RUNNING
    finished_at: dt.datetime | None = None
    models: Counter[str] = field(default_factory=Counter)  # dbt status -> count
    tests: Counter[str] = field(default_factory=Counter)
    failed: list[NodeOutcome] = field(default_factory=list)  # models in error, tests failed
    warned: list[NodeOutcome] = field(default_factory=list)
    stale_sources: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None  # what stopped the run outside dbt's nodes (a parse, the publish)
    published: bool = False
    publication_id: int | None = None  # the publication this run made, if it published
    up_to_date: bool = False  # nothing had changed since the last publication: nothing built

    @property
    def success(self) -> bool:
        """A failing model or error-level test fails the run; warnings do not."""
        return not self.failed and self.error is None

    @property
    def models_built(self) -> int:
        return self.models["success"]

    @property
    def tests_passed(self) -> int:
        return self.tests["pass"]

    @property
    def skipped(self) -> int:
        return self.models["skipped"] + self.tests["skipped"]

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def finish(self, state: str, error: str | None = None) -> None:
        self.state = state
        self.error = self.error or error
        self.finished_at = utc_now()


def save_run(path: Path, run: TransformRun) -> None:
    """Write the record whole (a kill while writing leaves the previous one)."""
    document = {
        "layers": list(run.layers),
        "started_at": run.started_at.isoformat(),
        "pid": run.pid,
        "state": run.state,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "models": dict(run.models),
        "tests": dict(run.tests),
        "failed": [_outcome_document(outcome) for outcome in run.failed],
        "warned": [_outcome_document(outcome) for outcome in run.warned],
        "stale_sources": [_outcome_document(outcome) for outcome in run.stale_sources],
        "error": run.error,
        "published": run.published,
        "publication_id": run.publication_id,
        "up_to_date": run.up_to_date,
    }
    try:
        with atomic_path(path) as temporary:
            # dbt's messages quote the values they failed on: no personal data in the record.
            temporary.write_text(json.dumps(redact_json(document), indent=2), encoding="utf-8")
    except OSError as error:
        raise DataPlatformError(f"cannot write {path}: {error.strerror or error}") from error


def load_run(path: Path) -> TransformRun | None:
    """The recorded run, or None if no transform has run in this data folder."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        finished = document["finished_at"]
        return TransformRun(
            layers=tuple(document["layers"]),
            started_at=dt.datetime.fromisoformat(document["started_at"]),
            pid=int(document["pid"]),
            state=str(document["state"]),
            finished_at=dt.datetime.fromisoformat(finished) if finished else None,
            models=Counter(document["models"]),
            tests=Counter(document["tests"]),
            failed=[_outcome(item) for item in document["failed"]],
            warned=[_outcome(item) for item in document["warned"]],
            stale_sources=[_outcome(item) for item in document["stale_sources"]],
            error=document["error"],
            published=bool(document["published"]),
            publication_id=document.get("publication_id"),
            up_to_date=bool(document.get("up_to_date", False)),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataPlatformError(
            f"cannot read the last transform's record {path}: {error}"
        ) from error


def _outcome_document(outcome: NodeOutcome) -> dict[str, str]:
    return {"name": outcome.name, "status": outcome.status, "message": outcome.message}


def _outcome(document: dict[str, str]) -> NodeOutcome:
    return NodeOutcome(document["name"], document["status"], document["message"])


@contextlib.contextmanager
def transform_lock(path: Path) -> Iterator[None]:
    """Hold the transform's lock while the block runs; one line if another transform holds it.

    The kernel releases the lock when the process ends, however it ends: a record still
    `running` whose lock is free belongs to a run that was killed.
    """
    create_folder(path.parent)
    try:
        opened = path.open("a", encoding="utf-8")
    except OSError as error:  # a read-only data folder
        raise DataPlatformError(
            f"cannot take the transform's lock {path}: {error.strerror or error}; transform "
            "writes the lakehouse and dbt's files, so the data folder must be writable"
        ) from error
    with opened as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise DataPlatformError(
                f"another transform is running on this data folder (it holds {path}): "
                "wait for it to end"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def transform_running(path: Path) -> bool:
    """Whether a transform holds the lock at `path` now (without taking it for long)."""
    try:
        handle: TextIO = path.open(encoding="utf-8")
    except OSError:  # never created: no transform ever ran here
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def effective_state(run: TransformRun, running: bool) -> str:
    """The record's state, except that a run recorded `running` that nobody runs was killed."""
    return INTERRUPTED if run.state == RUNNING and not running else run.state
