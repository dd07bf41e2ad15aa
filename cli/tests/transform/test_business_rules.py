"""Business rules broken in the sources: `transform` fails (money) or warns (the rest) naming the
rule and the offending rows by their App ids or references, never by a surrogate hash.

Each case damages a clean hand-made lakehouse (fresh, no reference gap: nothing to warn about)
in one way, then runs `transform` through the entry point. docs/data-quality.md lists the rules.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli
from transform.handmade_lakehouse import build_lakehouse

pytestmark = pytest.mark.slow

# The hand-made invoices total 7596.11 euros, plus the one filling the reference gap below.
HANDMADE_TOTAL = Decimal("7597.11")
# A surrogate key printed in a message (a 63-bit md5 number: 15 digits or more).
HASH = re.compile(r"\d{15,}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for every case: dbt parses the project once (partial parsing after)."""
    return tmp_path_factory.mktemp("business_rules")


def damaged_run(folder: Path, *statements: str) -> Run:
    """`transform` of the hand-made lakehouse, freshly loaded, after `statements`."""
    settings = Settings(data_folder=folder)
    lakehouse = settings.lakehouse_file
    # A lakehouse built again from nothing: the writer starts from it (storage/writer.py).
    shutil.rmtree(settings.writer_folder, ignore_errors=True)
    lakehouse.unlink(missing_ok=True)
    lakehouse.with_name(lakehouse.name + ".wal").unlink(missing_ok=True)
    loaded_at = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
    build_lakehouse(lakehouse, loaded_at=loaded_at)
    with duckdb.connect(str(lakehouse)) as connection:
        # Fill the planted reference gap so that the clean lakehouse warns about nothing.
        connection.execute(
            "insert into sources.app__invoices values (9, 'JMP00000004', 1, 1, '2023-02-15', 1.0,"
            f" '2023-02-15 09:00:00', '2023-02-15 09:00:00', '{loaded_at}')"
        )
        for statement in statements:
            connection.execute(statement)
    return run_cli(folder, "transform")


def text(run: Run) -> str:
    """stderr with its line wrapping undone."""
    return " ".join(run.stderr.split())


def rows(run: Run, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def warnings(run: Run) -> list[str]:
    return [" ".join(part.split()) for part in run.stderr.split("Warning: ")[1:]]


def test_the_clean_lakehouse_passes_without_a_warning(folder: Path) -> None:
    run = damaged_run(folder)
    assert run.exit_code == 0, run.stderr
    assert "Warning" not in run.stderr
    [(total,)] = rows(run, "select sum(turnover) from marts.monthly_turnover")
    assert total == HANDMADE_TOTAL


@pytest.mark.parametrize("amount", ["-250000.00", "0"])
def test_an_invoice_amount_not_above_zero_fails_naming_the_invoice(
    folder: Path, amount: str
) -> None:
    run = damaged_run(folder, f"update sources.app__invoices set amount = {amount} where id = 3")
    assert run.exit_code == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: transform failed: invoice_amount_is_positive (fail)")
    assert "invoice_id=3, reference=JMP00000003" in error
    assert not HASH.search(run.stderr)


def test_a_contract_ending_before_it_starts_fails_naming_the_contract(folder: Path) -> None:
    # Contract 5 (user 4) starts on 2024-05-20 and has no invoice.
    run = damaged_run(
        folder, "update sources.app__job_contracts set end_date = '2024-05-01' where id = 5"
    )
    assert run.exit_code == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: transform failed: job_contract_ends_after_it_starts (fail)")
    assert "job_contract_id=5, freelancer_id=4, start_date=2024-05-20, end_date=2024-05-01" in error


@pytest.mark.parametrize("score", ["'8.5'", "'nine'", "'11'", "'-1'"])
def test_a_score_not_an_integer_from_0_to_10_warns_and_is_never_counted(
    folder: Path, score: str
) -> None:
    # Customer 4 is user 4's CRM record (score 0); a retyped column lets any text in.
    run = damaged_run(
        folder,
        "alter table sources.crm__customers alter satisfaction_score type varchar",
        f"update sources.crm__customers set satisfaction_score = {score} where id = 4",
    )
    assert run.exit_code == 0, run.stderr
    [warning] = warnings(run)
    assert warning.startswith("satisfaction_score_is_an_integer_from_0_to_10 (warn)")
    assert f"customer_id=4, satisfaction_score={score.strip(chr(39))}" in warning
    # Not rounded into the NPS: customer 4 counts as not answered (3 respondents, not 4).
    assert rows(
        run, "select satisfaction_score from intermediate.freelancers where freelancer_id = 4"
    ) == [(None,)]
    assert rows(run, "select respondents, promoters, detractors from marts.nps") == [(2, 2, 0)]


def test_an_invoices_table_emptied_after_a_load_with_invoices_fails(folder: Path) -> None:
    run = damaged_run(
        folder,
        "create schema platform",
        # What `load` recorded: an earlier load brought 9 invoices.
        "create table platform.loads as select 3 as load_id, 'app' as source,"
        " '2024-06-15T23:59:59+02:00' as as_of, 'app__invoices' as table_name, 9 as rows_total",
        "delete from sources.app__invoices",
    )
    assert run.exit_code == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: transform failed: invoices_table_was_not_emptied (fail)")
    assert "problem=the invoices table is empty, but load 3 had 9 invoices" in error
    assert "days ago" not in run.stderr
    assert "source app.invoices (sources.app__invoices) has no row" in text(run)


def test_no_invoice_yet_publishes_empty_marts_with_a_warning(folder: Path) -> None:
    """A company that has not invoiced yet (no load ever brought an invoice) is no error."""
    run = damaged_run(folder, "delete from sources.app__invoices")
    assert run.exit_code == 0, run.stderr
    [warning] = [line for line in warnings(run) if not line.startswith("source ")]
    assert warning.startswith("invoices_table_is_not_empty (warn)")
    assert "problem=the invoices table is empty" in warning
    for mart in ("monthly_turnover", "nps_monthly", "turnover_by_cohort"):
        assert rows(run, f"select count(*) from marts.{mart}") == [(0,)], mart  # no month
    assert rows(run, "select count(*) from marts.freelancer_cumulative_turnover") == [(0,)]


def test_an_invoice_of_an_unknown_contract_fails_naming_the_invoice(folder: Path) -> None:
    run = damaged_run(folder, "update sources.app__invoices set job_contract_id = 999 where id = 8")
    assert run.exit_code == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: transform failed: invoice_job_contract_exists (fail)")
    assert "invoice_id=8, reference=JMP00000009, job_contract_id=999" in error
    assert not HASH.search(run.stderr)


def test_an_invoice_of_an_unknown_client_fails_naming_the_invoice(folder: Path) -> None:
    run = damaged_run(folder, "update sources.app__invoices set client_id = 77 where id = 2")
    assert run.exit_code == 1
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: transform failed: invoice_client_exists (fail)")
    assert "invoice_id=2, reference=JMP00000002, client_id=77" in error
    assert not HASH.search(run.stderr)


def test_a_contract_of_an_unknown_user_fails_naming_the_contract(folder: Path) -> None:
    run = damaged_run(folder, "update sources.app__job_contracts set user_id = 55 where id = 5")
    assert run.exit_code == 1
    assert "job_contract_user_exists (fail)" in run.stderr
    assert "job_contract_id=5, freelancer_id=55" in text(run)
    assert not HASH.search(run.stderr)


@pytest.mark.parametrize(
    ("damage", "failing_test", "failing_row"),
    [
        (
            "insert into sources.app__users select * from sources.app__users where id = 2",
            "primary_key_staging__app__users_user_id",
            "user_id=2, row_count=2",  # the id and how many rows hold it
        ),
        (
            "update sources.app__users set email = null, created_at = null where id = 2",
            "user_has_names_email_and_sign_up_time",
            "user_id=2, null_columns=email, created_at",  # the id and each NULL column
        ),
    ],
    ids=["duplicated id", "no email nor sign-up time"],
)
def test_a_broken_user_fails_naming_the_user(
    folder: Path, damage: str, failing_test: str, failing_row: str
) -> None:
    run = damaged_run(folder, damage)
    assert run.exit_code == 1
    assert f"{failing_test} (fail)" in run.stderr
    assert failing_row in text(run)


def reference_warning(run: Run) -> str:
    assert run.exit_code == 0, run.stderr
    [warning] = warnings(run)
    assert warning.startswith("invoice_references_are_consecutive (warn)")
    # Amounts are keyed by invoice id: the marts are built and hold every euro.
    [(total,)] = rows(run, "select sum(turnover) from marts.monthly_turnover")
    assert total == HANDMADE_TOTAL
    return warning


def test_malformed_references_warn_naming_each_and_never_crash(folder: Path) -> None:
    run = damaged_run(
        folder,
        "update sources.app__invoices set reference = 'JMPABCDEFGH' where id = 2",
        "update sources.app__invoices set reference = 'JMP0004000' where id = 5",
    )
    warning = reference_warning(run)
    assert (
        "anomaly=malformed, how_many=2, invoice_references=invoice 2: 'JMPABCDEFGH', invoice 5: 'JMP0004000'"
        in warning
    )
    # Their numbers are unknown (NULL), so JMP00000002 and JMP00000006 are missing too.
    assert "anomaly=missing, how_many=2, invoice_references=JMP00000002, JMP00000006" in warning
    assert rows(
        run, "select reference_number from staging.app__invoices where invoice_id in (2, 5)"
    ) == [(None,), (None,)]


def test_a_negative_looking_reference_is_malformed_not_a_gap(folder: Path) -> None:
    run = damaged_run(
        folder, "update sources.app__invoices set reference = 'JMP-0004300' where id = 8"
    )
    warning = reference_warning(run)
    assert "anomaly=malformed, how_many=1, invoice_references=invoice 8: 'JMP-0004300'" in warning
    assert "missing" not in warning  # JMP00000009 was the last: no gap, and never 4,300


def test_a_gap_at_the_start_of_the_references_is_reported(folder: Path) -> None:
    run = damaged_run(
        folder, "update sources.app__invoices set reference = 'JMP00000010' where id = 1"
    )
    warning = reference_warning(run)
    assert "anomaly=missing, how_many=1, invoice_references=JMP00000001" in warning


def test_gaps_are_named_as_ranges_and_duplicates_too(folder: Path) -> None:
    run = damaged_run(
        folder,
        "update sources.app__invoices set reference = 'JMP00000012' where id = 6",
        "update sources.app__invoices set reference = 'JMP00000003' where id = 5",
    )
    warning = reference_warning(run)
    # 6 and 7 are gone (JMP00000006 is now a second JMP00000003), 10 and 11 were never issued.
    assert (
        "anomaly=missing, how_many=4, invoice_references=JMP00000006..JMP00000007, JMP00000010..JMP00000011"
        in warning
    )
    assert (
        "anomaly=duplicated, how_many=1, invoice_references=JMP00000003 (invoices 3, 5)" in warning
    )
