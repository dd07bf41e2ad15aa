"""The longest chain of a dbt build (benchmarks/critical_path.py): a node waits for its parents
and for the tests on what it reads, as `dbt build` runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.critical_path import critical_path

# staging -> intermediate -> mart; a test on staging; a mart that reads a second root only.
MANIFEST: dict[str, Any] = {
    "nodes": {
        "model.p.staging": {"depends_on": {"nodes": ["source.p.app.rows"]}},
        "model.p.other": {"depends_on": {"nodes": []}},
        "model.p.intermediate": {"depends_on": {"nodes": ["model.p.staging"]}},
        "model.p.mart": {"depends_on": {"nodes": ["model.p.intermediate"]}},
        "model.p.side": {"depends_on": {"nodes": ["model.p.other"]}},
        "test.p.unique_staging": {"depends_on": {"nodes": ["model.p.staging"]}},
        # Reads two models: only a node reading both waits for it.
        "test.p.staging_matches_other": {
            "depends_on": {"nodes": ["model.p.staging", "model.p.other"]}
        },
    },
    "sources": {"source.p.app.rows": {"depends_on": {}}},
}
TIMES = {
    "model.p.staging": 0.1,
    "model.p.other": 0.1,
    "model.p.intermediate": 1.0,
    "model.p.mart": 0.5,
    "model.p.side": 0.2,
    "test.p.unique_staging": 0.3,
    "test.p.staging_matches_other": 5.0,
}


def _results(times: dict[str, float]) -> dict[str, Any]:
    return {
        "elapsed_time": 2.5,
        "results": [{"unique_id": node, "execution_time": s} for node, s in times.items()],
    }


def test_the_chain_runs_through_the_tests_a_model_waits_for() -> None:
    path = critical_path(_results(TIMES), MANIFEST)
    # The 5 s test reads `other`, which the intermediate model does not read: it waits for
    # the staging model's own test only, and the 5 s test ends a chain of its own.
    assert [node for node, _ in path.chain] == ["model.p.staging", "test.p.staging_matches_other"]
    assert round(path.seconds, 2) == 5.1
    assert (path.nodes, round(path.summed, 2), path.elapsed) == (7, 7.2, 2.5)


def test_without_the_long_test_the_chain_is_staging_test_intermediate_mart() -> None:
    times = {**TIMES, "test.p.staging_matches_other": 0.01}
    path = critical_path(_results(times), MANIFEST)
    assert [node for node, _ in path.chain] == [
        "model.p.staging",
        "test.p.unique_staging",
        "model.p.intermediate",
        "model.p.mart",
    ]
    assert round(path.seconds, 2) == 1.9


def test_a_node_the_build_did_not_run_is_already_there() -> None:
    times = {node: s for node, s in TIMES.items() if node not in {"model.p.staging"}}
    times["test.p.staging_matches_other"] = 0.01
    path = critical_path(_results(times), MANIFEST)
    assert [node for node, _ in path.chain] == [
        "test.p.unique_staging",
        "model.p.intermediate",
        "model.p.mart",
    ]


def test_the_command_prints_the_chain(tmp_path: Path) -> None:
    (tmp_path / "run_results.json").write_text(json.dumps(_results(TIMES)), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    shown = subprocess.run(
        [sys.executable, "-m", "benchmarks.critical_path", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    ).stdout
    assert shown.startswith("7 nodes, 7.20 s of node time, the build 2.50 s; longest chain 5.10 s:")
    assert "test.p.staging_matches_other" in shown.splitlines()[-1]
