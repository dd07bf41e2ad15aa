"""The outcome of the last transform, read from dbt's `run_results.json` artifact."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jump.data_platform.errors import DataPlatformError


@dataclass(frozen=True)
class TransformOutcome:
    """What the last dbt invocation did: nodes by kind and status, and the problem nodes."""

    path: Path
    command: str  # dbt's sub-command: build, run, test...
    generated_at: str
    elapsed_seconds: float
    models: Counter[str] = field(default_factory=Counter)  # status -> count
    tests: Counter[str] = field(default_factory=Counter)  # data tests and unit tests
    other: Counter[str] = field(default_factory=Counter)  # seeds, snapshots
    failed: list[str] = field(default_factory=list)  # tests failed, nodes in error
    warned: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return not self.failed


_FAILED = frozenset({"error", "fail", "runtime error"})


def read_run_results(path: Path) -> TransformOutcome | None:
    """The outcome recorded in `path`, or None if no transform has written it yet."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        results = document["results"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataPlatformError(f"cannot read dbt's results {path}: {error}") from error
    metadata = document.get("metadata") or {}
    outcome = TransformOutcome(
        path=path,
        command=str((document.get("args") or {}).get("which", "?")),
        generated_at=str(metadata.get("generated_at", "?")),
        elapsed_seconds=float(document.get("elapsed_time") or 0.0),
    )
    for result in results:
        unique_id = str(result.get("unique_id", "?"))
        status = str(result.get("status", "?")).lower()
        kind = unique_id.split(".", 1)[0]
        if kind == "model":
            outcome.models[status] += 1
        elif kind in ("test", "unit_test"):
            outcome.tests[status] += 1
        else:
            outcome.other[status] += 1
        name = _short_name(unique_id)
        if status in _FAILED:
            outcome.failed.append(name)
        elif status == "warn":
            outcome.warned.append(name)
        elif status == "skipped":
            outcome.skipped.append(name)
    return outcome


def _short_name(unique_id: str) -> str:
    """`test.jump.not_null_x.abc123` -> `not_null_x`: the name dbt prints and selects by."""
    parts = unique_id.split(".")
    if parts[0] == "unit_test" and len(parts) >= 4:
        return f"{parts[-2]}.{parts[-1]} (unit test)"
    if parts[0] == "test" and len(parts) >= 4:
        return parts[2]
    return parts[-1]
