"""The one-row `extract_metadata` table that says how a source file was made."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

GENERATOR_VERSION = "1"

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


def metadata_table(source: str, as_of: date, seed: int, scale: int) -> pa.Table:
    return pa.table(
        {
            "source": [source],
            "as_of": [as_of.isoformat()],
            "extracted_at": [f"{as_of.isoformat()} 23:59:59"],
            "random_seed": pa.array([seed], pa.int64()),
            "scale": pa.array([scale], pa.int64()),
            "generator_version": [GENERATOR_VERSION],
        }
    )
