"""Measure a command in its own process: wall seconds and peak resident memory."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jump.data_platform.cli.main import main

CLI = [sys.executable, "-m", "jump.data_platform.cli.main"]
# The as-of of the single-step benchmarks' own extractions.
BENCH_AS_OF = date(2025, 6, 30)


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mib: float


# The command runs under a small Python parent that times it and reports its peak memory:
# Linux carries a process's peak resident memory across fork and exec, so a command started
# straight from this (large) process would report this process's size as its own.
_PARENT = (
    "import os, subprocess, sys, time; started = time.perf_counter(); "
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "_, status, usage = os.wait4(child.pid, 0); "
    "print(time.perf_counter() - started, usage.ru_maxrss, file=sys.stderr); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


def run_process(arguments: Sequence[str]) -> Measure:
    """Run one command: its wall seconds, and its peak memory from the kernel's accounting of
    that process alone."""
    process = subprocess.run(
        [sys.executable, "-c", _PARENT, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    *output, measured = process.stderr.strip().splitlines() or [""]
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed: {chr(10).join(output).strip()}")
    seconds, peak_kib = measured.split()
    return Measure(seconds=float(seconds), peak_mib=int(peak_kib) / 1024)  # ru_maxrss: KiB


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


def run_step_bench(
    description: str | None,
    needs: str,
    prepare: Sequence[str],
    report: Callable[[Path, int], str],
) -> None:
    """The command line of a single step's benchmark: measure the step on `--data-folder`, or
    on a temporary folder prepared at `--scale` by running the steps `prepare` (after extract)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--data-folder",
        type=Path,
        help=f"a data folder whose {needs} (default: a temporary folder, prepared at --scale)",
    )
    parser.add_argument("--scale", type=int, default=100, help="extract scale (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measure (median)")
    arguments = parser.parse_args()
    if arguments.data_folder is not None:
        print(report(arguments.data_folder, arguments.repeats))
        return
    with tempfile.TemporaryDirectory() as folder:
        extract = ["extract", "--scale", str(arguments.scale), "--as-of", BENCH_AS_OF.isoformat()]
        code = main(["--quiet", "--data-folder", folder, *extract, *prepare])
        if code != 0:
            raise SystemExit(code)
        print(f"scale {arguments.scale}, as of {BENCH_AS_OF}")
        print(report(Path(folder), arguments.repeats))
