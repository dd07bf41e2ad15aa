"""Cutting the App's history at an instant shares the month's formatted text instead of copying
it (sources/app/app.py: rows_kept, kept_text, replaced), and writes the App's declared indexes
(sources/sqlite_writer.py): the same rows as a cut that formats its own."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.app.app import as_of_tables, kept_text, replaced, rows_kept
from jump.data_platform.sources.app.schema import APP_INDEXES
from jump.data_platform.sources.extract import Simulation, extract_sources
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE

# Before the planted late correction (2026-07-16 10:30), after it, and mid-month.
INSTANTS = [
    datetime(2026, 7, 16, 10, 29, tzinfo=COMPANY_TIME_ZONE),
    datetime(2026, 7, 16, 10, 30, tzinfo=COMPANY_TIME_ZONE),
    datetime(2025, 3, 12, 15, 45, tzinfo=COMPANY_TIME_ZONE),
]


def _data_address(values: pa.Array | pa.ChunkedArray) -> int:
    """The address of a string column's character buffer (its first chunk's)."""
    array = values.chunk(0) if isinstance(values, pa.ChunkedArray) else values
    buffer = array.buffers()[2]
    assert buffer is not None
    return int(buffer.address)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        ([True, True, True, False, False], slice(0, 3)),
        ([True, True, True], slice(0, 3)),
        ([False, False], slice(0, 0)),
        ([], slice(0, 0)),
    ],
)
def test_a_first_run_of_rows_is_kept_as_a_slice(mask: list[bool], expected: slice) -> None:
    assert rows_kept(np.array(mask, dtype=bool)) == expected


def test_any_other_mask_is_kept_as_it_is() -> None:
    mask = np.array([True, False, True, False])
    kept = rows_kept(mask)
    assert isinstance(kept, np.ndarray) and kept.tolist() == mask.tolist()


@pytest.mark.parametrize(
    "mask", [[True, True, False, False, False], [False, True, True, False, True], [False] * 5]
)
def test_kept_text_is_the_filtered_text(mask: list[bool]) -> None:
    values = pa.array(["a", "bb", None, "dddd", "e"])
    expected = values.filter(pa.array(mask))
    assert kept_text(values, rows_kept(np.array(mask))).equals(expected)


@pytest.mark.parametrize("positions", [[0], [4], [1, 2], [0, 2, 4], []])
def test_replaced_rows_equal_a_masked_replacement(positions: list[int]) -> None:
    values = pa.array(["2024-01-0" + str(day) for day in range(1, 6)])
    at = np.array(positions, dtype=np.int64)
    replacements = pa.array([f"2026-07-16 10:3{index}" for index in range(len(positions))])
    mask = pa.array([row in positions for row in range(len(values))])
    expected = pc.replace_with_mask(values, mask, replacements) if positions else values
    result = replaced(values, at, replacements)
    column = pa.chunked_array([result]) if isinstance(result, pa.Array) else result
    assert column.combine_chunks().equals(expected)


def test_replaced_rows_share_the_column_they_come_from() -> None:
    values = pa.array([f"row {row}" for row in range(1000)])
    result = replaced(values, np.array([500], dtype=np.int64), pa.array(["corrected"]))
    assert isinstance(result, pa.ChunkedArray)
    assert _data_address(result) == _data_address(values)


@pytest.mark.parametrize("instant", INSTANTS)
def test_a_whole_cut_shares_the_months_text_and_equals_one_formatted_row_by_row(
    instant: datetime,
) -> None:
    simulation = Simulation(7, 2, instant)
    history = simulation._history.app
    shared = simulation.tables("app")
    formatted = as_of_tables(
        7,
        simulation.people,
        history.contracts,
        history.clients,
        history.invoices,
        simulation.timeline,
    )
    for name, table in formatted.items():
        assert shared[name].equals(table), name
    invoices = shared["invoices"]
    text = history.invoice_text
    assert 0 < invoices.num_rows < len(text.reference)  # a cut, not the whole month
    for column, whole in [("reference", text.reference), ("created_at", text.created_at)]:
        assert _data_address(invoices.column(column)) == _data_address(whole), column
    # The corrected invoice's updated_at differs from its created_at only after the correction.
    moved = pc.sum(pc.not_equal(invoices["updated_at"], invoices["created_at"])).as_py()
    assert moved == (1 if instant >= INSTANTS[1] else 0)


def test_the_written_app_file_holds_its_declared_indexes_and_enforces_them(
    tmp_path: Path,
) -> None:
    settings = Settings(data_folder=tmp_path)
    extract_sources(settings, ["app"], INSTANTS[1], scale=1)
    path = settings.source_file("app")
    with sqlite3.connect(path) as connection:
        names = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                "INSERT INTO invoices SELECT id + 100000000, reference, job_contract_id,"
                " client_id, issue_date, amount, created_at, updated_at FROM invoices LIMIT 1"
            )
    connection.close()
    assert names == set(re.findall(r"INDEX (\w+)", APP_INDEXES))
    assert sorted(p.name for p in tmp_path.joinpath("sources").iterdir()) == [
        ".app.sqlite.changes.json",
        "app.sqlite",
    ]
