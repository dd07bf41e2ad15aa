"""Extract's limit: a bare bulk write of the same, ready-made Arrow tables to SQLite."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from jump.data_platform.sources.extract import SIMULATORS
from jump.data_platform.sources.metadata import METADATA_SCHEMA, metadata_table
from jump.data_platform.sources.people import simulate_people
from jump.data_platform.sources.sqlite_writer import write_database
from jump.data_platform.sources.timeline import Timeline


def bare_write_seconds(seed: int, as_of: date, scale: int) -> tuple[float, int]:
    """Seconds to write the tables `extract` writes, the simulation done beforehand; and rows."""
    timeline = Timeline(as_of)
    people = simulate_people(seed, scale, timeline)
    seconds, rows = 0.0, 0
    with tempfile.TemporaryDirectory() as folder:
        for source, (simulate, schema, indexes) in SIMULATORS.items():
            tables = simulate(seed, scale, timeline, people)
            tables["extract_metadata"] = metadata_table(source, as_of, seed, scale)
            rows += sum(table.num_rows for table in tables.values())
            path = Path(folder) / f"{source}.sqlite"
            started = time.perf_counter()
            write_database(path, schema + METADATA_SCHEMA, tables, indexes)
            seconds += time.perf_counter() - started
    return seconds, rows
