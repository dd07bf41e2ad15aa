"""What a transform keeps until its process ends (dbt's modules, its parsed project) is frozen for
Python's garbage collector (heap.py): the collections during the build do not walk it."""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.transform import dbt_import
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import dbt_arguments, parse_project
from support.cli import Run


def tracked(target: object) -> bool:
    """Whether the collector's generations (not its frozen one) hold `target`."""
    return any(obj is target for obj in gc.get_objects())


def test_the_modules_imported_in_the_background_are_frozen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = f"frozen_after_import_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("def function() -> None:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(dbt_import, "DBT_MODULES", (name,))
    monkeypatch.setattr(dbt_import, "_importing", None)
    try:
        dbt_import.start_importing_dbt()
        dbt_import.wait_for_dbt_import()
        assert not tracked(sys.modules[name].function)
    finally:
        sys.modules.pop(name, None)


def test_the_parsed_project_is_frozen(tmp_path: Path, handmade_run: Run) -> None:
    folder = tmp_path / "data"
    shutil.copytree(handmade_run.data_folder, folder)  # its partial parse: a parse of seconds
    settings = Settings(data_folder=folder)
    common = dbt_arguments(find_dbt_project(), settings.dbt_target_folder, settings.dbt_logs_folder)

    manifest = parse_project(common)

    assert manifest.nodes
    assert not tracked(manifest.nodes)
