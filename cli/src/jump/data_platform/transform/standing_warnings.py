"""The warnings of the published state's data tests.

A transform that rebuilds part of the graph runs only the tests of what it rebuilt: a warning
of a test it did not run still holds (its data did not change), so it is carried into the
run's warnings, as if the test had run. Written at each publish, beside dbt's artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from jump.data_platform.atomic import atomic_path
from jump.data_platform.transform.run_record import NodeOutcome


def save_warnings(path: Path, warned: Sequence[NodeOutcome]) -> None:
    """The published state's warnings (their samples left out: they may name people)."""
    records = [{"name": o.name, "status": o.status, "message": o.message} for o in warned]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(records, indent=1), encoding="utf-8")


def standing_warnings(path: Path, ran: Iterable[str]) -> list[NodeOutcome]:
    """The published state's warnings of the tests not in `ran` (their names)."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        outcomes = [NodeOutcome(r["name"], r["status"], r["message"]) for r in records]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    names = set(ran)
    return [outcome for outcome in outcomes if outcome.name not in names]
