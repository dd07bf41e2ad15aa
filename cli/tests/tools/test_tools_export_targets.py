"""`export` writes regular files only: never a device, a FIFO, a socket or what a link points
to when that is not a regular file; `-o -` writes CSV to stdout."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cli import run_cli


def one_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


def test_a_fifo_is_refused_and_kept(data_folder: Path, fifo: Path) -> None:
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", str(fifo))
    assert run.exit_code == 1
    assert "FIFO" in one_error(run.stderr)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_refused_and_kept(data_folder: Path, unix_socket: Path) -> None:
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", str(unix_socket))
    assert run.exit_code == 1
    assert "socket" in one_error(run.stderr)
    assert stat.S_ISSOCK(os.lstat(unix_socket).st_mode)


@pytest.mark.parametrize("device", ["/dev/null", "/proc/self/fd/1"])
def test_a_link_to_a_device_or_a_descriptor_is_refused_and_kept(
    data_folder: Path, tmp_path: Path, device: str
) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to(device)
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", str(link))
    assert run.exit_code == 1
    assert "regular file" in one_error(run.stderr)
    assert link.is_symlink() and str(link.readlink()) == device


def test_a_character_device_is_refused(data_folder: Path) -> None:
    """/dev/null itself: refused before anything is written (root could replace it)."""
    before = os.lstat("/dev/null")
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", "/dev/null")
    assert run.exit_code == 1
    assert "character device" in one_error(run.stderr)
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_link_to_a_regular_file_writes_the_file_and_keeps_the_link(
    data_folder: Path, tmp_path: Path
) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", str(link))
    assert run.exit_code == 0, run.stderr
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("month,turnover\n")


def test_dash_means_stdout(data_folder: Path, tmp_path: Path) -> None:
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", "-")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "month,turnover",
        "2024-04-01,1200.50",
        "2024-05-01,0.00",
        "2024-06-01,310.25",
    ]
    assert not (Path.cwd() / "-").exists()


def test_dash_with_a_binary_format_is_a_bad_option(data_folder: Path) -> None:
    run = run_cli(data_folder, "export", "marts.monthly_turnover", "-o", "-", "--format", "xlsx")
    assert run.exit_code == 2
    assert "-o -" in run.stderr
