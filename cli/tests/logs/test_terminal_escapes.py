"""What comes from data is shown, never obeyed: control characters are printed escaped, on the
terminal and in the run log."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from jump.data_platform.reporting import Reporter, printable
from jump.data_platform.settings import Settings
from support.cli import run_cli
from transform.handmade_lakehouse import build_lakehouse

HOSTILE = "JMP\x1b]0;PWNED\x07\x1b[2J\r\u202e"


def test_printable_escapes_control_characters_only() -> None:
    assert printable(HOSTILE) == "JMP\\x1b]0;PWNED\\x07\\x1b[2J\\r\\u202e"
    assert printable("Zoé\tNoël\n") == "Zoé\tNoël\n"


def test_warnings_and_tables_print_escapes(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = Reporter(console=Console(file=out, force_terminal=True, width=300))
    reporter.warning(f"first rows: invoice_references={HOSTILE}")
    reporter.info(HOSTILE)
    reporter.table("t", ["reference"], [[HOSTILE]])
    assert "\x07" not in out.getvalue()
    assert "]0;PWNED" in out.getvalue() and "\x1b]0;" not in out.getvalue()


def test_a_query_table_prints_escapes(tmp_path: Path) -> None:
    build_lakehouse(Settings(data_folder=tmp_path).lakehouse_file)
    run = run_cli(tmp_path, "query", "select chr(27) || ']0;PWNED' || chr(7) as reference")
    assert run.exit_code == 0, run.stderr
    assert "\\x1b]0;PWNED\\x07" in run.stdout
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout


@pytest.mark.slow
def test_the_reference_warning_of_a_transform_prints_escapes(tmp_path: Path) -> None:
    lakehouse = build_lakehouse(Settings(data_folder=tmp_path).lakehouse_file)
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("update sources.app__invoices set reference = ? where id = 4", [HOSTILE])
    run = run_cli(tmp_path, "transform")
    assert "PWNED" in run.stderr  # the reference is named, escaped
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr
    logs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("*.log"))
    assert "PWNED" in logs and "\x1b" not in logs
