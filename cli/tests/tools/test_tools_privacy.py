"""Personal data the platform's own redaction used to miss: SQL literals, values quoted by
conversion errors, and dbt's own files."""

from __future__ import annotations

import json
from pathlib import Path

from jump.data_platform.reporting import redact, redact_file, redact_sql
from jump.data_platform.transform.run_record import NodeOutcome, TransformRun, save_run
from support.cli import run_cli

NAMES = ("Letellier", "Stéphane", "Vincent Guillon", "Zacharie Martin", "zoe@example.com")


def test_conversion_errors_lose_the_value_they_quote() -> None:
    for message in (
        'Conversion Error: invalid timestamp field format: "Vincent Guillon", expected format',
        "Conversion Error: Could not convert string 'Zacharie Martin' to INT64",
        "Invalid: Failed to parse string: 'Zacharie Martin' as a scalar of type int64",
        'invalid date field format: \\"zoe@example.com\\", expected',  # as in a JSON file
    ):
        redacted = redact(message)
        assert not any(name in redacted for name in NAMES), redacted
        assert "[redacted]" in redacted


def test_sql_literals_are_redacted() -> None:
    sql = "select * from users where last_name = 'Letellier' and first_name = 'Stéphane'"
    assert redact_sql(sql) == (
        "select * from users where last_name = '[redacted]' and first_name = '[redacted]'"
    )
    assert redact_sql("select 'it''s', $$Letellier$$") == "select '[redacted]', '[redacted]'"


def test_the_query_log_keeps_no_literal(fresh_data_folder: Path) -> None:
    run = run_cli(
        fresh_data_folder,
        "query",
        "select * from sources.app__users where last_name = 'Letellier' "
        "and first_name = 'Stéphane'",
    )
    assert run.exit_code == 0, run.stderr
    logs = "".join(
        p.read_text(encoding="utf-8") for p in (fresh_data_folder / "logs").glob("*.log")
    )
    assert "where last_name = '[redacted]'" in logs
    assert "Letellier" not in logs and "Stéphane" not in logs


def test_a_conversion_error_in_a_query_is_redacted(fresh_data_folder: Path) -> None:
    run = run_cli(fresh_data_folder, "query", "select 'Zacharie Martin'::int")
    assert run.exit_code == 1
    assert "Zacharie" not in run.stderr
    logs = "".join(
        p.read_text(encoding="utf-8") for p in (fresh_data_folder / "logs").glob("*.log")
    )
    assert "Zacharie" not in logs


def test_the_transform_record_is_redacted(tmp_path: Path) -> None:
    run = TransformRun(("staging",))
    run.failed.append(
        NodeOutcome(
            "not_null_users",
            "error",
            'invalid timestamp field format: "Vincent Guillon" for zoe@example.com',
        )
    )
    path = tmp_path / "last_transform.json"
    save_run(path, run)
    text = path.read_text(encoding="utf-8")
    assert "Vincent" not in text and "zoe@example.com" not in text


def test_dbt_files_are_redacted_in_place(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    log.write_text("kept: Vincent Guillon\n", encoding="utf-8")
    start = log.stat().st_size
    with log.open("a", encoding="utf-8") as appending:
        appending.write('error: invalid timestamp field format: "Vincent Guillon"\n')
        appending.flush()
        inode = log.stat().st_ino
        redact_file(log, start)
        appending.write("after\n")
    assert log.read_text(encoding="utf-8") == (
        'kept: Vincent Guillon\nerror: invalid timestamp field format: "[redacted]"\nafter\n'
    )
    assert log.stat().st_ino == inode
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps({"results": [{"message": "Could not convert string 'zoe@example.com'"}]}),
        encoding="utf-8",
    )
    redact_file(results)
    assert "zoe@example.com" not in results.read_text(encoding="utf-8")
    assert json.loads(results.read_text(encoding="utf-8"))["results"][0]["message"]
