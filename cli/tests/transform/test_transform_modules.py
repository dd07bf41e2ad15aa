"""The transform's modules without dbt: finding the project, the summary's verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import (
    NodeOutcome,
    TransformSummary,
    one_line,
)

CHECKOUT_PROJECT = Path(__file__).resolve().parents[3] / "dbt"


def make_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text("name: x\n")
    return folder


def test_explicit_project(tmp_path: Path) -> None:
    project = make_project(tmp_path / "elsewhere")
    assert find_dbt_project(project, cwd=tmp_path) == project.resolve()


def test_explicit_folder_without_project_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataPlatformError, match=r"dbt_project\.yml is missing"):
        find_dbt_project(tmp_path)


def test_found_walking_up_from_the_current_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo" / "dbt")
    deep = tmp_path / "repo" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_dbt_project(cwd=deep) == project.resolve()


def test_found_from_inside_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path / "dbt")
    assert find_dbt_project(cwd=project) == project.resolve()


def test_falls_back_to_the_checkout_of_the_package(tmp_path: Path) -> None:
    # Nothing above tmp_path: the project beside the (editable) package is found.
    assert find_dbt_project(cwd=tmp_path) == CHECKOUT_PROJECT


def test_artifacts_go_to_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    assert settings.dbt_target_folder == tmp_path / "dbt" / "target"
    assert settings.dbt_logs_folder == tmp_path / "dbt" / "logs"


def test_warnings_do_not_fail_the_run() -> None:
    summary = TransformSummary(warned_tests=[NodeOutcome("gaps", "warn", "1 result")])
    assert summary.success
    summary.failed_tests.append(NodeOutcome("overlap", "fail", "1 result"))
    assert not summary.success
    assert not TransformSummary(failed_models=[NodeOutcome("m", "error", "boom")]).success


def test_one_line_keeps_the_reason_of_a_multi_line_message() -> None:
    message = (
        "Runtime Error in model staging__app__clients (models/staging/staging__app__clients.sql)\n"
        '  Binder Error: Referenced column "name" not found in FROM clause!\n'
        "  \n"
        "  LINE 7:     trim(name) as client_name,\n"
        "                   ^"
    )
    assert one_line(message) == (
        "Runtime Error in model staging__app__clients (models/staging/staging__app__clients.sql)"
        ': Binder Error: Referenced column "name" not found in FROM clause!'
        ": LINE 7: trim(name) as client_name,"
    )
    assert one_line(None) == ""
    assert one_line("Got 1 result, configured to warn if != 0") == (
        "Got 1 result, configured to warn if != 0"
    )
