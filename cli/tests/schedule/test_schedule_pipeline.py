"""The real refresh under the scheduler: `schedule --once` end to end at scale 1, a stop between
steps, a wait for a lakehouse another process holds, and a real SIGTERM to a real process."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from jump.data_platform.pipeline import RefreshOptions, refresh
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.state import read_state
from jump.data_platform.settings import Settings
from support.cli import Run, run_cli

pytestmark = pytest.mark.slow


def lakehouse_snapshot(lakehouse: Path) -> dict[str, object]:
    """Every source table's rows and load time, and every mart's row count."""
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('sources', 'marts') order by all"
        ).fetchall()
        snapshot: dict[str, object] = {}
        for schema, name in tables:
            if schema == "sources":
                snapshot[f"{schema}.{name}"] = connection.execute(
                    f'select count(*), min(_loaded_at), max(_loaded_at) from {schema}."{name}"'
                ).fetchone()
            else:
                snapshot[f"{schema}.{name}"] = connection.execute(
                    f'select count(*) from {schema}."{name}"'
                ).fetchone()
    return snapshot


# Fire times that the wall clock does not reach while the tests run (a run that spans 10:05
# would leave the App due again): the jobs are due only because they never ran.
YEARLY = ("--app-cron", "0 0 1 1 *", "--crm-cron", "0 0 1 1 *")


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`schedule --once` on an empty data folder: both jobs are due, one refresh brings both."""
    folder = tmp_path_factory.mktemp("scheduled") / "data"
    return run_cli(folder, "schedule", "--once", *YEARLY)


@pytest.fixture
def copy_of_scheduled(scheduled: Run, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    shutil.copytree(scheduled.data_folder, folder, ignore=shutil.ignore_patterns("logs"))
    yield folder


def test_once_refreshes_what_is_due_then_nothing(scheduled: Run) -> None:
    assert scheduled.exit_code == 0, scheduled.stderr
    assert "schedule: app refresh (app, crm) succeeded in" in scheduled.stderr
    assert "crm: already refreshed" in scheduled.stderr  # the first App run brought the CRM in
    state = read_state(scheduled.settings.schedule_state_file)
    for job in ("app", "crm"):
        last = state.jobs[job].last_run
        assert last is not None and last.outcome == "succeeded"
        assert last.steps == ("extract", "load", "transform", "report")
    assert scheduled.settings.report_file.is_file()
    marts = lakehouse_snapshot(scheduled.lakehouse)
    assert marts["marts.monthly_turnover"] != (0,)

    again = run_cli(scheduled.data_folder, "schedule", "--once", *YEARLY)
    assert again.exit_code == 0, again.stderr
    assert "schedule --once: nothing is due" in again.stderr
    shown = run_cli(scheduled.data_folder, "status")
    assert "Schedule: no scheduler running (last started" in shown.stdout
    assert "app: '0 0 1 1 *' (Europe/Paris): last run" in shown.stdout
    assert "SUCCEEDED in" in shown.stdout


def test_stop_during_load_finishes_the_load_and_stops_before_transform(
    copy_of_scheduled: Path,
) -> None:
    """A stop asked mid-load (as SIGTERM would) takes effect at the next step boundary: the
    load commits whole, the transform does not start, the marts are the previous ones."""
    settings = Settings(data_folder=copy_of_scheduled)
    before = lakehouse_snapshot(settings.lakehouse_file)

    class StopDuringLoad:
        asked = threading.Event()

        def requested(self) -> bool:
            return self.asked.is_set()

        def wait(self, seconds: float) -> bool:
            return self.asked.is_set()

    stop = StopDuringLoad()

    class StoppingReporter(Reporter):
        def info(self, message: str) -> None:
            if " sources.app__" in message:  # a table of the App's load is written
                stop.asked.set()
            super().info(message)

    outcome = refresh(settings, ["app"], datetime.now(UTC), StoppingReporter(quiet=True), stop=stop)
    assert outcome.status == "stopped"
    assert outcome.steps == ("extract", "load")
    # Readers see nothing of a refresh that did not publish (docs/publishing.md).
    assert lakehouse_snapshot(settings.lakehouse_file) == before
    after = lakehouse_snapshot(settings.writer_lakehouse_file)
    # The load committed whole: one more App load, recorded for every App table at once.
    with duckdb.connect(str(settings.writer_lakehouse_file), read_only=True) as connection:
        loads = connection.execute(
            "select load_id, count(*) from platform.loads where source = 'app' "
            "group by load_id order by load_id"
        ).fetchall()
    app_tables = [name for name in after if name.startswith("sources.app__")]
    assert len(loads) == 2 and loads[-1][1] == len(app_tables)
    # The transform never started: the marts are the ones before.
    assert {k: v for k, v in after.items() if not k.startswith("sources.")} == {
        k: v for k, v in before.items() if not k.startswith("sources.")
    }


HOLD_WRITER = """
import sys
from pathlib import Path
from jump.data_platform.settings import Settings
from jump.data_platform.storage.writer import writer_session

with writer_session(Settings(data_folder=Path(sys.argv[1])), "load"):
    print("ready", flush=True)
    sys.stdin.read()
"""


def test_a_busy_writer_is_waited_for_then_loaded(copy_of_scheduled: Path) -> None:
    """Another writer (a manual `load`) holds the writer's lock: the refresh waits and retries.
    (A reader, even one holding the readers' file for writing, never makes it wait.)"""
    settings = Settings(data_folder=copy_of_scheduled)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(copy_of_scheduled)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"

    class ReleaseOnWait:
        """Stands in for the real wait: the other process closes the lakehouse meanwhile.
        Asked before each step, it stops the refresh before the transform (not tested here)."""

        waits = 0
        asked = 0

        def requested(self) -> bool:
            self.asked += 1
            return self.asked > 2

        def wait(self, seconds: float) -> bool:
            self.waits += 1
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=60)
            return False

    output = io.StringIO()
    stop = ReleaseOnWait()
    try:
        outcome = refresh(
            settings,
            ["crm"],
            datetime.now(UTC),
            Reporter(console=Console(file=output, width=400)),
            RefreshOptions(lock_timeout=60, lock_retry_every=5),
            stop,
        )
    finally:
        if holder.poll() is None:
            holder.kill()
    assert outcome.status == "stopped", outcome.error
    assert outcome.steps == ("extract", "load")
    assert stop.waits == 1 and outcome.lock_waits == 1
    assert f"(PID {holder.pid}), step load since" in output.getvalue()
    assert "waiting 5 s and retrying (waited 0 s of 60 s)" in output.getvalue()


def test_a_real_process_stops_cleanly_on_sigterm(copy_of_scheduled: Path) -> None:
    """`data-platform schedule` as a real process: SIGTERM during a refresh, a clean exit at the
    next step boundary, the lakehouse as it was (its last committed state)."""
    settings = Settings(data_folder=copy_of_scheduled)
    settings.schedule_state_file.unlink()  # both jobs due at start: a refresh starts at once
    before = lakehouse_snapshot(settings.lakehouse_file)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jump.data_platform.cli.main",
            "--data-folder",
            str(copy_of_scheduled),
            "schedule",
            *YEARLY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    try:
        log = _wait_for_log_line(settings, process, "Extracting app")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "schedule: SIGTERM received: stopping at the next step boundary" in stderr
    assert "stopped after" in stderr and "as asked" in stderr
    assert stderr.rstrip().endswith("schedule: stopped")
    assert "Traceback" not in stderr
    state = read_state(settings.schedule_state_file)
    last = state.jobs["app"].last_run
    assert last is not None and last.outcome == "stopped", log.read_text()
    assert state.scheduler is not None and state.scheduler.stopped_at is not None
    after = lakehouse_snapshot(settings.lakehouse_file)
    if "load" in last.steps:  # the load it was in committed whole
        assert after.keys() == before.keys()
    else:
        assert after == before


def _wait_for_log_line(settings: Settings, process: subprocess.Popen[str], text: str) -> Path:
    """The process's log file once it shows `text` (synchronisation, not a timing assertion)."""
    pause = threading.Event()
    for _ in range(3000):
        assert process.poll() is None, process.communicate()[1]
        log = settings.logs_folder / "scheduler.log"  # the scheduler's own log
        if log.is_file() and text in log.read_text(encoding="utf-8"):
            return log
        pause.wait(0.02)
    raise AssertionError(f"the scheduler's log never showed {text!r}")


def test_a_run_killed_with_sigkill_shows_as_killed(copy_of_scheduled: Path) -> None:
    """`kill -9` during a refresh: the run recorded when it started shows as killed, in the
    schedule section and in the run history."""
    settings = Settings(data_folder=copy_of_scheduled)
    settings.schedule_state_file.unlink()  # both jobs due at start: a refresh starts at once
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jump.data_platform.cli.main",
            "--data-folder",
            str(copy_of_scheduled),
            "schedule",
            *YEARLY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_log_line(settings, process, "Extracting app")
        process.kill()
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    shown = run_cli(copy_of_scheduled, "status", "--runs", "5", "--format", "json")
    document = json.loads(shown.stdout)
    assert document["schedule"]["jobs"]["app"]["last_run"]["outcome"] == "killed"
    assert [run["outcome"] for run in document["runs"]] == ["killed"]
    table = run_cli(copy_of_scheduled, "status")
    assert "KILLED (it never finished: the scheduler was killed)" in table.stdout


def test_a_refresh_that_finds_nothing_new_rebuilds_and_publishes_nothing(
    copy_of_scheduled: Path,
) -> None:
    """Twice the same hour: the second refresh's extract writes nothing (the file holds that
    hour), its load reads nothing (the file is the one loaded), its transform starts no dbt,
    no publication is made and the report is left as it is."""
    settings = Settings(data_folder=copy_of_scheduled)
    as_of = datetime.now(UTC).replace(microsecond=0)
    options = RefreshOptions(scale=1)
    first = refresh(settings, ["app"], as_of, options=options)
    assert first.succeeded, first.error
    report = settings.report_file.stat().st_mtime_ns
    publications = sorted(path.name for path in settings.publications_folder.iterdir())
    app_file = settings.source_file("app").stat().st_mtime_ns
    output = io.StringIO()
    reporter = Reporter(console=Console(file=output, width=200))
    again = refresh(settings, ["app"], as_of, reporter=reporter, options=options)
    assert again.succeeded, again.error
    assert again.rows_changed == 0
    assert settings.source_file("app").stat().st_mtime_ns == app_file
    assert "0 models built, 0 tests passed" in output.getvalue()
    assert "(nothing changed)" in output.getvalue()
    assert settings.report_file.stat().st_mtime_ns == report
    assert sorted(path.name for path in settings.publications_folder.iterdir()) == publications
