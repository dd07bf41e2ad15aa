"""Where the platform keeps its files, derived from one data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_FOLDER = Path("data")
LAKEHOUSE_FILE_NAME = "lakehouse.duckdb"  # the readers' file and the writer's alike
DEFAULT_RANDOM_SEED = 42
# The seed is stored as a signed 64-bit integer (extract_metadata) and keys 64-bit random
# streams: a larger one would silently give the data of a smaller one, so it is refused.
MAX_RANDOM_SEED = 2**63 - 1

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
        """What readers open (query, export, status, report, any outside DuckDB client): the
        last publication, replaced whole by an atomic rename (docs/publishing.md)."""
        return self.lakehouse_folder / LAKEHOUSE_FILE_NAME

    @property
    def writer_folder(self) -> Path:
        """The writer's private place: its database file and its lock."""
        return self.lakehouse_folder / ".writer"

    @property
    def writer_lakehouse_file(self) -> Path:
        """What load, transform, snapshots and backfill write; never opened by a reader."""
        return self.writer_folder / LAKEHOUSE_FILE_NAME

    @property
    def writer_lock_file(self) -> Path:
        """Held by the one writing process; holds a JSON record of who, which step, since when."""
        return self.writer_folder / "writer.lock"

    @property
    def publications_folder(self) -> Path:
        """One folder per kept publication (`<id>/`): its marts as Parquet and a manifest."""
        return self.lakehouse_folder / "publications"

    def publication_folder(self, publication_id: int) -> Path:
        return self.publications_folder / str(publication_id)

    @property
    def logs_folder(self) -> Path:
        return self.data_folder / "logs"

    @property
    def docs_folder(self) -> Path:
        return self.data_folder / "docs"

    @property
    def reports_folder(self) -> Path:
        return self.data_folder / "reports"

    @property
    def report_file(self) -> Path:
        """The self-contained HTML dashboard that `report` (and each transform) writes."""
        return self.reports_folder / "index.html"

    @property
    def dbt_folder(self) -> Path:
        return self.data_folder / "dbt"

    @property
    def dbt_target_folder(self) -> Path:
        """dbt's artifacts (manifest, compiled SQL, run_results.json); `status` reads the
        transform's own record instead (`last_transform_file`)."""
        return self.dbt_folder / "target"

    @property
    def dbt_logs_folder(self) -> Path:
        return self.dbt_folder / "logs"

    @property
    def run_results_file(self) -> Path:
        """What the last dbt build did, as dbt recorded it (a killed build leaves the previous)."""
        return self.dbt_target_folder / "run_results.json"

    @property
    def managed_folders(self) -> tuple[Path, ...]:
        """The folders whose files the platform writes and relies on: nothing else may write
        there (an export over the lakehouse or a source file would destroy it)."""
        return (
            self.sources_folder,
            self.lakehouse_folder,
            self.logs_folder,
            self.dbt_folder,
            self.docs_folder,
            self.reports_folder,
            self.schedule_folder,
            self.dagster_home,
            self.spark_folder,
        )

    def managed_folder_of(self, path: Path) -> Path | None:
        """The managed folder holding `path` (symbolic links and `..` resolved), if any."""
        real = Path(os.path.realpath(path))
        for folder in self.managed_folders:
            if real.is_relative_to(os.path.realpath(folder)):
                return folder
        return None

    @property
    def schedule_folder(self) -> Path:
        """What `data-platform schedule` keeps between runs: its state and its lock."""
        return self.data_folder / "schedule"

    @property
    def schedule_state_file(self) -> Path:
        """Each scheduled job's cron, last run and last success (JSON): `status` reads it."""
        return self.schedule_folder / "state.json"

    @property
    def schedule_lock_file(self) -> Path:
        """Held by the running scheduler: a second one on the same data folder is refused."""
        return self.schedule_folder / "scheduler.lock"

    @property
    def alerts_config_file(self) -> Path:
        """Which notifiers receive alerts, and when (TOML; docs/alerts.md)."""
        return self.data_folder / "alerts.toml"

    @property
    def alerts_state_file(self) -> Path:
        """The alerts open now and when each was last sent (reminders), the warnings known."""
        return self.schedule_folder / "alerts.json"

    @property
    def scheduler_log_file(self) -> Path:
        """The scheduler's own log, rotated by size (never pruned by other commands)."""
        return self.logs_folder / "scheduler.log"

    @property
    def dagster_home(self) -> Path:
        """DAGSTER_HOME of the optional Dagster code location: its runs, schedules, logs."""
        return self.data_folder / "dagster"

    @property
    def dagster_dbt_target_folder(self) -> Path:
        """dbt's manifest and artifacts for Dagster (dagster-dbt runs dbt there, apart from the
        CLI's own target folder that `status` reads)."""
        return self.dagster_home / "dbt-target"

    @property
    def dbt_partial_parse_file(self) -> Path:
        """dbt's parsed project, reused by the next parse when nothing it depends on changed."""
        return self.dbt_target_folder / "partial_parse.msgpack"

    @property
    def dbt_compiled_templates_file(self) -> Path:
        """The Python code of dbt's Jinja templates, reused by the next process that renders
        them (transform/compiled_templates.py)."""
        return self.dbt_target_folder / "compiled_templates.marshal"

    @property
    def dbt_graph_file(self) -> Path:
        """The dbt project's graph as its last parse saw it (transform/selection.py)."""
        return self.dbt_folder / "graph.json"

    @property
    def standing_warnings_file(self) -> Path:
        """The warnings of the published state's data tests, carried by a transform that does
        not run them again (transform/dbt_runner.py)."""
        return self.dbt_folder / "standing_warnings.json"

    @property
    def last_transform_file(self) -> Path:
        """The last transform: written when it starts and when it ends; `status` reads it."""
        return self.dbt_folder / "last_transform.json"

    @property
    def transform_lock_file(self) -> Path:
        """Locked while a transform runs: a record still `running` and unlocked was killed."""
        return self.dbt_folder / "transform.lock"

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
