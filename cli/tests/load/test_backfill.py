"""`data-platform backfill` end to end over a short range: a loaded, snapshotted, built history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.backfill import backfill
from jump.data_platform.settings import Settings
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE
from jump.data_platform.transform.dbt_project import find_dbt_project
from support.cli import run_cli

pytestmark = pytest.mark.slow


def test_backfill_replays_each_day_then_transforms_once(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "--quiet", "backfill", "--from", "2025-01-01", "--to", "2025-01-03")
    assert run.exit_code == 0, run.stderr
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        loads = connection.execute(
            "select load_id, source from platform.loads group by all order by all"
        ).fetchall()
        assert loads == [(step, source) for step in (1, 2, 3) for source in ("app", "crm")]
        modes = connection.execute(
            "select distinct mode from platform.loads where load_id > 1 and table_name = 'app__invoices'"
        ).fetchall()
        assert modes == [("incremental",)]
        (snapshotted,) = connection.execute(
            "select count(*) from snapshots.app__job_contracts"
        ).fetchone() or (0,)
        (contracts,) = connection.execute(
            "select count(*) from sources.app__job_contracts"
        ).fetchone() or (0,)
        assert snapshotted >= contracts > 0
        (months,) = connection.execute(
            "select count(*) from marts.nps_monthly where not is_complete"
        ).fetchone() or (0,)
        assert months == 1


def test_backfill_refuses_a_period_that_ends_before_it_starts(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "--quiet", "backfill", "--from", "2025-01-05", "--to", "2025-01-01")
    assert run.exit_code == 2  # a bad option
    assert run.stderr.strip() == "Error: --to 2025-01-01 is before --from 2025-01-05"


SNAPSHOTS = ("app__users", "app__job_contracts", "crm__customers")


def _snapshot_rows(lakehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every snapshot row, but when its version was loaded (each backfill loads at its time)."""
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        return {
            name: connection.execute(
                f"select * exclude (_loaded_at) from snapshots.{name} order by all"
            ).fetchall()
            for name in SNAPSHOTS
        }


def test_snapshots_taken_only_before_an_unseen_version_is_overwritten_keep_every_version(
    tmp_path: Path,
) -> None:
    """Ten daily steps: the lazy schedule runs far fewer snapshots than steps, at
    least one of them forced by a load overwriting a version loaded since the last one, and
    records exactly the versions a snapshot after every load records."""
    start = datetime(2025, 3, 2, tzinfo=COMPANY_TIME_ZONE)
    end = datetime(2025, 3, 11, tzinfo=COMPANY_TIME_ZONE)
    project = find_dbt_project(None)
    results = {}
    for every_step in (False, True):
        settings = Settings(data_folder=tmp_path / f"every_step_{every_step}")
        results[every_step] = backfill(
            settings, project, start, end, "day", 1, snapshot_every_step=every_step
        )
    lazy, reference = results[False], results[True]
    assert 2 <= lazy.snapshots < reference.snapshots / 3
    rows = _snapshot_rows(Settings(data_folder=tmp_path / "every_step_False").lakehouse_file)
    assert rows == _snapshot_rows(Settings(data_folder=tmp_path / "every_step_True").lakehouse_file)
    # The period really overwrites versions: those the first load brought, which no snapshot
    # had seen when the first update came (the case a late snapshot would lose).
    with duckdb.connect(
        str(Settings(data_folder=tmp_path / "every_step_True").lakehouse_file), read_only=True
    ) as connection:
        (versioned,) = connection.execute(
            "select count(*) from (select id from snapshots.crm__customers"
            " group by id having count(*) > 1)"
        ).fetchone() or (0,)
    assert versioned > 0
