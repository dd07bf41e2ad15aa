"""Run the dbt project on the Spark warehouse (`--engine spark`): the same models and tests,
through dbt-spark's session mode in this process (docs/engines.md).

The Spark session is opened first with the data folder's warehouse and metastore; dbt-spark's
session connection then gets that same session (one per JVM). dbt's artifacts go to
`<data-folder>/spark/dbt`, apart from the DuckDB lakehouse's, which `status` reads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jump.data_platform.settings import Settings
from jump.data_platform.spark_lakehouse import (
    check_spark_available,
    open_spark,
    spark_environment,
)
from jump.data_platform.transform.dbt_runner import (
    check_invocation,
    dbt_arguments,
    environment_variables,
    record_build,
)
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.run_record import FAILED, SUCCEEDED, TransformRun

# The profile's target: `spark` (session mode, local or a cluster through its master URL or
# Spark Connect), or `spark_thrift` for a Thrift server (dbt/profiles.yml).
TARGET_ENV_VAR = "DATA_PLATFORM_SPARK_TARGET"
DEFAULT_TARGET = "spark"


def spark_dbt_arguments(settings: Settings, project_dir: Path) -> list[str]:
    """The options of every dbt command run on Spark: its target and artifact folders."""
    target = os.environ.get(TARGET_ENV_VAR) or DEFAULT_TARGET
    for folder in (settings.spark_dbt_target_folder, settings.spark_dbt_logs_folder):
        folder.mkdir(parents=True, exist_ok=True)
    return [
        *dbt_arguments(
            project_dir, settings.spark_dbt_target_folder, settings.spark_dbt_logs_folder
        ),
        "--target",
        target,
    ]


def run_spark_transform(
    settings: Settings, project_dir: Path, layers: Sequence[str] = LAYERS
) -> TransformRun:
    """`dbt build` of the selected layers (models and data tests) on the Spark warehouse.

    Unit tests are left out, as on DuckDB (run_spark_unit_tests runs them); source freshness
    too: dbt-spark cannot compute it from a column of a Parquet table without a query per
    source, and `load` has just stamped every table with `_loaded_at` anyway.
    """
    selection = ["--select", *(f"tag:{layer}" for layer in layers)]
    return _invoke(
        settings,
        project_dir,
        ["build", *selection, "--indirect-selection", "cautious"],
        ["--exclude-resource-type", "unit_test"],
        layers,
    )


def run_spark_unit_tests(settings: Settings, project_dir: Path) -> TransformRun:
    """The project's unit tests (fixed rows in, expected rows out) on Spark."""
    return _invoke(settings, project_dir, ["test", "--select", "test_type:unit"], [], LAYERS)


def _invoke(
    settings: Settings,
    project_dir: Path,
    command: list[str],
    extra: list[str],
    layers: Sequence[str],
) -> TransformRun:
    from dbt.cli.main import dbtRunner  # dbt is slow to import: only when transforming

    check_spark_available()  # before anything is written
    common = spark_dbt_arguments(settings, project_dir)
    if common[-1] == DEFAULT_TARGET:
        open_spark(settings)  # the session that dbt-spark's session mode picks up
    run = TransformRun(layers=tuple(layers))
    with environment_variables(spark_environment(settings)):
        result: Any = dbtRunner().invoke([*command, *extra, *common])
    check_invocation(result, command[0])
    record_build(result.result.results if result.result else (), run)
    # Nothing to publish on Spark: dbt builds the layers' own schemas (docs/engines.md).
    run.finish(SUCCEEDED if run.success else FAILED)
    return run
