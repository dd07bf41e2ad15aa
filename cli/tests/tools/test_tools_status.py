"""`data-platform status` through the real entry point, and the last transform's record."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings
from jump.data_platform.transform.run_record import (
    FAILED,
    RUNNING,
    NodeOutcome,
    load_run,
    save_run,
    transform_lock,
)
from tools.conftest import last_transform


def status(data_folder: Path, *args: str) -> int:
    return main(["--data-folder", str(data_folder), *args, "status"])


def test_layers_counts_freshness_as_of_and_last_transform(
    data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status(data_folder) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    # The answer first: fresh or not, the last refresh, what runs; then the relations.
    assert lines[0] == "Fresh: yes (app loaded 2 hours ago)"
    assert lines[1].startswith("Last refresh: transform succeeded at 2024-07-01 10:00 CEST")
    assert lines[2] == "Running now: nothing"
    assert lines[3] == "Times are in the company's time zone, Europe/Paris."
    assert " UTC" not in out
    # Layers in the order data flows, each relation with its row count.
    order = [
        next(i for i, line in enumerate(lines) if layer in line)
        for layer in ("sources", "staging", "intermediate", "marts")
    ]
    assert order == sorted(order)
    assert any("monthly_turnover" in line and line.rstrip(" │").endswith("3") for line in lines)
    assert any("app__users" in line and "view" in line for line in lines)
    assert "  app: " in out
    assert "2 hours ago: fresh (stale after 1 day), data as of 2024-06-30" in out
    assert (
        "Last transform: succeeded (staging, intermediate, marts), "
        "started at 2024-07-01 10:00 CEST, 4.2 s"
    ) in out
    assert "models: 2 built" in out
    assert "tests: 2 passed, 1 warned" in out
    assert "warned: invoice_references_consecutive" in out
    assert err == ""


def test_json_for_scripts(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-folder", str(data_folder), "status", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    counts = {f"{r['schema']}.{r['name']}": r["rows"] for r in document["relations"]}
    assert counts == {
        "sources.app__extract_metadata": 1,
        "sources.app__users": 3,
        "staging.app__users": 3,
        "intermediate.freelancers": 3,
        "marts.monthly_turnover": 3,
    }
    app = document["sources"]["app"]
    assert app["fresh"] is True and app["as_of"] == "2024-06-30" and app["stale_after_hours"] == 24
    assert app["loaded_at"].endswith("Z")
    transform = document["last_transform"]
    assert transform["warned"] == ["invoice_references_consecutive"]
    assert transform["tests"] == {"pass": 2, "warn": 1}
    assert transform["state"] == "succeeded" and transform["succeeded"] is True
    assert transform["started_at"] == "2024-07-01 08:00:00Z" and transform["seconds"] == 4.2


def test_quiet_still_prints_the_status(
    data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status(data_folder, "--quiet") == 0
    out, err = capsys.readouterr()
    assert "monthly_turnover" in out
    assert err == ""


def test_missing_lakehouse_is_a_message_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status(tmp_path / "data") == 0
    out, err = capsys.readouterr()
    assert "No lakehouse at" in out and "data-platform extract load transform" in out
    assert "Last transform: none recorded yet" in out
    assert err == ""


def test_empty_lakehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    duckdb.connect(str(lakehouse)).close()
    assert status(tmp_path) == 0
    assert "is empty: run `data-platform load transform`" in capsys.readouterr().out


def test_stale_sources_and_a_failed_transform_warn(
    fresh_data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    with duckdb.connect(str(lakehouse)) as connection:
        for table in ("app__users", "app__extract_metadata"):
            connection.execute(
                f"update sources.{table} set _loaded_at = _loaded_at - interval 3 day"
            )
        connection.execute("drop table intermediate.freelancers")  # the view above it still counts
        connection.execute("drop table marts.monthly_turnover")
    run = last_transform()
    run.models.update(error=1, skipped=1)
    run.failed += [
        NodeOutcome("marts.nps", "error", "Runtime Error"),
        NodeOutcome("assert_totals_reconcile", "fail", "Got 1 result"),
    ]
    run.state = FAILED
    save_run(Settings(data_folder=fresh_data_folder).last_transform_file, run)
    assert status(fresh_data_folder) == 0
    out, err = capsys.readouterr()
    assert "3 days ago: STALE" in out
    assert out.startswith("Fresh: NO, stale: app loaded 3 days ago (stale after 1 day)")
    assert "FAILED" in out
    assert "models: 2 built, 1 errors, 1 skipped" in out
    assert "failed: marts.nps, assert_totals_reconcile" in out
    assert "Layers not built yet: intermediate, marts" in out
    err = " ".join(err.split())  # the reporter wraps long lines on stderr
    assert "Warning: source app: " in err and "3 days ago: STALE (stale after 1 day)" in err
    assert "Warning: the last transform failed: marts.nps, assert_totals_reconcile" in err


def test_a_transform_that_found_nothing_changed(
    fresh_data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = last_transform()
    run.layers, run.up_to_date = (), True
    run.models.clear()
    run.tests.clear()
    save_run(Settings(data_folder=fresh_data_folder).last_transform_file, run)
    assert status(fresh_data_folder) == 0
    out = capsys.readouterr().out
    assert "Last transform: nothing changed since the last publication: nothing rebuilt" in out
    assert "warned: invoice_references_consecutive" in out  # the published state's warning
    assert main(["--data-folder", str(fresh_data_folder), "status", "--format", "json"]) == 0
    recorded = json.loads(capsys.readouterr().out)["last_transform"]
    assert recorded["up_to_date"] is True and recorded["state"] == "succeeded"


def test_locked_lakehouse(
    locked_data_folder: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, pid = locked_data_folder
    assert status(folder) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: lakehouse ") and f"locked by another process (PID {pid}," in err
    assert err.count("\n") == 1


def test_a_running_transform_and_a_killed_one(
    fresh_data_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_folder=fresh_data_folder)
    run = last_transform()
    run.state, run.finished_at = RUNNING, None
    run.models.clear()
    run.tests.clear()
    run.warned.clear()
    save_run(settings.last_transform_file, run)
    with transform_lock(settings.transform_lock_file):  # as a transform holds it while it runs
        assert status(fresh_data_folder) == 0
        out, err = capsys.readouterr()
    assert "Last transform: running (staging, intermediate, marts), started at 2024-07-01" in out
    assert "Running now: a transform (started at 2024-07-01 10:00 CEST, PID" in out
    assert err == ""
    # The same record with nobody holding the lock: that run was killed.
    assert status(fresh_data_folder, "--quiet") == 0
    out, err = capsys.readouterr()
    assert (
        "Last transform: interrupted/killed (staging, intermediate, marts), "
        "started at 2024-07-01 10:00 CEST: it never finished"
    ) in out
    assert "Published: nothing by a transform yet" in out
    assert "was interrupted or killed before publishing" in " ".join(err.split())
    assert main(["--data-folder", str(fresh_data_folder), "status", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["last_transform"]["state"] == "interrupted"
    assert document["last_transform"]["published"] is False


def test_unreadable_record(tmp_path: Path) -> None:
    path = Settings(data_folder=tmp_path).last_transform_file
    assert load_run(path) is None
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    assert status(tmp_path) == 1


def test_stale_thresholds_match_the_dbt_source_freshness() -> None:
    """`status` and `dbt source freshness` must call the same sources stale."""
    import yaml  # dbt's own dependency

    from jump.data_platform.tools.status import STALE_AFTER
    from jump.data_platform.transform.dbt_project import find_dbt_project

    declared = yaml.safe_load(
        (find_dbt_project() / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8")
    )
    units = {"hour": 1, "day": 24}
    for source in declared["sources"]:
        warn_after = source["config"]["freshness"]["warn_after"]
        hours = warn_after["count"] * units[warn_after["period"]]
        assert STALE_AFTER[source["name"]].total_seconds() / 3600 == hours, source["name"]
