"""The run's log file: bounded in number, never a traceback, never personal data."""

from __future__ import annotations

import logging
from logging import FileHandler
from pathlib import Path

import pytest

from jump.data_platform.reporting import Reporter, redact, redact_row, start_log_file
from support.cli import run_cli
from support.disks import fill, tiny_disk


def test_a_full_logs_folder_warns_once_and_the_run_goes_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with tiny_disk(data / "logs", 64) as logs:
        fill(logs)
        run = run_cli(data, "extract", "--sources", "crm")
    assert run.exit_code == 0, run.stderr
    assert "Logging error" not in run.stderr and "Traceback" not in run.stderr
    warnings = [line for line in run.stderr.splitlines() if "cannot write the log file" in line]
    assert len(warnings) == 1, run.stderr
    assert "No space left on device" in warnings[0]
    assert (data / "sources" / "crm.sqlite").is_file()


def test_a_log_that_fails_mid_run_stops_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same on any system: /dev/full refuses every write with ENOSPC."""
    path = start_log_file(tmp_path)
    assert path is not None
    [handler] = [
        h for h in logging.getLogger("jump.data_platform").handlers if isinstance(h, FileHandler)
    ]
    handler.stream = Path("/dev/full").open("w", encoding="utf-8")  # noqa: SIM115
    reporter = Reporter(quiet=True)
    for number in range(40):
        reporter.info(f"line {number}")
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert err.count("cannot write the log file") == 1


def test_only_the_newest_logs_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = [logs / f"2020010{day}T000000-{day}.log" for day in range(1, 8)]
    for path in old:
        path.write_text("old", encoding="utf-8")
    (logs / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_cli(tmp_path, "--keep-logs", "3", "status").exit_code == 0
    kept = sorted(path.name for path in logs.iterdir())
    assert kept[:2] == [old[-2].name, old[-1].name]
    assert len(kept) == 4 and kept[-1] == "notes.txt"  # the new log, and a file not ours
    monkeypatch.setenv("DATA_PLATFORM_KEEP_LOGS", "1")
    assert run_cli(tmp_path, "status").exit_code == 0
    assert len([path for path in logs.iterdir() if path.suffix == ".log"]) == 1
    monkeypatch.setenv("DATA_PLATFORM_KEEP_LOGS", "0")
    assert run_cli(tmp_path, "status").exit_code == 0
    assert [path.name for path in logs.iterdir()] == ["notes.txt"]


def test_the_default_keeps_fifty(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for index in range(60):
        (logs / f"20200101T0000{index:02d}-1.log").write_text("old", encoding="utf-8")
    assert run_cli(tmp_path, "status").exit_code == 0
    assert len(list(logs.iterdir())) == 50


def test_personal_data_is_redacted() -> None:
    sample = "problem=orphan, id=7, email=zoe.martin@example.com, first_name=Zoé, last_name=O'Brien"
    assert redact(sample) == (
        "problem=orphan, id=7, email=[redacted], first_name=[redacted], last_name=[redacted]"
    )
    assert redact("contact noel.dupont+crm@mail.example.fr now") == "contact [redacted] now"
    assert redact("invoice JMP00000042 of contract 12") == "invoice JMP00000042 of contract 12"
    assert redact_row(["id", "Email", "note"], [3, "a@b.fr", "x y@z.com"]) == (
        "id=3, Email=[redacted], note=x [redacted]"
    )


def test_no_email_reaches_the_log_or_the_warnings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()  # a data folder with no lakehouse yet (a mistyped one is refused, uncreated)
    run = run_cli(data, "query", "select 'zoe.martin@example.com' as email")
    assert run.exit_code == 1  # no lakehouse: the query itself is logged first
    run = run_cli(data, "status")
    logs = "".join(path.read_text(encoding="utf-8") for path in (data / "logs").iterdir())
    assert "zoe.martin@example.com" not in logs and "[redacted]" in logs
    reporter = Reporter()
    start_log_file(data / "logs")
    reporter.warning("test x failed; first rows: id=1, email=noel@example.com")
    logs = "".join(path.read_text(encoding="utf-8") for path in (data / "logs").iterdir())
    assert "noel@example.com" not in logs
