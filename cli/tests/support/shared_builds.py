"""Lakehouses built once per test run, whichever pytest-xdist worker asks first.

A dbt build of even the hand-made lakehouse takes seconds; a session fixture alone would run it
once in each worker. The first worker to ask builds under a lock in the run's shared temporary
folder; every worker then works on its own copy, as it did on its own build before.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from support.cli import Run


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Run]
) -> Run:
    """`build(folder)` run once per test run under `name`, then copied for this worker.

    The copy's Run says what the build printed, with the copy's folder for the original's.
    """
    shared = _shared_folder(tmp_path_factory)
    if shared is None:  # one process: nothing to share
        return build(tmp_path_factory.mktemp(name))
    original = shared / name
    record = shared / f"{name}.json"
    with _locked(shared / f"{name}.lock"):
        if not record.exists():  # the first to ask, or a build that raised before
            shutil.rmtree(original, ignore_errors=True)
            original.mkdir()
            run = build(original)
            record.write_text(json.dumps(asdict(run), default=str))
    saved = json.loads(record.read_text())
    copy = tmp_path_factory.mktemp(name)
    shutil.copytree(original, copy, dirs_exist_ok=True)
    before, after = saved["data_folder"], str(copy)
    return Run(
        copy,
        saved["exit_code"],
        saved["stdout"].replace(before, after),
        saved["stderr"].replace(before, after),
    )


def _shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The folder every worker of this run sees: the parent of each worker's own base."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    return tmp_path_factory.getbasetemp().parent


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
