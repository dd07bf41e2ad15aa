"""Measure a command in its own process: wall seconds and peak resident memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "jump.data_platform.cli.main"]


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


def run_process(arguments: Sequence[str]) -> Measure:
    """Run one command; its peak memory comes from the kernel's accounting of that child alone."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"{' '.join(arguments)} failed: {error.strip()}")
    if process.stderr:
        process.stderr.close()
    return Measure(seconds=seconds, peak_mib=usage.ru_maxrss / 1024)  # ru_maxrss is in KiB


def run_step(data_folder: Path, *step: str) -> Measure:
    return run_process([*CLI, "--quiet", "--data-folder", str(data_folder), *step])


def median_of(repeats: int, measure: Callable[[], Measure]) -> Measure:
    """The median wall time of several runs (and the highest peak memory among them)."""
    runs = [measure() for _ in range(repeats)]
    return Measure(
        seconds=statistics.median(run.seconds for run in runs),
        peak_mib=max(run.peak_mib for run in runs),
    )


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started
