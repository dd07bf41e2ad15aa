"""`status`'s lines on the running writer and the recent publications (storage/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from jump.data_platform.storage.publish import PUBLICATIONS_TABLE, current_publication_id
from jump.data_platform.storage.writer import WriterRecord
from jump.data_platform.tools.times import company_time

RECENT = 5


@dataclass(frozen=True)
class PublicationSummary:
    publication_id: int
    published_at: str
    load_ids: list[int]
    mart_rows: int
    tests: dict[str, int]
    kept_forever_reason: str | None


def recent_publications(connection: duckdb.DuckDBPyConnection) -> list[PublicationSummary]:
    """The last publications recorded in this file, newest first."""
    if current_publication_id(connection) is None:
        return []
    rows = connection.execute(
        f"select publication_id, published_at, load_ids, marts, tests, kept_forever_reason"
        f" from {PUBLICATIONS_TABLE} order by publication_id desc limit {RECENT}"
    ).fetchall()
    return [
        PublicationSummary(
            int(pid),
            at.isoformat(sep=" ", timespec="seconds"),
            json.loads(loads),
            sum(int(mart["rows"]) for mart in json.loads(marts).values()),
            json.loads(tests),
            reason,
        )
        for pid, at, loads, marts, tests, reason in rows
    ]


def publications_lines(publications: list[PublicationSummary]) -> list[str]:
    if not publications:
        return []
    lines = ["Recent publications (id, published, loads, mart rows, tests):"]
    for item in publications:
        tests = ", ".join(f"{count} {status}" for status, count in sorted(item.tests.items()))
        kept = f"; kept for ever: {item.kept_forever_reason}" if item.kept_forever_reason else ""
        lines.append(
            f"  {item.publication_id}  {company_time(item.published_at)}  loads "
            f"{','.join(map(str, item.load_ids)) or '-'}  {item.mart_rows:,} rows  {tests}{kept}"
        )
    return lines


def writer_json(writer: WriterRecord | None) -> dict[str, Any] | None:
    if writer is None:
        return None
    return {
        "command": writer.command,
        "pid": writer.pid,
        "started_at": writer.started_at.isoformat(),
        "step": writer.step,
        "step_started_at": writer.step_started_at.isoformat(),
    }


def publications_json(publications: list[PublicationSummary]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.publication_id,
            "published_at": item.published_at,
            "load_ids": item.load_ids,
            "mart_rows": item.mart_rows,
            "tests": item.tests,
            "kept_forever_reason": item.kept_forever_reason,
        }
        for item in publications
    ]
