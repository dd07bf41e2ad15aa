"""Fixtures shared by every test area."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.extract import extract_sources
from support.cli import Run, run_cli
from support.constants import AS_OF
from support.shared_builds import built_once
from transform.handmade_lakehouse import build_lakehouse


@pytest.fixture(autouse=True)
def unfrozen_heap() -> Iterator[None]:
    """Return to the garbage collector whatever a test froze (the scheduler settles the heap
    after each run, heap.py): the next test's garbage cycles are collected as usual."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def extracted_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding both sources extracted at scale 1, as of AS_OF (do not modify)."""
    folder = tmp_path_factory.mktemp("extracted")
    extract_sources(Settings(data_folder=folder), ["app", "crm"], AS_OF, scale=1)
    return folder


@pytest.fixture(scope="session")
def handmade_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`transform` of every layer over the hand-made lakehouse, which writes the report too
    (do not modify: copy it). Built once per test run (support/shared_builds.py)."""

    def build(folder: Path) -> Run:
        build_lakehouse(Settings(data_folder=folder).lakehouse_file)
        return run_cli(folder, "transform")

    return built_once(tmp_path_factory, "handmade", build)


@pytest.fixture(scope="session")
def scale_one_run(tmp_path_factory: pytest.TempPathFactory, extracted_folder: Path) -> Run:
    """`load transform` of the sources extracted at scale 1: publication 1 (do not modify:
    copy it). Built once per test run (support/shared_builds.py)."""

    def build(folder: Path) -> Run:
        shutil.copytree(extracted_folder / "sources", folder / "sources")
        return run_cli(folder, "load", "transform")

    return built_once(tmp_path_factory, "scale_one", build)
