"""dbt's artifacts of a build: run_results.json every time, the manifest when the project is new
to the data folder or changed (transform/dbt_artifacts.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dbt.parser.manifest
import pytest

from jump.data_platform.transform.dbt_artifacts import write_manifest_if_new, write_run_results


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, str]]:
    """What dbt's write_manifest was asked to write, which writes the file as dbt would."""
    calls: list[tuple[object, str]] = []

    def write_manifest(manifest: object, target_path: str) -> None:
        calls.append((manifest, target_path))
        (Path(target_path) / "manifest.json").write_text("{}")

    monkeypatch.setattr(dbt.parser.manifest, "write_manifest", write_manifest)
    return calls


def test_the_manifest_is_written_when_missing_or_when_the_project_changed(
    tmp_path: Path, written: list[tuple[object, str]]
) -> None:
    manifest = object()
    assert write_manifest_if_new(manifest, tmp_path, project_changed=False)  # missing
    assert not write_manifest_if_new(manifest, tmp_path, project_changed=False)  # same project
    assert write_manifest_if_new(manifest, tmp_path, project_changed=True)
    assert written == [(manifest, str(tmp_path)), (manifest, str(tmp_path))]


def test_run_results_are_written_when_dbt_returned_a_result(tmp_path: Path) -> None:
    class Result:
        def write(self, path: str) -> None:
            Path(path).write_text("{}")

    target = tmp_path / "run_results.json"
    write_run_results(None, target)  # dbt could not even start: nothing to write
    assert not target.exists()
    result: Any = Result()
    write_run_results(result, target)
    assert target.read_text() == "{}"
