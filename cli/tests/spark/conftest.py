"""The Spark tests need pyspark, dbt-spark and a Java runtime (`.ci/spark.sh` installs them);
without them they are skipped, so that `make test` runs anywhere."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from support.cli import Run, run_cli


def _missing() -> str:
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{module} is not installed (pip install 'jump-data-platform[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime (apt-get install openjdk-17-jre-headless)"
    return ""


SPARK_MISSING = _missing()
if SPARK_MISSING and os.environ.get("DATA_PLATFORM_REQUIRE_SPARK"):  # CI's Spark stage
    raise RuntimeError(f"the Spark tests cannot run: {SPARK_MISSING}")
needs_spark = pytest.mark.skipif(bool(SPARK_MISSING), reason=SPARK_MISSING or "ready")


@pytest.fixture(scope="session")
def both_engines(
    tmp_path_factory: pytest.TempPathFactory, extracted_folder: Path
) -> tuple[Run, Run]:
    """The same SQLite extracts (scale 1) loaded and transformed by DuckDB, then by Spark, in
    one data folder (do not modify). One Spark session serves this whole test process."""
    folder = tmp_path_factory.mktemp("both_engines")
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    duckdb_run = run_cli(folder, "load", "transform")
    spark_run = run_cli(folder, "--engine", "spark", "load", "transform")
    return duckdb_run, spark_run
