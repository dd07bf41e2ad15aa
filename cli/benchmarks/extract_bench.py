"""Extract's limit: a bare bulk write of the same, ready-made Arrow tables to SQLite."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from jump.data_platform.sources.as_of import end_of_day
from jump.data_platform.sources.extract import SIMULATORS, Simulation
from jump.data_platform.sources.metadata import METADATA_SCHEMA
from jump.data_platform.sources.sqlite_writer import write_database


def bare_write_seconds(seed: int, as_of: date, scale: int) -> tuple[float, int]:
    """Seconds to write the tables `extract` writes, the simulation done beforehand; and rows."""
    simulation = Simulation(seed, scale, end_of_day(as_of))
    seconds, rows = 0.0, 0
    with tempfile.TemporaryDirectory() as folder:
        for source, (_, schema, indexes) in SIMULATORS.items():
            tables = simulation.tables(source)
            rows += sum(table.num_rows for table in tables.values())
            path = Path(folder) / f"{source}.sqlite"
            started = time.perf_counter()
            write_database(path, schema + METADATA_SCHEMA, tables, indexes)
            seconds += time.perf_counter() - started
    return seconds, rows
