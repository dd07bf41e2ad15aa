"""Real processes of the CLI for tests that interrupt, kill or starve them."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ENTRY_POINT = Path(sys.executable).parent / "data-platform"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ENTRY_POINT), "--data-folder", str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def holding(script: str, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A Python process running `script` (which prints one line once it holds what it holds,
    then waits for its standard input to close): the process and that line. It ends on exit."""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        yield holder, holder.stdout.readline()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll until `condition` holds (the run is where the test wants it) or the run ended."""
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, "the run ended before the point to interrupt it"
        assert time.monotonic() < deadline, "the run never reached the point to interrupt it"
        time.sleep(0.02)


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp*")) if folder.exists() else []
