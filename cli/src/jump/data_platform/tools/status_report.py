"""Show a LakehouseStatus: rich tables for people, JSON for scripts and monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from jump.data_platform.reporting import describe_age
from jump.data_platform.tools.relations import FLOW
from jump.data_platform.tools.status import (
    READS_SOURCES,
    LakehouseStatus,
    ShownLoad,
    stale_after,
)
from jump.data_platform.tools.status_publications import (
    publications_json,
    publications_lines,
    writer_json,
)
from jump.data_platform.tools.times import COMPANY_TIME_ZONE, company_time
from jump.data_platform.transform.run_record import (
    FAILED,
    INTERRUPTED,
    RUNNING,
    SUCCEEDED,
)


def freshness_lines(status: LakehouseStatus) -> list[str]:
    if not status.loaded_at:
        return [
            "Sources loaded: never (no `_loaded_at` in the sources schema): run `data-platform load`"
        ]
    lines = ["Sources loaded:"]
    for source, loaded_at in sorted(status.loaded_at.items()):
        verdict = "fresh" if status.fresh(source) else "STALE"
        as_of = (
            f", data as of {company_time(status.as_of[source])}" if source in status.as_of else ""
        )
        lines.append(
            f"  {source}: {company_time(loaded_at)}, "
            f"{describe_age(status.checked_at - loaded_at)} ago: {verdict} "
            f"(stale after {describe_age(stale_after(source))}){as_of}"
        )
    return lines


def loads_lines(status: LakehouseStatus) -> list[str]:
    """The last loads (platform.loads): when, which source, as of when, what changed."""
    if not status.loads:
        return []
    lines = ["Recent loads (inserted / updated / deleted rows):"]
    for load in status.loads:
        lines.append(
            f"  #{load.load_id} {load.source} at {company_time(load.loaded_at)}, "
            f"as of {company_time(load.as_of) if load.as_of else '?'}, {load.mode}: +{load.inserted:,} ~{load.updated:,} "
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


def transform_lines(status: LakehouseStatus) -> list[str]:
    """How the last transform went, as it recorded itself, and what readers see."""
    run, state = status.transform, status.transform_state
    if run is None:
        return ["Last transform: none recorded yet: run `data-platform transform`"]
    started = f"started at {company_time(run.started_at)}"
    layers = ", ".join(run.layers)
    if state == RUNNING:
        head = f"running ({layers}), {started}, PID {run.pid}"
    elif state == INTERRUPTED and run.finished_at is not None:  # it recorded why (Ctrl-C)
        head = f"interrupted ({layers}), {started}, {run.seconds or 0:.1f} s"
    elif state == INTERRUPTED:
        head = f"interrupted/killed ({layers}), {started}: it never finished"
    elif run.up_to_date:
        head = f"nothing changed since the last publication: nothing rebuilt, {started}"
    else:
        verdict = "succeeded" if state == SUCCEEDED else "FAILED"
        head = f"{verdict} ({layers}), {started}, {run.seconds or 0:.1f} s"
    lines = [f"Last transform: {head}"]
    if run.models or run.tests:
        lines.append(f"  models: {_counts(run.models, ('success', 'error', 'skipped'))}")
        lines.append(f"  tests: {_counts(run.tests, ('pass', 'warn', 'fail', 'error', 'skipped'))}")
    if run.failed:
        lines.append(f"  failed: {', '.join(outcome.name for outcome in run.failed)}")
    if run.warned:
        lines.append(f"  warned: {', '.join(outcome.name for outcome in run.warned)}")
    if run.error:
        lines.append(f"  error: {run.error}")
    return lines + published_lines(status)


def published_lines(status: LakehouseStatus) -> list[str]:
    """Which transform each layer readers see comes from (layers published together share one)."""
    if not status.exists or status.transform_state == RUNNING:
        return []
    if not status.published:
        return ["Published: nothing by a transform yet"]
    by_run: dict[dt.datetime, list[str]] = {}
    for layer in FLOW:
        # Staging's views read the sources: what they show is said by `shown_loads_lines`.
        if layer in status.published and layer not in READS_SOURCES:
            by_run.setdefault(status.published[layer].transform_started_at, []).append(layer)
    lines = []
    for started_at, layers in by_run.items():
        this = status.transform is not None and started_at == status.transform.started_at
        lines.append(
            f"Published: {', '.join(layers)}, by the transform started at "
            f"{company_time(started_at)}{' (the last one)' if this else ''}"
        )
    return lines


def shown_loads_lines(status: LakehouseStatus) -> list[str]:
    """Which load each layer shows: staging's views show the sources' last load at once, the
    published tables the loads their transform read, until the next transform publishes."""
    if not status.shown_loads:
        return []
    by_loads: dict[tuple[ShownLoad, ...], list[str]] = {}
    for layer in FLOW:
        if layer in status.shown_loads:
            by_loads.setdefault(tuple(status.shown_loads[layer]), []).append(layer)
    lines = ["Loads each layer shows:"]
    for loads, layers in by_loads.items():
        shown = ", ".join(
            f"{load.source} #{load.load_id} (as of {load.as_of or '?'})" for load in loads
        )
        lines.append(f"  {', '.join(layers)}: {shown or 'no load'}")
    if len(by_loads) > 1:
        lines.append(
            "  staging reads the sources directly: it shows the last load before any transform; "
            "intermediate and marts show it once `data-platform transform` has published them"
        )
    return lines


def transform_warning(status: LakehouseStatus) -> str | None:
    """A warning when the last transform did not succeed: readers see an earlier one's layers."""
    run, state = status.transform, status.transform_state
    if run is None or state not in (FAILED, INTERRUPTED):
        return None
    what = ", ".join(outcome.name for outcome in run.failed) or run.error or "no reason recorded"
    if state == FAILED:
        return f"the last transform failed: {what}"
    published = "after publishing" if status.transform_published else "before publishing"
    return (
        f"the last transform (started at {company_time(run.started_at)}) was "
        f"interrupted or killed {published}"
    )


def observed_lines(status: LakehouseStatus) -> list[str]:
    """One line naming the NPS months whose end the lakehouse did not observe."""
    months = status.unobserved_months
    if not months:
        return []
    runs: list[list[dt.date]] = []
    for month in months:
        if runs and (runs[-1][-1] + dt.timedelta(days=32)).replace(day=1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    text = ", ".join(
        f"{run[0]:%Y-%m}" + (f"..{run[-1]:%Y-%m}" if len(run) > 1 else "") for run in runs
    )
    return [
        f"NPS months not observed (reconstructed from later CRM rows; a backfill from the "
        f"first day observes them): {text}"
    ]


def answer_lines(status: LakehouseStatus) -> list[str]:
    """The answer first: fresh or not, the last refresh, what is running now."""
    if not status.loaded_at:
        fresh = "Fresh: no source loaded yet: run `data-platform extract load transform`"
    elif status.stale_sources:
        fresh = "Fresh: NO, stale: " + ", ".join(
            f"{source} loaded {describe_age(status.checked_at - status.loaded_at[source])} ago "
            f"(stale after {describe_age(stale_after(source))})"
            for source in status.stale_sources
        )
    else:
        fresh = (
            "Fresh: yes ("
            + ", ".join(
                f"{source} loaded {describe_age(status.checked_at - loaded_at)} ago"
                for source, loaded_at in sorted(status.loaded_at.items())
            )
            + ")"
        )
    run, state = status.transform, status.transform_state
    if run is None:
        refresh = "Last refresh: none: run `data-platform transform`"
    else:
        when = run.finished_at or run.started_at
        verdict = {SUCCEEDED: "succeeded", FAILED: "FAILED", INTERRUPTED: "interrupted/killed"}
        refresh = (
            f"Last refresh: transform {verdict.get(state or '', state)} at {company_time(when)} "
            f"({describe_age(status.checked_at - when.replace(tzinfo=None))} ago)"
        )
        if state == RUNNING:
            refresh = (
                f"Last refresh: the transform started at {company_time(run.started_at)} is running"
            )
    running = []
    if status.writer is not None:  # the writer's lock names the command, its step and since when
        running.append(f"a refresh ({status.writer.describe()}); readers see the last publication")
    elif run is not None and state == RUNNING:
        running.append(f"a transform (started at {company_time(run.started_at)}, PID {run.pid})")
    if status.scheduler_running:
        running.append("a scheduler (`data-platform schedule`)")
    return [
        fresh,
        refresh,
        f"Running now: {', '.join(running) if running else 'nothing'}",
        f"Times are in the company's time zone, {COMPANY_TIME_ZONE.key}.",
    ]


def render_status(status: LakehouseStatus, console: Console) -> None:
    """The answer, then the relations, then the details (sources, loads, last transform)."""
    for line in answer_lines(status):
        console.print(line, markup=False)
    console.print()
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
        table = Table(
            title=f"What readers see in {status.lakehouse}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for name in ("layer", "relation", "kind"):
            table.add_column(name)
        table.add_column("rows", justify="right")
        previous = None
        for item in status.relations:
            schema = item.relation.schema
            rows = f"{item.rows:,}" if item.rows is not None else f"error: {item.error}"
            table.add_row(
                schema if schema != previous else "", item.relation.name, item.relation.kind, rows
            )
            previous = schema
        console.print(table)
        missing = [
            layer for layer in FLOW if layer not in {r.relation.schema for r in status.relations}
        ]
        if missing:
            console.print(f"Layers not built yet: {', '.join(missing)}", markup=False)
        for line in (
            freshness_lines(status)
            + loads_lines(status)
            + shown_loads_lines(status)
            + observed_lines(status)
        ):
            console.print(line, markup=False)
    for line in publications_lines(status.publications) + transform_lines(status):
        console.print(line, markup=False)


def status_as_json(status: LakehouseStatus) -> dict[str, Any]:
    run = status.transform
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
        "nps_months_not_observed": [f"{month:%Y-%m}" for month in status.unobserved_months],
        "recent_publications": publications_json(status.publications),
        "running_writer": writer_json(status.writer),
        "last_transform": None
        if run is None
        else {
            "state": status.transform_state,
            "succeeded": status.transform_state == SUCCEEDED,
            "layers": list(run.layers),
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "seconds": run.seconds,
            "published": status.transform_published,
            "up_to_date": run.up_to_date,
            "models": dict(run.models),
            "tests": dict(run.tests),
            "failed": [outcome.name for outcome in run.failed],
            "warned": [outcome.name for outcome in run.warned],
            "error": run.error,
        },
        "shown_loads": {
            layer: [
                {"source": load.source, "load_id": load.load_id, "as_of": load.as_of}
                for load in loads
            ]
            for layer, loads in status.shown_loads.items()
        },
        "published": {
            layer: {
                "transform_started_at": _iso(publication.transform_started_at),
                "published_at": _iso(publication.published_at),
            }
            for layer, publication in status.published.items()
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
