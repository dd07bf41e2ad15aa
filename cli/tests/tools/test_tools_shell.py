"""`data-platform query` with no SQL: the interactive shell, DuckDB's or the built-in one."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from jump.data_platform.cli.main import main
from jump.data_platform.lakehouse import connect
from jump.data_platform.settings import Settings
from jump.data_platform.tools import shell

ENTRY_POINT = Path(sys.executable).parent / "data-platform"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(shell.duckdb_cli_binary() is None, reason="the duckdb-cli package is absent")
def test_duckdb_shell_reads_but_cannot_write(data_folder: Path) -> None:
    lakehouse = Settings(data_folder=data_folder).lakehouse_file
    before = digest(lakehouse)
    script = (
        "select sum(turnover) as total from marts.monthly_turnover;\n"
        "create table marts.hacked as select 1;\n"
        "delete from marts.monthly_turnover;\n"
    )
    done = subprocess.run(
        [str(ENTRY_POINT), "--data-folder", str(data_folder), "query"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "1510.75" in done.stdout
    assert "read-only" in done.stderr
    assert digest(lakehouse) == before


def test_builtin_shell_when_duckdb_cli_is_absent(
    data_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shell, "duckdb_cli_binary", lambda: None)
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            "select month, turnover\n  from marts.monthly_turnover\n order by month;\n"
            "drop table marts.monthly_turnover;\n"
            "selec 1;\n"
            "select 42 as answer;\n"
            ".quit\n"
            "select 'never reached';\n"
        ),
    )
    lakehouse = Settings(data_folder=data_folder).lakehouse_file
    before = digest(lakehouse)
    assert main(["--data-folder", str(data_folder), "query"]) == 0
    out = capsys.readouterr().out
    assert "2024-04-01" in out and "1200.50" in out and "3 rows" in out
    assert "read-only: DROP statements are not allowed" in out
    assert "syntax error" in out
    assert "42" in out and "never reached" not in out
    assert digest(lakehouse) == before


def test_builtin_shell_runs_a_statement_left_without_semicolon(data_folder: Path) -> None:
    lakehouse = Settings(data_folder=data_folder).lakehouse_file
    lines = iter(["select 'last' as word", ""])

    def read_line(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    connection = connect(lakehouse, read_only=True)
    try:
        shell.run_builtin_shell(connection, lakehouse, Console(file=out, width=100), read_line)
    finally:
        connection.close()
    assert "last" in out.getvalue().split("(read-only)", 1)[1]


def test_shell_on_a_missing_lakehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-folder", str(tmp_path), "query"]) == 1
    assert capsys.readouterr().err.startswith("Error: no lakehouse at ")
