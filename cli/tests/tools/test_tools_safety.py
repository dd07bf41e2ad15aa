"""query, export and the shell only read the lakehouse: no statement reaches another file."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.tools import shell
from support.cli import run_cli

ENTRY_POINT = Path(sys.executable).parent / "data-platform"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: refused"), stderr
    return lines[0]


def test_copy_to_over_the_lakehouse_is_refused(fresh_data_folder: Path) -> None:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    before = digest(lakehouse)
    run = run_cli(
        fresh_data_folder,
        "query",
        f"COPY (SELECT 'gone' AS x) TO '{lakehouse}' (FORMAT csv)",
    )
    assert run.exit_code == 1
    one_error_line(run.stderr)
    assert digest(lakehouse) == before
    assert (
        run_cli(fresh_data_folder, "query", "select * from marts.monthly_turnover").exit_code == 0
    )


@pytest.mark.parametrize(
    ("statement", "leaks"),
    [
        ("EXPORT DATABASE '{tmp}/exported'", "exported"),
        ("COPY marts.monthly_turnover TO '{tmp}/copy.parquet' (FORMAT parquet)", "copy.parquet"),
        ("SELECT * FROM read_csv('/etc/passwd')", None),
        ("SELECT * FROM read_text('/etc/hostname')", None),
        ("SELECT * FROM glob('/etc/*')", None),
        ("ATTACH '{tmp}/other.duckdb' AS other", "other.duckdb"),
        ("INSTALL httpfs", None),
        ("SET enable_external_access = true", None),
        ("SET lock_configuration = false", None),
    ],
)
def test_statements_reaching_files_are_refused(
    data_folder: Path, tmp_path: Path, statement: str, leaks: str | None
) -> None:
    run = run_cli(data_folder, "query", statement.format(tmp=tmp_path))
    assert run.exit_code == 1
    line = one_error_line(run.stderr)
    assert "root:" not in run.stdout + line
    assert "data-platform export" in line
    if leaks is not None:
        assert not (tmp_path / leaks).exists()


def test_the_builtin_shell_refuses_dot_commands_and_files(
    fresh_data_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    before = digest(lakehouse)
    monkeypatch.setattr(shell, "duckdb_cli_binary", lambda: None)
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            f".open {lakehouse}\n"
            "drop table marts.monthly_turnover;\n"
            ".system id\n"
            ".shell id\n"
            f"copy (select 'gone') to '{lakehouse}' (format csv);\n"
            "select 'still here' as word;\n"
        ),
    )
    run = run_cli(fresh_data_folder, "query")
    assert run.exit_code == 0
    out = run.stdout
    assert "Error: .open is not available" in out
    assert "Error: .system is not available" in out
    assert "Error: .shell is not available" in out
    assert "uid=" not in out
    assert "Error: refused" in out
    assert "still here" in out
    assert digest(lakehouse) == before


@pytest.mark.skipif(shell.duckdb_cli_binary() is None, reason="the duckdb-cli package is absent")
def test_the_duckdb_shell_runs_in_safe_mode(fresh_data_folder: Path, tmp_path: Path) -> None:
    """Really run DuckDB's shell, its statements piped in as a person would type them."""
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    writable = tmp_path / "writable.duckdb"
    before = digest(lakehouse)
    script = (
        f".open {writable}\n"
        "create table t as select 1;\n"
        f".open {lakehouse}\n"
        "drop table marts.monthly_turnover;\n"
        ".system id\n"
        ".shell id\n"
        f".output {tmp_path}/out.txt\n"
        f"copy (select 'gone') to '{lakehouse}' (format csv);\n"
        "select * from read_csv('/etc/passwd');\n"
        f"attach '{writable}' as w;\n"
        "select 'still ' || count(*) as rows from marts.monthly_turnover;\n"
    )
    done = subprocess.run(
        [str(ENTRY_POINT), "--data-folder", str(fresh_data_folder), "query"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ".open cannot be used in -safe mode" in done.stderr
    assert ".sh/.system cannot be used in -safe mode" in done.stderr
    assert "uid=" not in done.stdout
    assert "root:" not in done.stdout
    assert "still 3" in done.stdout
    assert digest(lakehouse) == before
    assert not writable.exists()
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize(
    "managed", ["lakehouse/lakehouse.duckdb", "sources/app.sqlite", "logs/x.csv", "dbt/t.csv"]
)
def test_export_refuses_the_platforms_own_files(fresh_data_folder: Path, managed: str) -> None:
    target = fresh_data_folder / managed
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text("precious", encoding="utf-8")
    before = digest(target)
    lakehouse = Settings(data_folder=fresh_data_folder).lakehouse_file
    lakehouse_before = digest(lakehouse)
    run = run_cli(
        fresh_data_folder, "export", "marts.monthly_turnover", "--format", "csv", "-o", str(target)
    )
    assert run.exit_code == 1
    line = one_error_line(run.stderr)
    assert str(target) in line and "manages" in line
    assert digest(target) == before
    assert digest(lakehouse) == lakehouse_before


def test_export_refuses_a_managed_file_reached_by_a_link(
    fresh_data_folder: Path, tmp_path: Path
) -> None:
    link = tmp_path / "innocent.csv"
    link.symlink_to(Settings(data_folder=fresh_data_folder).lakehouse_file)
    run = run_cli(fresh_data_folder, "export", "marts.monthly_turnover", "-o", str(link))
    assert run.exit_code == 1
    one_error_line(run.stderr)


def test_export_still_writes_beside_the_managed_folders(fresh_data_folder: Path) -> None:
    output = fresh_data_folder / "turnover.csv"
    run = run_cli(fresh_data_folder, "export", "marts.monthly_turnover", "-o", str(output))
    assert run.exit_code == 0, run.stderr
    assert output.read_text(encoding="utf-8").startswith("month,turnover\n")
