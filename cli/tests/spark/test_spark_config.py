"""The Spark engine's configuration: what runs without Spark installed (the profile, the
commands that read DuckDB only) and the cluster target, parsed by dbt-spark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from jump.data_platform.settings import Settings
from jump.data_platform.spark_lakehouse import session_config, spark_environment
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import check_invocation
from jump.data_platform.transform.spark import TARGET_ENV_VAR, spark_dbt_arguments
from spark.conftest import SPARK_MISSING
from support.cli import run_cli


def profile_outputs() -> dict[str, dict[str, object]]:
    profiles = yaml.safe_load((find_dbt_project() / "profiles.yml").read_text())
    outputs: dict[str, dict[str, object]] = profiles["jump_data_platform"]["outputs"]
    return outputs


def test_the_profile_configures_spark_as_the_cli_does(tmp_path: Path) -> None:
    """dbt by hand (`dbt build --target spark`) and the CLI open the same kind of session."""
    spark = profile_outputs()["spark"]
    assert spark["method"] == "session"
    parameters = spark["server_side_parameters"]
    assert isinstance(parameters, dict)
    assert set(parameters) == set(session_config(spark_environment(Settings(tmp_path))))


def test_a_cluster_target_reads_host_and_port_from_the_environment() -> None:
    thrift = profile_outputs()["spark_thrift"]
    assert thrift["method"] == "thrift"
    assert "DATA_PLATFORM_SPARK_HOST" in str(thrift["host"])
    assert "DATA_PLATFORM_SPARK_PORT" in str(thrift["port"])


def test_the_warehouse_lives_in_the_data_folder(tmp_path: Path) -> None:
    config = session_config(spark_environment(Settings(tmp_path)))
    assert config["spark.sql.warehouse.dir"] == str((tmp_path / "spark" / "warehouse").resolve())
    assert (
        str((tmp_path / "spark" / "metastore").resolve())
        in (config["spark.hadoop.javax.jdo.option.ConnectionURL"])
    )
    assert config["spark.master"] == os.environ.get("DATA_PLATFORM_SPARK_MASTER", "local[*]")


@pytest.mark.parametrize(
    "command",
    [["query", "select 1"], ["status"], ["export", "marts.nps", "-o", "nps.csv"], ["docs"]],
)
def test_duckdb_only_commands_say_so_in_one_line(tmp_path: Path, command: list[str]) -> None:
    run = run_cli(tmp_path, "--engine", "spark", *command)
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1
    assert "reads the DuckDB lakehouse only" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.skipif(
    "dbt.adapters.spark" in SPARK_MISSING or "pyspark" in SPARK_MISSING,
    reason=SPARK_MISSING or "ready",
)
def test_dbt_spark_parses_the_thrift_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cluster target is valid for dbt-spark (parsing opens no connection)."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv(TARGET_ENV_VAR, "spark_thrift")
    monkeypatch.setenv("DATA_PLATFORM_SPARK_HOST", "spark-thrift.example.org")
    monkeypatch.setenv("DATA_PLATFORM_SPARK_PORT", "10001")
    arguments = spark_dbt_arguments(Settings(tmp_path), find_dbt_project())
    assert arguments[-2:] == ["--target", "spark_thrift"]
    result = dbtRunner().invoke(["parse", *arguments, "--no-write-json"])
    check_invocation(result, "parse")
    assert result.success


def test_spark_without_java_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Java (or no pyspark): one line saying what to install, before anything is written."""
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr("jump.data_platform.spark_lakehouse.shutil.which", lambda _: None)
    run = run_cli(tmp_path, "--engine", "spark", "transform")
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1
    assert "the Spark engine needs" in run.stderr
    assert "openjdk-17-jre-headless" in run.stderr
    assert not (tmp_path / "spark").exists()
