"""Fixtures of the report tests: lakehouses transformed once per session (dbt is slow to start)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli
from transform.handmade_lakehouse import build_lakehouse


@pytest.fixture(scope="session")
def handmade_transformed(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`transform` of the hand-made lakehouse, which writes the report too (do not modify)."""
    folder = tmp_path_factory.mktemp("report_handmade")
    build_lakehouse(Settings(data_folder=folder).lakehouse_file)
    return run_cli(folder, "transform")


@pytest.fixture(scope="session")
def scale_one_run(tmp_path_factory: pytest.TempPathFactory, extracted_folder: Path) -> Run:
    """`load transform` of the sources extracted at scale 1 (do not modify)."""
    folder = tmp_path_factory.mktemp("report_scale_one")
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    return run_cli(folder, "load", "transform")
