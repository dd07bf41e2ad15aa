"""Where the platform keeps its files, derived from one data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_FOLDER = Path("data")
DEFAULT_RANDOM_SEED = 42


@dataclass(frozen=True)
class Settings:
    """Options shared by every command (the data folder, the random seed), and every path the
    platform reads or writes, derived from the data folder: nothing else builds a path."""

    data_folder: Path = DEFAULT_DATA_FOLDER
    random_seed: int = DEFAULT_RANDOM_SEED

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
        """What the last dbt build did, as dbt recorded it (a killed build leaves the previous)."""
        return self.dbt_target_folder / "run_results.json"

    @property
    def dbt_partial_parse_file(self) -> Path:
        """dbt's parsed project, reused by the next parse when nothing it depends on changed."""
        return self.dbt_target_folder / "partial_parse.msgpack"

    def dbt_parse_cache_file(self, key: str) -> Path:
        """dbt's parsed project for one set of build schemas (see transform/dbt_runner.py)."""
        return self.data_folder / "dbt" / "parse_cache" / f"{key}.msgpack"

    @property
    def last_transform_file(self) -> Path:
        """The last transform: written when it starts and when it ends; `status` reads it."""
        return self.data_folder / "dbt" / "last_transform.json"

    @property
    def transform_lock_file(self) -> Path:
        """Locked while a transform runs: a record still `running` and unlocked was killed."""
        return self.data_folder / "dbt" / "transform.lock"
