"""A full disk while the report is written, and a read-only data folder for transform: one line
each, nothing lost."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli
from support.disks import tiny_disk
from transform.handmade_lakehouse import build_lakehouse


def test_a_full_disk_under_the_report_is_one_line(handmade_run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(handmade_run.data_folder / "lakehouse", folder / "lakehouse")
    reports = Settings(data_folder=folder).reports_folder
    with tiny_disk(reports, 64):
        (reports / "index.html").write_text("previous", encoding="utf-8")
        run = run_cli(folder, "report")
        assert run.exit_code == 1
        lines = run.stderr.strip().splitlines()
        assert lines[-1].startswith("Error: cannot write the report"), run.stderr
        assert "No space left on device" in lines[-1]
        assert "Traceback" not in run.stderr
        assert (reports / "index.html").read_text(encoding="utf-8") == "previous"


def test_transform_on_a_read_only_data_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with tiny_disk(folder, 16_384):
        build_lakehouse(Settings(data_folder=folder).lakehouse_file)
        Settings(data_folder=folder).dbt_folder.mkdir()  # as after an earlier transform
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        run = run_cli(folder, "transform")
        assert run.exit_code == 1
        assert "Traceback" not in run.stderr
        last = run.stderr.strip().splitlines()[-1]
        # The first thing a transform writes (the writer's folder, or its lock) says it.
        assert last.startswith("Error: cannot "), run.stderr
        assert "Read-only file system" in last
