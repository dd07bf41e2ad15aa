"""`data-platform schedule`'s options and errors: one line each, nothing run."""

from __future__ import annotations

import fcntl
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jump.data_platform.schedule.jobs import JobSpec
from jump.data_platform.settings import Settings
from support.cli import run_cli

PARIS = ZoneInfo("Europe/Paris")


def test_a_bad_cron_expression_is_one_line_naming_the_job(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "schedule", "--once", "--app-cron", "61 * * * *")
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("Error: invalid cron expression '61 * * * *' for the app job:")
    assert not Settings(data_folder=tmp_path).sources_folder.exists()


def test_the_cron_comes_from_the_environment_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_PLATFORM_SCHEDULE_CRM", "every day")
    run = run_cli(tmp_path, "schedule", "--once")
    assert run.exit_code == 1
    assert "invalid cron expression 'every day' for the crm job" in run.stderr


def test_an_unknown_time_zone_is_one_line(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "schedule", "--once", "--timezone", "Europe/Atlantis")
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: unknown time zone 'Europe/Atlantis' (--timezone or "
        "DATA_PLATFORM_SCHEDULE_TIMEZONE): use an IANA name such as Europe/Paris or UTC\n"
    )


def test_a_second_scheduler_on_the_same_data_folder_is_refused(tmp_path: Path) -> None:
    lock = Settings(data_folder=tmp_path).schedule_lock_file
    lock.parent.mkdir(parents=True)
    with lock.open("w") as handle:
        handle.write("4242\n")
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_EX)
        run = run_cli(tmp_path, "schedule", "--once")
    assert run.exit_code == 1
    assert "another scheduler (PID 4242) runs on this data folder" in run.stderr
    assert not Settings(data_folder=tmp_path).sources_folder.exists()


@pytest.mark.parametrize(
    ("last_success", "now", "due"),
    [
        (None, datetime(2026, 6, 1, 9, 0, tzinfo=PARIS), True),  # never succeeded
        (
            datetime(2026, 6, 1, 9, 5, tzinfo=PARIS),
            datetime(2026, 6, 1, 10, 4, tzinfo=PARIS),
            False,
        ),
        (datetime(2026, 6, 1, 9, 5, tzinfo=PARIS), datetime(2026, 6, 1, 10, 5, tzinfo=PARIS), True),
        # A run that started a second before its fire time did not do that fire time's work.
        (
            datetime(2026, 6, 1, 9, 4, 59, tzinfo=PARIS),
            datetime(2026, 6, 1, 9, 6, tzinfo=PARIS),
            True,
        ),
        # Missed for days: due (once).
        (datetime(2026, 6, 1, 9, 5, tzinfo=PARIS), datetime(2026, 6, 4, 0, 0, tzinfo=PARIS), True),
    ],
)
def test_due_means_a_fire_time_passed_since_the_last_success_started(
    last_success: datetime | None, now: datetime, due: bool
) -> None:
    assert JobSpec("app", "5 * * * *").is_due(last_success, now) is due


def test_the_daily_job_follows_paris_time_across_summer_time() -> None:
    crm = JobSpec("crm", "0 6 * * *")
    winter = crm.next_fire_time(datetime(2026, 3, 28, 7, 0, tzinfo=PARIS))
    summer = crm.next_fire_time(winter + timedelta(minutes=1)) if winter else None
    assert winter == datetime(2026, 3, 29, 6, 0, tzinfo=PARIS)
    assert summer is not None and summer.utcoffset() == timedelta(hours=2)
    assert summer.astimezone(PARIS).hour == 6
