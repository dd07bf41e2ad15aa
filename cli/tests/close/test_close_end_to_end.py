"""Month close through the real entry point, in real processes: close a month, let the planted
late correction arrive, find the restatement to the cent in the mart and the report, reopen."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.close.scheduled import scheduled_close
from jump.data_platform.pipeline import RefreshOptions
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.tools.report.formatting import euros
from support.processes import ENTRY_POINT

# 2026-05 is complete, and its first invoice not yet corrected (the correction comes on
# 2026-07-16 at 10:30: docs/sources.md); then the day after the correction.
BEFORE_CORRECTION = "2026-07-10"
AFTER_CORRECTION = "2026-07-17"
MONTH = "2026-05"


def data_platform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRY_POINT), "--data-folder", str(folder), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def ok(folder: Path, *args: str) -> str:
    run = data_platform(folder, *args)
    assert run.returncode == 0, run.stderr
    return run.stdout + run.stderr


def rows(folder: Path, sql: str) -> list[dict[str, str]]:
    output = ok(folder, "--quiet", "query", "--format", "csv", sql)
    return list(csv.DictReader(io.StringIO(output)))


def one_line_error(run: subprocess.CompletedProcess[str], code: int) -> str:
    assert run.returncode == code, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lakehouse whose marts were published before the correction."""
    folder = tmp_path_factory.mktemp("close") / "data"
    ok(folder, "--quiet", "extract", "--as-of", BEFORE_CORRECTION, "load", "transform")
    return folder


@pytest.fixture
def folder(built: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "data"
    shutil.copytree(built, copy)
    yield copy


@pytest.mark.slow
def test_close_then_a_late_correction_is_a_restatement_to_the_cent(folder: Path) -> None:
    closed_total = rows(
        folder, f"select turnover from marts.monthly_turnover where month = '{MONTH}-01'"
    )
    output = ok(folder, "close", MONTH)
    assert f"close: {MONTH} closed by " in output and "figures frozen" in output
    events = rows(folder, "select month, action, closed_by, publication from platform.month_closes")
    assert len(events) == 1 and events[0]["action"] == "close"
    assert events[0]["closed_by"] and events[0]["publication"].startswith("publication ")
    # The publication the close froze is kept for ever by the retention.
    kept = rows(folder, "select kept_forever_reason from _publish.publications")
    assert {row["kept_forever_reason"] for row in kept} >= {f"month close {MONTH}"}
    frozen = rows(folder, "select * from platform.closed_figures order by all")

    # The refresh right after the close changes nothing: nothing differs yet.
    ok(folder, "--quiet", "transform")
    assert rows(folder, "select * from marts.restatements") == []

    # The late correction arrives; an incremental load takes it.
    ok(folder, "--quiet", "extract", "--as-of", AFTER_CORRECTION, "load", "transform")
    corrected = rows(
        folder,
        "select id, reference, amount from sources.app__invoices"
        " where updated_at = '2026-07-16 10:30:00'",
    )
    assert len(corrected) == 1
    seen = rows(
        folder,
        f"select amount from platform.closed_invoices where invoice_id = {corrected[0]['id']}",
    )
    difference = Decimal(corrected[0]["amount"]) - Decimal(seen[0]["amount"])
    assert difference < 0

    restated = rows(
        folder,
        "select * from marts.restatements where mart = 'monthly_turnover'",
    )
    assert len(restated) == 1
    row = restated[0]
    assert row["month"] == f"{MONTH}-01" and row["figure_key"] == "total"
    assert row["measure"] == "turnover"
    assert Decimal(row["closed_value"]) == Decimal(closed_total[0]["turnover"])
    assert Decimal(row["difference"]) == difference  # to the cent
    assert Decimal(row["current_value"]) == Decimal(row["closed_value"]) + difference
    assert row["changed_app_rows"] == f"{corrected[0]['reference']} (corrected)"
    by_mart = {r["mart"] for r in rows(folder, "select mart from marts.restatements")}
    assert by_mart == {"monthly_turnover", "turnover_by_cohort", "freelancer_cumulative_turnover"}

    # The closed month still shows its closed figure; the closed figures never changed.
    shown = rows(folder, f"select turnover from marts.monthly_turnover where month = '{MONTH}-01'")
    assert shown == closed_total
    assert rows(folder, "select * from platform.closed_figures order by all") == frozen

    # The report marks the month and lists the restatement in the auditor's section.
    page = (folder / "reports" / "index.html").read_text(encoding="utf-8")
    auditor = page[page.index('<section id="auditor">') :]
    assert 'id="restatements-table"' in auditor
    assert f"{corrected[0]['reference']} (corrected)" in auditor
    assert euros(difference) in auditor  # -665,57 EUR with seed 42
    assert 'class="restated"' in page[: page.index('<section id="auditor">')]

    # Reopened with a reason: recorded beside the close, and today's figures come back.
    one_line_error(data_platform(folder, "close", MONTH, "--reopen"), 2)
    ok(
        folder,
        "close",
        MONTH,
        "--reopen",
        "--reason",
        "credit note JMP late correction",
        "transform",
    )
    events = rows(folder, "select action, reason from platform.month_closes order by event_id")
    assert events == [
        {"action": "close", "reason": ""},
        {"action": "reopen", "reason": "credit note JMP late correction"},
    ]
    assert rows(folder, "select * from marts.restatements") == []
    shown = rows(folder, f"select turnover from marts.monthly_turnover where month = '{MONTH}-01'")
    assert Decimal(shown[0]["turnover"]) == Decimal(closed_total[0]["turnover"]) + difference
    assert rows(folder, "select * from platform.closed_figures order by all") == frozen


@pytest.mark.slow
def test_errors_are_one_line(folder: Path) -> None:
    assert "not a month" in one_line_error(data_platform(folder, "close", "2026-13"), 2)
    assert "not a month" in one_line_error(data_platform(folder, "close", "May 2026"), 2)
    incomplete = one_line_error(data_platform(folder, "close", "2026-07"), 1)
    assert "not complete" in incomplete
    assert "no such month" in one_line_error(data_platform(folder, "close", "2030-01"), 1)
    ok(folder, "close", MONTH)
    twice = one_line_error(data_platform(folder, "close", MONTH), 1)
    assert "already closed" in twice and "--reopen" in twice
    assert "nothing to reopen" in one_line_error(
        data_platform(folder, "close", "2026-04", "--reopen", "--reason", "x"), 1
    )
    assert "--reason goes with --reopen" in one_line_error(
        data_platform(folder, "close", "2026-04", "--reason", "x"), 2
    )
    # Nothing was recorded by the refused runs.
    assert len(rows(folder, "select * from platform.month_closes")) == 1


def test_closing_needs_a_published_build(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    lakehouse = Settings(data_folder=folder).lakehouse_file
    lakehouse.parent.mkdir(parents=True)
    duckdb.connect(str(lakehouse)).close()  # a lakehouse, nothing published in it
    error = one_line_error(data_platform(folder, "close", MONTH), 1)
    assert "no published marts" in error and "transform" in error


@pytest.mark.slow
def test_the_scheduled_close_closes_the_month_before_once(folder: Path) -> None:
    settings = Settings(data_folder=folder)
    fired = dt.datetime(2026, 7, 5, 7, 0)
    first = scheduled_close(settings, fired, Reporter(quiet=True), RefreshOptions())
    assert first.succeeded, first.error
    second = scheduled_close(settings, fired, Reporter(quiet=True), RefreshOptions())
    assert second.succeeded  # already closed: nothing to do
    events = rows(folder, "select month, action, closed_by from platform.month_closes")
    assert [(e["month"], e["action"]) for e in events] == [("2026-06-01", "close")]
    assert events[0]["closed_by"].endswith("(scheduler)")
