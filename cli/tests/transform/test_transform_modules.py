"""The transform's modules without dbt: finding the project, the run's record and verdict,
where each layer is built."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import one_line, record_build
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.publish import (
    BuiltNode,
    built_relations,
    is_internal,
    plan_build,
    publish_layers,
    read_publications,
)
from jump.data_platform.transform.run_record import (
    FAILED,
    INTERRUPTED,
    RUNNING,
    SUCCEEDED,
    NodeOutcome,
    TransformRun,
    effective_state,
    load_run,
    save_run,
    transform_lock,
    transform_running,
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
    run = TransformRun(LAYERS, warned=[NodeOutcome("gaps", "warn", "1 result")])
    assert run.success
    run.failed.append(NodeOutcome("overlap", "fail", "1 result"))
    assert not run.success
    assert not TransformRun(LAYERS, error="dbt parse failed: boom").success


def _result(resource_type: str, name: str, status: str) -> SimpleNamespace:
    node = SimpleNamespace(resource_type=resource_type, name=name)
    return SimpleNamespace(node=node, status=status, message=f"{name} {status}")


def test_the_on_run_end_hook_counts_as_no_node_and_fails_the_run_only_when_it_fails() -> None:
    run = TransformRun(LAYERS)
    record_build(
        [_result("test", "unique_x", "pass"), _result("operation", "on-run-end-0", "success")],
        run,
    )
    assert run.tests == {"pass": 1} and not run.models
    assert run.success
    record_build([_result("operation", "on-run-end-0", "error")], run)
    assert [outcome.name for outcome in run.failed] == ["on-run-end-0"]
    assert not run.success


def test_the_record_keeps_the_run_but_not_its_failing_rows(tmp_path: Path) -> None:
    path = Settings(data_folder=tmp_path).last_transform_file
    assert load_run(path) is None
    run = TransformRun(("marts",))
    run.models.update(success=3, skipped=1)
    run.failed.append(NodeOutcome("not_null_x", "fail", "1 result", ("email=a@example.com",)))
    save_run(path, run)
    started = load_run(path)  # as written when it started: running, not finished
    assert started is not None and started.state == RUNNING and started.seconds is None
    assert (started.layers, started.started_at, started.models) == (
        ("marts",),
        run.started_at,
        run.models,
    )
    assert started.failed == [NodeOutcome("not_null_x", "fail", "1 result")]  # no rows
    run.finish(FAILED)
    save_run(path, run)
    ended = load_run(path)
    assert ended is not None and ended.state == FAILED and ended.seconds is not None
    assert "example.com" not in path.read_text()
    path.write_text("{", encoding="utf-8")
    with pytest.raises(DataPlatformError, match="cannot read the last transform's record"):
        load_run(path)


def test_a_running_record_nobody_holds_was_killed(tmp_path: Path) -> None:
    lock = Settings(data_folder=tmp_path).transform_lock_file
    run = TransformRun(LAYERS)
    assert not transform_running(lock)
    with transform_lock(lock):
        assert transform_running(lock)
        assert effective_state(run, transform_running(lock)) == RUNNING
        with (
            pytest.raises(DataPlatformError, match="another transform is running"),
            transform_lock(lock),
        ):
            pass
    assert effective_state(run, transform_running(lock)) == INTERRUPTED
    run.finish(SUCCEEDED)
    assert effective_state(run, transform_running(lock)) == SUCCEEDED


def _node(layer: str, relation: str, schema: str, materialized: str = "table") -> BuiltNode:
    return BuiltNode(f"{layer}__{relation}", layer, relation, schema, materialized)


def test_each_layer_builds_where_readers_do_not_look(tmp_path: Path) -> None:
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    duckdb.connect(str(lakehouse)).close()
    first = plan_build(lakehouse, LAYERS)
    assert first.full and first.layers == LAYERS and first.schemas == {}
    assert first.environment["DATA_PLATFORM_SCHEMA_MARTS"] == "marts__slot_a"
    with duckdb.connect(str(lakehouse)) as connection:
        for layer in LAYERS:
            connection.execute(f"create schema {layer}__slot_a")
            connection.execute(f"create table {layer}__slot_a.t as select 1 as x")
        # A lakehouse built before publishing: a table where the view goes, dbt's leftover.
        connection.execute("create schema marts")
        connection.execute("create table marts.t as select 0 as x")
        connection.execute("create table marts.t__dbt_backup as select 0 as x")
        connection.execute("create table marts__slot_a.t__dbt_tmp as select 0 as x")
    # What a dbt build outside run_transform (Dagster's) made: the slots' relations, not dbt's.
    built = built_relations(lakehouse, first)
    assert built == [_node(layer, "t", f"{layer}__slot_a") for layer in LAYERS]
    started = TransformRun(LAYERS).started_at
    publish_layers(lakehouse, first, built, started)
    with duckdb.connect(str(lakehouse)) as connection:
        assert connection.execute("select x from marts.t").fetchall() == [(1,)]
        assert connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall() == [("t",)]
        assert connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            ["marts__slot_a"],
        ).fetchall() == [("t",)]
        published = read_publications(connection)
    assert {layer: p.schema for layer, p in published.items()} == first.defaults
    assert {p.transform_started_at for p in published.values()} == {started}
    # The next run builds the marts in the other slot and reads the rest where it is published.
    second = plan_build(lakehouse, ["marts"])
    assert second.layers == ("marts",)
    assert second.schemas == {
        "marts__t": "marts__slot_b",
        "staging__t": "staging__slot_a",
        "intermediate__t": "intermediate__slot_a",
    }
    # Publishing it drops the table it retires; an incremental model keeps one copy of its
    # state, where it was built (a stale copy in its other slot goes).
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create table marts__slot_a.grows as select 1 as x")
        connection.execute("create table marts__slot_a.grows__inputs as select 1 as x")
        connection.execute("create schema marts__slot_b")
        for name in ("t", "grows"):
            connection.execute(f"create table marts__slot_b.{name} as select 2 as x")
    nodes = [
        _node("marts", "t", "marts__slot_b"),
        _node("marts", "grows", "marts__slot_b", "incremental"),
    ]
    publish_layers(lakehouse, second, nodes, started)
    with duckdb.connect(str(lakehouse)) as connection:
        assert connection.execute("select x from marts.t").fetchall() == [(2,)]
        assert (
            connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                ["marts__slot_a"],
            ).fetchall()
            == []
        )
        assert connection.execute("select x from intermediate.t").fetchall() == [(1,)]
    # The next build updates the incremental model where it is, and moves the other.
    third = plan_build(lakehouse, ["marts"], in_place=["marts__grows"])
    assert third.schemas["marts__grows"] == "marts__slot_b"
    assert third.schemas["marts__t"] == "marts__slot_a"


def test_a_partial_build_moves_only_the_models_it_rebuilt(tmp_path: Path) -> None:
    """Two models of one layer; the second run rebuilds one: it goes to the other slot, the
    other stays published where it is, and the third run builds each into its other slot."""
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create schema marts__slot_a")
        for name in ("kept", "moved"):
            connection.execute(f"create table marts__slot_a.{name} as select 1 as x")
    first = plan_build(lakehouse, LAYERS)
    started = TransformRun(LAYERS).started_at
    publish_layers(lakehouse, first, built_relations(lakehouse, first), started)
    partial = plan_build(lakehouse, LAYERS, ["marts__moved"])
    assert not partial.full and partial.layers == ("marts",)
    assert partial.schemas == {"marts__kept": "marts__slot_a", "marts__moved": "marts__slot_b"}
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create schema marts__slot_b")
        connection.execute("create table marts__slot_b.moved as select 2 as x")
    publish_layers(lakehouse, partial, [_node("marts", "moved", "marts__slot_b")], started)
    with duckdb.connect(str(lakehouse)) as connection:
        assert connection.execute(
            "select (select x from marts.kept), (select x from marts.moved)"
        ).fetchall() == [(1, 2)]
        assert {
            row[0]: row[1]
            for row in connection.execute(
                "select table_name, table_schema from information_schema.tables"
                " where table_schema like 'marts__slot_%'"
            ).fetchall()
        } == {"kept": "marts__slot_a", "moved": "marts__slot_b"}
    third = plan_build(lakehouse, LAYERS)
    assert third.schemas == {"marts__kept": "marts__slot_b", "marts__moved": "marts__slot_a"}


def test_a_failed_publish_changes_nothing(tmp_path: Path) -> None:
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir()
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("create schema marts; create table marts.t as select 0 as x")
    plan = plan_build(lakehouse, ["marts"])
    with pytest.raises(DataPlatformError, match="the previous layers stay published"):
        publish_layers(
            lakehouse,
            plan,
            [_node("marts", "missing", "marts__slot_a")],
            TransformRun(LAYERS).started_at,
        )
    with duckdb.connect(str(lakehouse)) as connection:
        assert connection.execute("select x from marts.t").fetchall() == [(0,)]
        assert read_publications(connection) == {}


@pytest.mark.parametrize(
    ("schema", "name", "internal"),
    [
        ("marts", "nps", False),
        ("marts__slot_b", "nps", True),
        ("marts", "nps__dbt_backup", True),
        ("intermediate__slot_a", "invoices__dbt_tmp", True),
        ("marts", "turnover_by_cohort__unchecked", True),
        ("_publish", "layers", True),
        ("sources", "app__invoices", False),
    ],
)
def test_what_readers_do_not_see(schema: str, name: str, internal: bool) -> None:
    assert is_internal(schema, name) is internal


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
