"""Fixtures of the transform tests: dbt runs are slow to start, so each runs once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli
from transform.handmade_lakehouse import build_lakehouse


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
