"""dbt is imported in the background while a load that a transform follows writes, or while a
transform that will build plans its build."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jump.data_platform.cli import load as load_command
from jump.data_platform.cli import transform as transform_command
from jump.data_platform.cli.main import main
from jump.data_platform.transform import dbt_import, dbt_runner
from support.cli import Run, run_cli


@pytest.fixture
def fresh_import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A module no one imported yet, as the one module to import in the background."""
    name = f"imported_in_background_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("import time\ntime.sleep(0.2)\nLOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(dbt_import, "DBT_MODULES", (name,))
    monkeypatch.setattr(dbt_import, "_importing", None)
    yield name
    sys.modules.pop(name, None)


def test_the_import_runs_in_another_thread_and_the_wait_ends_with_it(fresh_import: str) -> None:
    dbt_import.wait_for_dbt_import()  # nothing started: returns at once
    dbt_import.start_importing_dbt()
    dbt_import.start_importing_dbt()  # once per process
    assert fresh_import not in sys.modules or not getattr(sys.modules[fresh_import], "LOADED", 0)
    dbt_import.wait_for_dbt_import()
    assert sys.modules[fresh_import].LOADED


def test_a_failed_background_import_is_left_to_the_transform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dbt_import, "DBT_MODULES", ("no_such_module_anywhere",))
    monkeypatch.setattr(dbt_import, "_importing", None)
    dbt_import.start_importing_dbt()
    dbt_import.wait_for_dbt_import()  # no error here: the transform's own import reports it


def test_a_load_followed_by_a_transform_starts_importing_dbt_before_it_writes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given: list[Any] = []

    def load_sources(*args: Any, on_write: Any = None, **kwargs: Any) -> None:
        given.append(on_write)

    monkeypatch.setattr(load_command, "load_sources", load_sources)
    (tmp_path / "sources").mkdir()
    folder = ["--quiet", "--data-folder", str(tmp_path)]
    assert main([*folder, "load"]) == 0
    # The transform then fails: its folder holds no dbt project. The load ran first.
    assert main([*folder, "load", "transform", "--project-dir", str(tmp_path)]) != 0
    assert given == [None, dbt_import.start_importing_dbt]


def test_a_full_refresh_starts_importing_dbt_before_it_checks_the_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(transform_command, "start_importing_dbt", lambda: started.append(True))
    # No lakehouse: the sources' check fails, after the import started.
    assert main(["--quiet", "--data-folder", str(tmp_path), "transform", "--full-refresh"]) != 0
    assert started == [True]
    started.clear()
    assert main(["--quiet", "--data-folder", str(tmp_path), "transform"]) != 0
    assert started == []  # a plain transform waits to know it will build


def test_a_transform_with_nothing_to_rebuild_never_imports_dbt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, handmade_run: Run
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(handmade_run.data_folder, folder)
    started: list[bool] = []
    monkeypatch.setattr(dbt_runner, "start_importing_dbt", lambda: started.append(True))
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    assert started == []
