"""`data-platform transform` when something is wrong: one line, the right exit code."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.transform.publish import is_internal
from jump.data_platform.transform.run_record import FAILED, load_run
from support.cli import Run, run_cli
from transform.conftest import handmade_folder
from transform.handmade_lakehouse import build_lakehouse

PROJECT = Path(__file__).resolve().parents[3] / "dbt"


def test_missing_lakehouse_says_to_load_first(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "transform")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: no lakehouse at {Settings(data_folder=tmp_path).writer_lakehouse_file}: "
        "build it with `data-platform extract load transform`"
    ]


def test_lakehouse_without_sources_says_to_load_first(tmp_path: Path) -> None:
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    duckdb.connect(str(lakehouse)).close()
    run = run_cli(tmp_path, "transform")
    assert run.exit_code == 1
    assert "has no `sources` schema: run `data-platform load` first" in run.stderr
    assert "Traceback" not in run.stderr


def test_lakehouse_missing_one_source_table(tmp_path: Path) -> None:
    lakehouse = handmade_folder_at(tmp_path)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("drop table sources.crm__customers")
    run = run_cli(tmp_path, "transform")
    assert run.exit_code == 1
    assert "has no table sources.crm__customers: run `data-platform load` first" in run.stderr


def test_unknown_layer_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "transform", "--layers", "gold")
    assert run.exit_code == 2
    assert "'gold' is not one of 'staging', 'intermediate', 'marts'" in run.stderr


def test_project_dir_without_a_dbt_project(tmp_path: Path) -> None:
    handmade_folder_at(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_cli(tmp_path, "transform", "--project-dir", str(empty))
    assert run.exit_code == 1
    assert run.stderr.strip() == f"Error: no dbt project in {empty}: dbt_project.yml is missing"


def handmade_folder_at(folder: Path) -> Path:
    return build_lakehouse(Settings(data_folder=folder).lakehouse_file)


@pytest.mark.parametrize("threads", ["0", "four", "-2", ""])
def test_a_bad_number_of_dbt_threads_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    handmade_folder_at(tmp_path)
    settings = Settings(data_folder=tmp_path)
    monkeypatch.setenv("DATA_PLATFORM_DBT_THREADS", threads)
    run = run_cli(tmp_path, "transform")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        "Error: DATA_PLATFORM_DBT_THREADS must be a whole number of dbt threads, 1 or more, "
        f"not {threads!r}"
    ]
    assert not settings.last_transform_file.exists()  # no transform started


@pytest.mark.slow
def test_failing_error_test_exits_1_and_names_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = handmade_folder(tmp_path_factory, "overlap")
    with duckdb.connect(str(Settings(data_folder=folder).lakehouse_file)) as connection:
        # Contract 5 (user 4, from 2024-05-20) now overlaps a second contract of user 4.
        connection.execute(
            "insert into sources.app__job_contracts values (6, 4, 'green', '2024-06-01', null,"
            " '2024-06-01 09:00:00', '2024-06-01 09:00:00', now())"
        )
    run = run_cli(folder, "transform", "--project-dir", str(PROJECT))
    assert run.exit_code == 1
    last_line = run.stderr.strip().splitlines()[-1]
    # One failure: the error line itself names the test and shows its failing rows.
    assert last_line.startswith("Error: transform failed: assert_job_contracts_do_not_overlap")
    assert "overlapping_job_contract_id=6" in last_line
    assert "Failed:" not in run.stderr


@pytest.mark.slow
def test_a_failing_model_is_one_line_naming_the_model_and_the_reason(
    tmp_path_factory: pytest.TempPathFactory, handmade_run: Run
) -> None:
    folder = tmp_path_factory.mktemp("retyped_column")
    lakehouse = Settings(data_folder=folder).lakehouse_file
    # Freshly loaded and without the reference gap: no warning, only the error may reach stderr.
    loaded_at = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
    build_lakehouse(lakehouse, loaded_at=loaded_at)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(
            "insert into sources.app__invoices values (9, 'JMP00000004', 1, 1, '2023-02-15', 1.0,"
            f" '2023-02-15 09:00:00', '2023-02-15 09:00:00', '{loaded_at}')"
        )
        # A column of the wrong type passes the preflight (names only) and fails in dbt.
        connection.execute(
            "alter table sources.app__clients alter name type struct(v integer) using {'v': 1}"
        )
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 1
    [line] = run.stderr.splitlines()  # dbt prints nothing of its own
    assert line.startswith(
        "Error: transform failed: staging.app__clients (error): Runtime Error in model "
        "staging__app__clients (models/staging/staging__app__clients.sql): Binder Error: "
    )
    assert "trim(STRUCT(v INTEGER))" in line
    assert line.endswith(f"dbt's log is in {Settings(data_folder=folder).dbt_logs_folder}")
    # dbt's log file keeps the detail the console does not show.
    assert (
        "trim(STRUCT(v INTEGER))"
        in (Settings(data_folder=folder).dbt_logs_folder / "dbt.log").read_text()
    )


@pytest.mark.slow
def test_run_results_are_complete_after_a_failed_compilation(
    tmp_path: Path, handmade_run: Run
) -> None:
    # A model that fails to compile (its Jinja raises only when executed, so parsing passes).
    # `build` records it as a failed node and joins its worker threads before it writes
    # run_results.json and returns: nothing writes into the target folder afterwards, and
    # `status` reads every node, the failed one and those skipped after it.
    folder = tmp_path / "data"
    handmade_folder_at(folder)
    project = tmp_path / "dbt"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    model = project / "models" / "staging" / "staging__app__invoices.sql"
    model.write_text(
        '{% if execute %}{{ exceptions.raise_compiler_error("no invoices today") }}{% endif %}\n'
        + model.read_text()
    )
    run = run_cli(folder, "transform", "--project-dir", str(project))
    assert run.exit_code == 1
    assert "Compilation Error in model staging__app__invoices" in run.stderr
    assert "no invoices today" in run.stderr
    target = Settings(data_folder=folder).dbt_target_folder
    files = {path: path.stat().st_mtime_ns for path in target.rglob("*")}
    time.sleep(0.5)
    assert {path: path.stat().st_mtime_ns for path in target.rglob("*")} == files
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {result["unique_id"]: result["status"] for result in results}
    assert statuses.pop("model.jump_data_platform.staging__app__invoices") == "error"
    assert "skipped" in statuses.values()
    complete = Settings(data_folder=handmade_run.data_folder).run_results_file
    assert len(results) == len(json.loads(complete.read_text())["results"])
    record = load_run(Settings(data_folder=folder).last_transform_file)
    assert record is not None and record.state == FAILED and not record.published
    assert [outcome.name for outcome in record.failed] == ["staging.app__invoices"]
    status = run_cli(folder, "status")
    assert "the last transform failed: staging.app__invoices" in " ".join(status.stderr.split())


@pytest.mark.slow
def test_layers_builds_only_the_selected_layer(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = handmade_folder(tmp_path_factory, "staging_only")
    run = run_cli(folder, "transform", "--layers", "staging")
    assert run.exit_code == 0, run.stderr
    with duckdb.connect(str(Settings(data_folder=folder).lakehouse_file)) as connection:
        schemas = {
            schema
            for (schema,) in connection.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
    # Readers see the sources and the staging layer, published; nothing of the other layers.
    assert schemas - {name for name in schemas if is_internal(name, "")} == {
        "sources",
        "staging",
        "snapshots",  # snapshots run with staging
    }
    # The reference test reads intermediate.invoices: it is not run with staging alone.
    assert "consecutive" not in run.stderr


def test_broken_project_is_one_line_naming_the_model(tmp_path: Path) -> None:
    handmade_folder_at(tmp_path / "data")
    project = tmp_path / "dbt"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    model = project / "models" / "marts" / "marts__nps.sql"
    model.write_text(
        model.read_text().replace("intermediate__survey_answers", "intermediate__nope")
    )
    run = run_cli(tmp_path / "data", "transform", "--project-dir", str(project))
    assert run.exit_code == 1
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("Error: dbt parse failed: Compilation Error")
    assert "marts__nps" in line
    assert "intermediate__nope" in line


def test_a_dropped_source_column_is_named_in_its_table(tmp_path: Path) -> None:
    lakehouse = handmade_folder_at(tmp_path)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("alter table sources.app__invoices drop column amount")
    run = run_cli(tmp_path, "transform")
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        "Error: source table sources.app__invoices has no column amount (loaded from "
        "app.sqlite, table invoices): the application's extract changed; extract it again "
        "or update the contract"
    ]
