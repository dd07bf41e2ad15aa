"""Fixtures shared by every test area."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.extract import extract_sources
from support.constants import AS_OF


@pytest.fixture(scope="session")
def extracted_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding both sources extracted at scale 1, as of AS_OF (do not modify)."""
    folder = tmp_path_factory.mktemp("extracted")
    extract_sources(Settings(data_folder=folder), ["app", "crm"], AS_OF, scale=1)
    return folder
