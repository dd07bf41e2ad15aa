"""Helpers of the transform tests (the lakehouses built once per run: tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from support.cli import Run
from transform.handmade_lakehouse import build_lakehouse


def handmade_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    build_lakehouse(Settings(data_folder=folder).lakehouse_file)
    return folder


@pytest.fixture
def built(handmade_run: Run, tmp_path: Path) -> Settings:
    """A copy of the hand-made lakehouse after its first transform, for a test to change."""
    assert handmade_run.exit_code == 0, handmade_run.stderr
    folder = tmp_path / "built"
    shutil.copytree(handmade_run.data_folder, folder)
    return Settings(data_folder=folder)
