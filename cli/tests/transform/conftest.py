"""Fixtures of the transform tests: dbt runs are slow to start, so each runs once per session."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings
from transform.handmade_lakehouse import build_lakehouse


@dataclass(frozen=True)
class Run:
    """One `data-platform` invocation: its data folder, exit code and what it printed."""

    data_folder: Path
    exit_code: int
    stdout: str
    stderr: str

    @property
    def lakehouse(self) -> Path:
        return Settings(data_folder=self.data_folder).lakehouse_file


def run_cli(data_folder: Path, *args: str) -> Run:
    """Run the real entry point in this process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-folder", str(data_folder), *args])
    return Run(data_folder, code, out.getvalue(), err.getvalue())


def handmade_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    build_lakehouse(Settings(data_folder=folder).lakehouse_file)
    return folder


@pytest.fixture(scope="session")
def handmade_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`transform` of every layer over the hand-made lakehouse (do not modify)."""
    return run_cli(handmade_folder(tmp_path_factory, "handmade"), "transform")


@pytest.fixture(scope="session")
def end_to_end_run(tmp_path_factory: pytest.TempPathFactory, extracted_folder: Path) -> Run:
    """`load transform` of the sources extracted at scale 1 (do not modify)."""
    folder = tmp_path_factory.mktemp("end_to_end")
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    return run_cli(folder, "load", "transform")
