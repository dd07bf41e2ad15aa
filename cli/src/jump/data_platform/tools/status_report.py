"""Show a LakehouseStatus: rich tables for people, JSON for scripts and monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Console
from rich.table import Table

from jump.data_platform.tools.relations import LAYERS
from jump.data_platform.tools.status import LakehouseStatus, stale_after
from jump.data_platform.transform.run_results import TransformOutcome


def freshness_lines(status: LakehouseStatus) -> list[str]:
    if not status.loaded_at:
        return [
            "Sources loaded: never (no `_loaded_at` in the sources schema): run `data-platform load`"
        ]
    lines = ["Sources loaded:"]
    for source, loaded_at in sorted(status.loaded_at.items()):
        verdict = "fresh" if status.fresh(source) else "STALE"
        as_of = f", data as of {status.as_of[source]}" if source in status.as_of else ""
        lines.append(
            f"  {source}: {loaded_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"{_age(status.checked_at - loaded_at)} ago: {verdict} "
            f"(stale after {_age(stale_after(source))}){as_of}"
        )
    return lines


def loads_lines(status: LakehouseStatus) -> list[str]:
    """The last loads (platform.loads): when, which source, as of when, what changed."""
    if not status.loads:
        return []
    lines = ["Recent loads (inserted / updated / deleted rows):"]
    for load in status.loads:
        lines.append(
            f"  #{load.load_id} {load.source} at {load.loaded_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"as of {load.as_of or '?'}, {load.mode}: +{load.inserted:,} ~{load.updated:,} "
            f"-{load.deleted:,} ({load.rows:,} rows, {load.seconds:.2f} s)"
        )
    return lines


def _loads_json(status: LakehouseStatus) -> list[dict[str, Any]]:
    return [
        {
            "load_id": load.load_id,
            "loaded_at": _iso(load.loaded_at),
            "source": load.source,
            "as_of": load.as_of,
            "mode": load.mode,
            "inserted": load.inserted,
            "updated": load.updated,
            "deleted": load.deleted,
            "rows": load.rows,
        }
        for load in status.loads
    ]


def transform_lines(outcome: TransformOutcome | None) -> list[str]:
    if outcome is None:
        return ["Last transform: none recorded yet: run `data-platform transform`"]
    lines = [
        f"Last transform: dbt {outcome.command} at {outcome.generated_at} "
        f"({outcome.elapsed_seconds:.1f} s): {'succeeded' if outcome.succeeded else 'FAILED'}",
        f"  models: {_counts(outcome.models, ('success', 'error', 'skipped'))}",
        f"  tests: {_counts(outcome.tests, ('pass', 'warn', 'fail', 'error', 'skipped'))}",
    ]
    if outcome.failed:
        lines.append(f"  failed: {', '.join(outcome.failed)}")
    if outcome.warned:
        lines.append(f"  warned: {', '.join(outcome.warned)}")
    return lines


def render_status(status: LakehouseStatus, console: Console) -> None:
    if not status.exists:
        console.print(
            f"No lakehouse at {status.lakehouse} yet: build it with "
            "`data-platform extract load transform`.",
            markup=False,
        )
    elif not status.relations:
        console.print(
            f"The lakehouse {status.lakehouse} is empty: run `data-platform load transform`.",
            markup=False,
        )
    else:
        table = Table(title=f"Lakehouse {status.lakehouse}", title_justify="left")
        for name in ("layer", "relation", "kind"):
            table.add_column(name)
        table.add_column("rows", justify="right")
        previous = None
        for item in status.relations:
            schema = item.relation.schema
            if previous is not None and schema != previous:
                table.add_section()
            rows = f"{item.rows:,}" if item.rows is not None else f"error: {item.error}"
            table.add_row(
                schema if schema != previous else "", item.relation.name, item.relation.kind, rows
            )
            previous = schema
        console.print(table)
        missing = [
            layer for layer in LAYERS if layer not in {r.relation.schema for r in status.relations}
        ]
        if missing:
            console.print(f"Layers not built yet: {', '.join(missing)}", markup=False)
        for line in freshness_lines(status) + loads_lines(status):
            console.print(line, markup=False)
    for line in transform_lines(status.transform):
        console.print(line, markup=False)


def status_as_json(status: LakehouseStatus) -> dict[str, Any]:
    outcome = status.transform
    return {
        "lakehouse": str(status.lakehouse),
        "exists": status.exists,
        "relations": [
            {
                "schema": item.relation.schema,
                "name": item.relation.name,
                "kind": item.relation.kind,
                "rows": item.rows,
                **({"error": item.error} if item.error else {}),
            }
            for item in status.relations
        ],
        "sources": {
            source: {
                "loaded_at": _iso(status.loaded_at.get(source)),
                "fresh": status.fresh(source) if source in status.loaded_at else None,
                "stale_after_hours": stale_after(source).total_seconds() / 3600,
                "as_of": status.as_of.get(source),
            }
            for source in sorted(set(status.loaded_at) | set(status.as_of))
        },
        "recent_loads": _loads_json(status),
        "last_transform": None
        if outcome is None
        else {
            "command": outcome.command,
            "generated_at": outcome.generated_at,
            "elapsed_seconds": outcome.elapsed_seconds,
            "succeeded": outcome.succeeded,
            "models": dict(outcome.models),
            "tests": dict(outcome.tests),
            "failed": outcome.failed,
            "warned": outcome.warned,
        },
    }


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ") + "Z"


def _counts(counter: dict[str, int], order: tuple[str, ...]) -> str:
    statuses = [s for s in order if counter.get(s)] + sorted(s for s in counter if s not in order)
    parts = [f"{counter[s]} {_LABELS.get(s, s)}" for s in statuses]
    return ", ".join(parts) if parts else "none"


_LABELS = {
    "success": "built",
    "pass": "passed",
    "warn": "warned",
    "fail": "failed",
    "error": "errors",
    "skipped": "skipped",
}


def _age(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' * (hours != 1)}"
    days = seconds // 86400
    return f"{days} day{'s' * (days != 1)}"
