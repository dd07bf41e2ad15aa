"""export killed or on a full disk: one line, the previous file intact, no leftovers."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import run_cli
from support.disks import fill, tiny_disk
from support.processes import start, temporaries, wait_for

pytestmark = pytest.mark.slow


def test_a_killed_xlsx_export_leaves_nothing_after_the_next_run(
    fresh_data_folder: Path, tmp_path: Path
) -> None:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(
            "create table marts.big as select range as id, 'row ' || range as label, "
            "range * 1.5 as amount from range(400000)"
        )
    out = tmp_path / "out"
    out.mkdir()
    output = out / "big.xlsx"
    process = start(fresh_data_folder, "export", "marts.big", "-o", str(output))

    def scratch_written() -> bool:
        return any(path.is_dir() and any(path.iterdir()) for path in temporaries(out))

    wait_for(scratch_written, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert temporaries(out) != []
    run = run_cli(fresh_data_folder, "-q", "export", "marts.monthly_turnover", "-o", str(output))
    assert run.exit_code == 0, run.stderr
    assert [path.name for path in out.iterdir()] == ["big.xlsx"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv", "parquet"])
def test_export_to_a_full_disk(fresh_data_folder: Path, tmp_path: Path, file_format: str) -> None:
    output = tmp_path / "disk" / f"out.{file_format}"
    with tiny_disk(output.parent, 64):
        fill(output.parent)
        run = run_cli(fresh_data_folder, "export", "sources.app__users", "-o", str(output))
        left = sorted(path.name for path in output.parent.iterdir())
    assert run.exit_code == 1
    assert run.stderr.strip().splitlines() == [
        line for line in run.stderr.strip().splitlines() if line.startswith("Error: cannot")
    ]
    assert "No space left on device" in run.stderr
    assert left == ["filler"]


def test_no_python_temporary_file_outlives_an_export(
    fresh_data_folder: Path, tmp_path: Path
) -> None:
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).iterdir())
    output = tmp_path / "users.xlsx"
    assert (
        run_cli(
            fresh_data_folder, "-q", "export", "sources.app__users", "-o", str(output)
        ).exit_code
        == 0
    )
    after = set(Path(os.environ.get("TMPDIR", "/tmp")).iterdir())
    assert not {path for path in after - before if path.name.startswith("tmp")}
