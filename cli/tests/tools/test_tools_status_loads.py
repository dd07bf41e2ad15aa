"""`status` says which load each layer shows: staging's views read the sources, so after a load
and before a transform it shows a newer load than intermediate and marts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jump.data_platform.tools.status import LakehouseStatus, ShownLoad
from jump.data_platform.tools.status_report import shown_loads_lines
from support.cli import run_cli


def test_layers_showing_different_loads_are_told_apart(tmp_path: Path) -> None:
    status = LakehouseStatus(lakehouse=tmp_path / "l.duckdb", exists=True)
    new, old = [ShownLoad("app", 2, "2025-09-30")], [ShownLoad("app", 1, "2025-06-30")]
    status.shown_loads = {"sources": new, "staging": new, "intermediate": old, "marts": old}
    lines = shown_loads_lines(status)
    assert lines[1] == "  sources, staging: app #2 (as of 2025-09-30)"
    assert lines[2] == "  intermediate, marts: app #1 (as of 2025-06-30)"
    assert "staging reads the sources directly" in lines[3]


@pytest.mark.slow
def test_staging_is_not_called_published_after_a_load_without_transform(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    assert run_cli(folder, "extract", "--as-of", "2025-06-30", "load", "transform").exit_code == 0
    assert run_cli(folder, "extract", "--as-of", "2025-09-30", "load").exit_code == 0
    run = run_cli(folder, "status")
    assert run.exit_code == 0, run.stderr
    published = [line for line in run.stdout.splitlines() if line.startswith("Published:")]
    assert published and all("staging" not in line for line in published)
    assert "  sources, staging: app #2 (as of 2025-09-30" in run.stdout
    assert "  intermediate, marts: app #1 (as of 2025-06-30" in run.stdout
    document = json.loads(run_cli(folder, "status", "--format", "json").stdout)
    shown = {
        layer: [load["load_id"] for load in loads]
        for layer, loads in document["shown_loads"].items()
    }
    assert shown["staging"] == [2, 2] and shown["marts"] == [1, 1]
