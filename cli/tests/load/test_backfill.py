"""`data-platform backfill` end to end over a short range: a loaded, snapshotted, built history."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

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
    assert run.exit_code == 1
    assert run.stderr.strip() == "Error: --to 2025-01-01 is before --from 2025-01-05"
