"""No process outlives the command that started it: dbt's multiprocessing resource tracker,
a child of the CLI, is ended and reaped before the CLI returns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _session_processes(session: int) -> list[str]:
    """The processes (zombies included) of a session, as `pid command`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == session:
            found.append(f"{stat.parent.name} {text[: text.rindex(')') + 1]}")
    return found


def test_stopping_the_resource_tracker_reaps_it() -> None:
    """In a process of its own: the stop runs multiprocessing's exit work, for the end of a
    process only."""
    script = (
        "from multiprocessing import resource_tracker\n"
        "from jump.data_platform.processes import resource_tracker_pid, stop_helper_processes\n"
        "resource_tracker.ensure_running()\n"
        "pid = resource_tracker_pid()\n"
        "stop_helper_processes()\n"
        "print(pid, resource_tracker_pid())\n"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert child.returncode == 0 and child.stderr == "", child.stderr
    pid, after = child.stdout.split()
    assert after == "None"
    assert not Path(f"/proc/{pid}").exists()  # ended and reaped, not a zombie


def test_the_cli_leaves_no_process_behind(tmp_path: Path) -> None:
    """The CLI in a session of its own, with the resource tracker started as dbt starts it:
    once it returned, its session holds no process."""
    script = (
        "import multiprocessing.resource_tracker as tracker, os, sys\n"
        "tracker.ensure_running()\n"
        "from jump.data_platform.cli.main import main\n"
        f"sys.argv = ['data-platform', '--data-folder', {str(tmp_path)!r}, 'status']\n"
        "code = main()\n"
        "print(os.getsid(0))\n"
        "sys.exit(code)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], start_new_session=True, capture_output=True, text=True
    )
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr and "leaked" not in child.stderr, child.stderr
    session = int(child.stdout.split()[-1])
    assert _session_processes(session) == []


def test_only_the_end_of_the_process_skips_the_last_collection(tmp_path: Path) -> None:
    """The console script's call (no arguments given) freezes what the heap holds, so that
    the interpreter's exit does not search it for cycles; a call with arguments (a test, a
    caller that goes on) leaves the collector as it was."""
    script = (
        "import gc, sys\n"
        "from jump.data_platform.cli.main import main\n"
        f"main(['--data-folder', {str(tmp_path)!r}, 'status'])\n"
        "print('frozen', gc.get_freeze_count())\n"
        f"sys.argv = ['data-platform', '--data-folder', {str(tmp_path)!r}, 'status']\n"
        "code = main()\n"
        "print('frozen', gc.get_freeze_count())\n"
        "sys.exit(code)\n"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    after_a_call, at_the_end = (
        int(line.split()[1]) for line in child.stdout.splitlines() if line.startswith("frozen ")
    )
    assert after_a_call == 0
    assert at_the_end > 10_000


@pytest.mark.slow
def test_a_transform_leaves_no_process_behind(tmp_path: Path) -> None:
    """The real thing: extract, load and transform (dbt starts the tracker) in a session of
    their own; none of their processes is left once the command returned."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jump.data_platform.cli.main",
            "--quiet",
            "--data-folder",
            str(tmp_path),
            "extract",
            "--scale",
            "1",
            "load",
            "transform",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = child.communicate(timeout=600)
    assert child.returncode == 0, stderr
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    assert _session_processes(child.pid) == []
