"""`status` says when the report is older than the marts' last publication."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from jump.data_platform.tools.report_freshness import stale_report
from jump.data_platform.transform.publish import Publication

PUBLISHED = dt.datetime(2026, 6, 1, 10, 0)


def _publication() -> dict[str, Publication]:
    return {"marts": Publication("marts", "marts__blue", PUBLISHED, PUBLISHED)}


def _written_at(path: Path, when: dt.datetime) -> None:
    path.write_text("<html></html>")
    stamp = when.replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))


def test_a_report_written_before_the_last_publication_is_said_stale(tmp_path: Path) -> None:
    report = tmp_path / "index.html"
    _written_at(report, PUBLISHED - dt.timedelta(minutes=5))
    line = stale_report(report, _publication())
    assert line is not None
    assert "is older than the last publication of the marts (2026-06-01 10:00:00 UTC)" in line
    assert line.endswith("run `data-platform report`")


def test_a_report_written_after_it_or_none_at_all_is_not(tmp_path: Path) -> None:
    report = tmp_path / "index.html"
    assert stale_report(report, _publication()) is None
    _written_at(report, PUBLISHED + dt.timedelta(seconds=1))
    assert stale_report(report, _publication()) is None
    assert stale_report(report, {}) is None
