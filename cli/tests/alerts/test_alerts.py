"""Alerts through a real webhook and a real SMTP server: a failure, a recovery and a new warning
each delivered once; a persisting failure not sent again before its reminder interval; stale
sources on the fake clock, between runs."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.executors.debug import DebugExecutor
from rich.console import Console

from alerts.conftest import Mailbox, Webhook
from jump.data_platform.alerts.evaluate import check_alerts
from jump.data_platform.pipeline import RefreshOptions
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import job_specs
from jump.data_platform.schedule.runner import JobRunner, StopSignal
from jump.data_platform.schedule.service import configure_scheduler
from jump.data_platform.settings import Settings
from jump.data_platform.transform.run_record import NodeOutcome, TransformRun, save_run
from schedule.fake_clock import FakeClock, ManualScheduler
from schedule.fake_refresh import FakeRefresh
from support.cli import run_cli

PARIS = ZoneInfo("Europe/Paris")
HOURLY_AND_DAILY = {"app": "5 * * * *", "crm": "0 6 * * *"}


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=PARIS)


def configure(folder: Path, webhook: Webhook, smtp: Mailbox, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alerts.toml").write_text(
        f"""{extra}
[[webhook]]
url = "{webhook.url}"

[[email]]
host = "127.0.0.1"
port = {smtp.port}
from = "data-platform@example.com"
to = ["oncall@example.com"]
""",
        encoding="utf-8",
    )


class Scheduled:
    """A runner on the fake clock, its scheduler ticked by hand, alerts configured."""

    def __init__(self, folder: Path, clock: FakeClock, crons: dict[str, str]) -> None:
        self.settings = Settings(data_folder=folder)
        self.clock = clock
        self.refresh = FakeRefresh(clock)
        self.output = io.StringIO()
        self.runner = JobRunner(
            self.settings,
            job_specs(crons, "Europe/Paris"),
            RefreshOptions(),
            Reporter(console=Console(file=self.output, width=400)),
            StopSignal(),
            refresh_function=self.refresh,
            clock=clock,
        )
        self.runner.register_jobs()
        self.scheduler = ManualScheduler()
        configure_scheduler(self.runner, self.scheduler, DebugExecutor())
        self.scheduler.start()

    def at(self, when: datetime) -> None:
        self.clock.set(when)
        self.scheduler.tick()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(paris(1, 8, 30))
    fake.install(monkeypatch)
    return fake


def test_failure_recovery_and_new_warning_each_delivered_once(
    tmp_path: Path, clock: FakeClock, webhook: Webhook, smtp: Mailbox
) -> None:
    folder = tmp_path / "data"
    configure(folder, webhook, smtp)
    run = Scheduled(folder, clock, HOURLY_AND_DAILY)
    run.at(paris(1, 8, 30))  # both succeed: nothing to say
    assert webhook.posts == [] and smtp.messages == []

    run.refresh.failures = 2
    run.at(paris(1, 9, 5))  # fails: one alert
    run.at(paris(1, 10, 5))  # fails again: the same failure, not sent again
    assert len(webhook.posts) == 1 and len(smtp.messages) == 1
    text = webhook.texts()[0]
    assert text.splitlines()[0] == "[data-platform] app refresh (schedule) FAILED at load"
    assert "Since: 2026-06-01 07:05 UTC" in text
    assert "Error: boom" in text
    assert f"Investigate: data-platform --data-folder {folder} status --runs 10" in text
    assert webhook.posts[0]["alert"]["kind"] == "failure"
    assert smtp.subjects() == ["[data-platform] app refresh (schedule) FAILED at load"]
    assert "Error: boom" in smtp.messages[0].get_payload()

    run.at(paris(1, 11, 5))  # succeeds: one recovery
    assert len(webhook.posts) == 2 and len(smtp.messages) == 2
    assert webhook.texts()[1].startswith(
        "[data-platform] app refresh (schedule) recovered: succeeded after failing for"
    )
    run.at(paris(1, 12, 5))
    assert len(webhook.posts) == 2

    # A transform whose invoice-reference test newly warns: one alert, not at every run.
    transform = TransformRun(layers=("marts",), started_at=datetime(2026, 6, 1, 10, 6))
    transform.warned = [
        NodeOutcome("invoice_reference_gaps", "warn", "Got 2 results, configured to warn if != 0")
    ]
    transform.finish("succeeded")
    save_run(run.settings.last_transform_file, transform)
    run.at(paris(1, 13, 5))
    run.at(paris(1, 14, 5))
    assert len(webhook.posts) == 3 and len(smtp.messages) == 3
    assert webhook.texts()[2].startswith(
        "[data-platform] new data test warning: invoice_reference_gaps"
    )
    assert "Error: Got 2 results, configured to warn if != 0" in webhook.texts()[2]
    run.scheduler.shutdown()


def test_a_persisting_failure_is_reminded_only_after_its_interval(
    tmp_path: Path, clock: FakeClock, webhook: Webhook, smtp: Mailbox
) -> None:
    folder = tmp_path / "data"
    # Stale after 100 hours: only the failure speaks here.
    configure(folder, webhook, smtp, extra="reminder_hours = 3\n[stale_after_hours]\napp = 100")
    run = Scheduled(folder, clock, HOURLY_AND_DAILY)
    run.at(paris(1, 8, 30))
    run.refresh.failures = 10
    for hour in range(9, 12):  # 09:05, 10:05, 11:05: within three hours of the first alert
        run.at(paris(1, hour, 5))
    assert len(webhook.posts) == 1 and len(smtp.messages) == 1
    run.at(paris(1, 12, 5))  # three hours after it: one reminder, still since 09:05
    assert len(webhook.posts) == 2 and len(smtp.messages) == 2
    assert webhook.texts()[1].startswith("[data-platform] Reminder: app refresh")
    assert "Since: 2026-06-01 07:05 UTC" in webhook.texts()[1]
    run.at(paris(1, 13, 5))
    assert len(webhook.posts) == 2
    run.scheduler.shutdown()


def test_stale_sources_are_alerted_between_runs_on_the_fake_clock(
    tmp_path: Path, clock: FakeClock, webhook: Webhook, smtp: Mailbox
) -> None:
    """Both refresh once, then no fire time comes (yearly crons): the scheduler's periodic check
    says the App is stale after 3 hours, the CRM after 2 days, each once."""
    folder = tmp_path / "data"
    configure(folder, webhook, smtp, extra="reminder_hours = 1000")  # no reminder meanwhile
    run = Scheduled(folder, clock, {"app": "0 0 1 1 *", "crm": "0 0 1 1 *"})
    run.at(paris(1, 8, 30))  # both due (never run): they succeed at 08:32 and 08:34
    assert webhook.posts == []
    when = paris(1, 8, 30)
    while when < paris(3, 12, 0):
        when += timedelta(minutes=10)
        run.at(when)
    titles = [text.splitlines()[0] for text in webhook.texts()]
    assert titles == [
        "[data-platform] app is stale: no successful refresh for 3 hours (limit 3 hours)",
        "[data-platform] crm is stale: no successful refresh for 2 days (limit 2 days)",
    ]
    assert smtp.subjects() == titles
    run.scheduler.shutdown()


def test_an_alert_carries_no_personal_data_and_a_command_notifier_runs(
    tmp_path: Path, clock: FakeClock
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    received = tmp_path / "received.txt"
    script = f"import sys; open({str(received)!r}, 'a').write(sys.stdin.read())"
    (folder / "alerts.toml").write_text(
        f"[[command]]\nrun = {json.dumps([sys.executable, '-c', script])}\n",
        encoding="utf-8",
    )
    run = Scheduled(folder, clock, HOURLY_AND_DAILY)
    run.at(paris(1, 8, 30))
    run.refresh.failures = 1
    run.refresh.error = "row id=7, email=zoe@example.com, first_name=Zoé breaks the load"
    run.at(paris(1, 9, 5))
    text = received.read_text()
    assert "zoe@example.com" not in text and "Zoé" not in text
    assert "email=[redacted], first_name=[redacted]" in text
    run.scheduler.shutdown()


def test_a_bad_configuration_is_one_line_before_anything_runs(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "alerts.toml").write_text("[[webhook]]\nurl = 'ftp://nowhere'\n", encoding="utf-8")
    shown = run_cli(folder, "schedule", "--once")
    assert shown.exit_code == 1
    assert shown.stderr.startswith(
        f"Error: the alerts' configuration {folder / 'alerts.toml'} is invalid: a [[webhook]] "
        "needs an http(s) url"
    )
    assert shown.stderr.count("\n") == 1
    assert not Settings(data_folder=folder).sources_folder.exists()


def test_an_unreachable_notifier_is_a_warning_and_nothing_stops(
    tmp_path: Path, clock: FakeClock, smtp: Mailbox
) -> None:
    folder = tmp_path / "data"
    dead = Webhook("http://127.0.0.1:9/nothing-listens")
    configure(folder, dead, smtp)
    run = Scheduled(folder, clock, HOURLY_AND_DAILY)
    run.at(paris(1, 8, 30))
    run.refresh.failures = 1
    run.at(paris(1, 9, 5))
    assert len(smtp.messages) == 1
    assert "Warning: alert not delivered by webhook 127.0.0.1:9:" in run.output.getvalue()
    assert check_alerts(run.settings, clock(), Reporter(quiet=True)) == []  # sent: not again
    run.scheduler.shutdown()
