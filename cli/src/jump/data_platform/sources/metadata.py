"""The one-row `extract_metadata` table that says how a source file was made."""

from __future__ import annotations

import pyarrow as pa

from jump.data_platform.sources.timeline import Timeline

METADATA_TABLE = "extract_metadata"
# 2: one history from 2024-01-01, cut at an as-of instant (1: a window per as-of year).
GENERATOR_VERSION = "2"

METADATA_SCHEMA = """
CREATE TABLE extract_metadata (
    source TEXT NOT NULL,
    as_of TEXT NOT NULL,
    extracted_at TEXT NOT NULL,
    random_seed INTEGER NOT NULL,
    scale INTEGER NOT NULL,
    generator_version TEXT NOT NULL
);
"""


def metadata_table(source: str, timeline: Timeline, seed: int, scale: int) -> pa.Table:
    """`as_of`: the instant, ISO with its offset; `extracted_at`: the same, local, like the rows."""
    as_of = timeline.as_of.replace(microsecond=0)
    return pa.table(
        {
            "source": [source],
            "as_of": [as_of.isoformat()],
            "extracted_at": [timeline.local_as_of.isoformat(sep=" ")],
            "random_seed": pa.array([seed], pa.int64()),
            "scale": pa.array([scale], pa.int64()),
            "generator_version": [GENERATOR_VERSION],
        }
    )
