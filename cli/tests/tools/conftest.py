"""A small hand-made lakehouse (the four layers, a few rows) for the tools' tests."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.run_record import (
    SUCCEEDED,
    NodeOutcome,
    TransformRun,
    save_run,
)

FIXTURE_SQL = """
create schema sources; create schema staging; create schema intermediate; create schema marts;
create table sources.app__users as
    select * from (values (1, 'Zoé', 'Martin', 'zoe.martin@example.com'),
                          (2, 'Noël', 'Dupont', 'noel.dupont@example.com'),
                          (3, 'Anaïs', 'O''Brien', 'anais.obrien@example.com'))
        as t(id, first_name, last_name, email);
alter table sources.app__users add column _loaded_at timestamp;
update sources.app__users set _loaded_at = (now() at time zone 'UTC') - interval 2 hour;
create table sources.app__extract_metadata as
    select 'app' as source, '2024-06-30' as as_of,
           (now() at time zone 'UTC') - interval 2 hour as _loaded_at;
create view staging.app__users as select id, lower(email) as email from sources.app__users;
create table intermediate.freelancers as select id as freelancer_id, email from staging.app__users;
create table marts.monthly_turnover as
    select * from (values (date '2024-04-01', 1200.50::decimal(18,2)),
                          (date '2024-05-01', 0.00::decimal(18,2)),
                          (date '2024-06-01', 310.25::decimal(18,2)))
        as t(month, turnover);
"""


def last_transform() -> TransformRun:
    """A transform that succeeded with one warning, as `transform` records itself."""
    run = TransformRun(LAYERS, started_at=dt.datetime(2024, 7, 1, 8, 0, 0), pid=1)
    run.models.update(success=2)
    run.tests.update({"pass": 2, "warn": 1})
    run.warned.append(NodeOutcome("invoice_references_consecutive", "warn", "Got 1 result"))
    run.state, run.finished_at = SUCCEEDED, dt.datetime(2024, 7, 1, 8, 0, 4, 200000)
    return run


def make_lakehouse(data_folder: Path) -> Path:
    """Write the fixture lakehouse and the record of its last transform under `data_folder`."""
    lakehouse = Settings(data_folder=data_folder).lakehouse_file
    lakehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(FIXTURE_SQL)
    save_run(Settings(data_folder=data_folder).last_transform_file, last_transform())
    return lakehouse


@pytest.fixture(scope="session")
def data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only-by-convention fixture: tests must not change it (the tools cannot)."""
    folder = tmp_path_factory.mktemp("tools") / "data"
    make_lakehouse(folder)
    return folder


@pytest.fixture
def fresh_data_folder(tmp_path: Path) -> Path:
    """A private copy for tests that lock the lakehouse or break it."""
    folder = tmp_path / "data"
    make_lakehouse(folder)
    return folder


_HOLDER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("ready", flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin
"""


@pytest.fixture
def locked_data_folder(fresh_data_folder: Path) -> Iterator[tuple[Path, int]]:
    """A data folder whose lakehouse another process holds for writing, as a running load
    or transform does; yields the folder and that process's PID."""
    yield from _held(fresh_data_folder, "write")


@pytest.fixture
def read_data_folder(fresh_data_folder: Path) -> Iterator[tuple[Path, int]]:
    """A data folder whose lakehouse another process reads (a DuckDB shell left open)."""
    yield from _held(fresh_data_folder, "read")


def _held(fresh_data_folder: Path, mode: str) -> Iterator[tuple[Path, int]]:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lakehouse), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        yield fresh_data_folder, holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
