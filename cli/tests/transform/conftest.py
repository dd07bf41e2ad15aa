"""Helpers of the transform tests (the lakehouses built once per run: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from transform.handmade_lakehouse import build_lakehouse


def handmade_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    build_lakehouse(Settings(data_folder=folder).lakehouse_file)
    return folder
