"""The one module that opens the Spark lakehouse (the `--engine spark` path, docs/engines.md).

Local mode by default: a Spark driver in this process's JVM, tables as Parquet files under
`<data-folder>/spark/warehouse`, their catalogue in an embedded Derby metastore beside them. The
same settings reach dbt-spark's session mode through the environment variables that
dbt/profiles.yml reads, so `load` and `transform` see one warehouse. `DATA_PLATFORM_SPARK_MASTER`
points the session at a cluster (`spark://host:7077`, `yarn`), pyspark's own `SPARK_REMOTE` at a
Spark Connect server (`sc://host:15002`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from collections.abc import Mapping
from typing import TYPE_CHECKING

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

# Read by dbt/profiles.yml (target `spark`); each defaults to local mode under ../data/spark.
MASTER_ENV_VAR = "DATA_PLATFORM_SPARK_MASTER"
REMOTE_ENV_VAR = "SPARK_REMOTE"  # pyspark's own: dbt-spark's session mode honours it too
WAREHOUSE_ENV_VAR = "DATA_PLATFORM_SPARK_WAREHOUSE"
METASTORE_ENV_VAR = "DATA_PLATFORM_SPARK_METASTORE"
TEMPORARY_ENV_VAR = "DATA_PLATFORM_SPARK_TMP"
LOG_CONFIG_ENV_VAR = "DATA_PLATFORM_SPARK_LOG_CONFIG"
DEFAULT_MASTER = "local[*]"
APP_NAME = "jump-data-platform"
# Errors only: Spark's start-up notes and warnings would drown the CLI's own lines.
LOG_CONFIG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
# The metastore logs an error for every CREATE SCHEMA IF NOT EXISTS of an existing schema.
logger.metastore.name = org.apache.hadoop.hive.metastore.RetryingHMSHandler
logger.metastore.level = off
"""
INSTALL_HINT = (
    "install the Spark engine: `pip install 'jump-data-platform[spark]'` and a Java runtime "
    "(`apt-get install openjdk-17-jre-headless`); see docs/engines.md"
)


def spark_environment(settings: Settings) -> dict[str, str]:
    """The environment variables of dbt/profiles.yml's `spark` target for this data folder."""
    return {
        LOG_CONFIG_ENV_VAR: str(settings.spark_log_config_file.resolve()),
        WAREHOUSE_ENV_VAR: str(settings.spark_warehouse_folder.resolve()),
        METASTORE_ENV_VAR: str(settings.spark_metastore_folder.resolve()),
        TEMPORARY_ENV_VAR: str(settings.spark_temporary_folder.resolve()),
    }


def session_config(environment: Mapping[str, str]) -> dict[str, str]:
    """Spark's configuration for the warehouse of `environment` (see spark_environment): the
    same keys as the server_side_parameters of dbt/profiles.yml's `spark` target."""
    warehouse = environment[WAREHOUSE_ENV_VAR]
    metastore = environment[METASTORE_ENV_VAR]
    return {
        "spark.master": environment.get(MASTER_ENV_VAR) or DEFAULT_MASTER,
        "spark.app.name": APP_NAME,
        "spark.sql.warehouse.dir": warehouse,
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true"
        ),
        # derby.log goes beside the metastore, not into the current folder.
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={metastore} "
            f"-Dlog4j2.configurationFile={environment[LOG_CONFIG_ENV_VAR]}"
        ),
        "spark.local.dir": environment[TEMPORARY_ENV_VAR],
        # Arrow in both directions: load hands Arrow tables over, tests read results back.
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # Two cores and small tables: Spark's default of 200 shuffle partitions would make
        # 200 tiny tasks (and 200 tiny Parquet files) per join.
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def check_spark_available() -> None:
    """One line naming what is missing when pyspark, dbt-spark or Java are not installed."""
    for module in ("pyspark", "dbt.adapters.spark"):
        if _missing(module):
            raise DataPlatformError(f"the Spark engine needs {module}: {INSTALL_HINT}")
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise DataPlatformError(f"the Spark engine needs Java (no `java` on PATH): {INSTALL_HINT}")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def open_spark(settings: Settings) -> SparkSession:
    """The Spark session of the data folder's warehouse (created once per process: Spark has
    one session per JVM, which dbt-spark's session mode then reuses)."""
    check_spark_available()
    from pyspark.sql import SparkSession

    environment = {**spark_environment(settings), **_cluster_environment()}
    for folder in (settings.spark_warehouse_folder, settings.spark_metastore_folder):
        folder.mkdir(parents=True, exist_ok=True)
    settings.spark_temporary_folder.mkdir(parents=True, exist_ok=True)
    settings.spark_log_config_file.write_text(LOG_CONFIG)
    builder = SparkSession.builder
    if environment.get(REMOTE_ENV_VAR):
        # A Spark Connect server has its own warehouse and metastore: nothing to configure.
        return builder.getOrCreate()
    if environment.get(MASTER_ENV_VAR, DEFAULT_MASTER).startswith("local"):
        # Local mode talks to itself only: bind the driver to the loopback address.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Spark's own log says on stderr what the CLI's one-line errors and dbt's log say already.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    for key, value in session_config(environment).items():
        builder = builder.config(key, value)
    try:
        session = builder.enableHiveSupport().getOrCreate()
    except Exception as error:  # py4j and Spark raise many kinds; one line for the user
        raise DataPlatformError(
            f"cannot start Spark for {settings.spark_folder}: {_first_line(error)}"
        ) from error
    session.sparkContext.setLogLevel("ERROR")
    _check_same_warehouse(session, environment[WAREHOUSE_ENV_VAR])
    return session


def _cluster_environment() -> dict[str, str]:
    return {
        name: os.environ[name] for name in (MASTER_ENV_VAR, REMOTE_ENV_VAR) if os.environ.get(name)
    }


def _check_same_warehouse(session: SparkSession, warehouse: str) -> None:
    """A JVM holds one Spark session: a second data folder in the same process would silently
    write into the first one's warehouse."""
    current = session.conf.get("spark.sql.warehouse.dir") or ""
    if current.removeprefix("file:").rstrip("/") != warehouse.rstrip("/"):
        raise DataPlatformError(
            f"this process's Spark session already serves the warehouse {current}; "
            f"run a new process for {warehouse}"
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
