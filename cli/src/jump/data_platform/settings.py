"""Where the platform keeps its files, derived from one data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_FOLDER = Path("data")
DEFAULT_RANDOM_SEED = 42
# The engines that can hold the lakehouse: DuckDB (one file) or Apache Spark (docs/engines.md).
ENGINES: tuple[str, ...] = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"


@dataclass(frozen=True)
class Settings:
    """Options shared by every command (the data folder, the random seed), and every path the
    platform reads or writes, derived from the data folder: nothing else builds a path."""

    data_folder: Path = DEFAULT_DATA_FOLDER
    random_seed: int = DEFAULT_RANDOM_SEED
    engine: str = DEFAULT_ENGINE

    @property
    def sources_folder(self) -> Path:
        return self.data_folder / "sources"

    def source_file(self, source: str) -> Path:
        """The SQLite file that `extract` writes for one source (`app` or `crm`)."""
        return self.sources_folder / f"{source}.sqlite"

    @property
    def lakehouse_folder(self) -> Path:
        return self.data_folder / "lakehouse"

    @property
    def lakehouse_file(self) -> Path:
        return self.lakehouse_folder / "lakehouse.duckdb"

    @property
    def logs_folder(self) -> Path:
        return self.data_folder / "logs"

    @property
    def docs_folder(self) -> Path:
        return self.data_folder / "docs"

    @property
    def dbt_target_folder(self) -> Path:
        """dbt's artifacts (manifest, compiled SQL, run_results.json): `status` reads them."""
        return self.data_folder / "dbt" / "target"

    @property
    def dbt_logs_folder(self) -> Path:
        return self.data_folder / "dbt" / "logs"

    @property
    def run_results_file(self) -> Path:
        """What the last transform did, as dbt recorded it."""
        return self.dbt_target_folder / "run_results.json"

    # ---- the Spark engine (docs/engines.md): its own warehouse, metastore and dbt artifacts ----

    @property
    def spark_folder(self) -> Path:
        return self.data_folder / "spark"

    @property
    def spark_warehouse_folder(self) -> Path:
        """The tables' Parquet files, one folder per schema (`sources.db/app__users/`)."""
        return self.spark_folder / "warehouse"

    @property
    def spark_metastore_folder(self) -> Path:
        """Spark's catalogue (schemas, tables, columns): an embedded Derby database."""
        return self.spark_folder / "metastore"

    @property
    def spark_temporary_folder(self) -> Path:
        """Spark's scratch space (shuffle and spill files)."""
        return self.spark_folder / "tmp"

    @property
    def spark_log_config_file(self) -> Path:
        """Spark's log configuration (written by the CLI): errors only, on stderr."""
        return self.spark_folder / "log4j2.properties"

    @property
    def spark_dbt_target_folder(self) -> Path:
        """dbt's artifacts of a Spark transform, apart from the DuckDB lakehouse's."""
        return self.spark_folder / "dbt" / "target"

    @property
    def spark_dbt_logs_folder(self) -> Path:
        return self.spark_folder / "dbt" / "logs"
