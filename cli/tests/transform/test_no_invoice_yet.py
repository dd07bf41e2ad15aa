"""Issue 21, item 4: a lakehouse as of a day before the company's first invoice publishes its
marts (no month, no turnover) with a warning; an invoices table emptied after a load that
brought invoices stays an error."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from support.cli import run_cli

pytestmark = pytest.mark.slow

MARTS = ("monthly_turnover", "nps_monthly", "turnover_by_cohort", "freelancer_cumulative_turnover")


def _counts(lakehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        return {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchall()[0][0]
            for mart in MARTS
        }


@pytest.mark.parametrize(("seed", "as_of"), [("42", "2024-01-01"), ("3", "2024-01-12")])
def test_a_lakehouse_before_the_first_invoice_publishes_empty_marts(
    tmp_path: Path, seed: str, as_of: str
) -> None:
    run = run_cli(tmp_path, "--random-seed", seed, "extract", "--as-of", as_of, "load", "transform")
    assert run.exit_code == 0, run.stderr
    assert "invoices_table_is_not_empty (warn)" in " ".join(run.stderr.split())
    assert _counts(run.lakehouse) == dict.fromkeys(MARTS, 0)


def test_an_invoices_table_emptied_after_invoices_were_loaded_fails(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "--quiet", "extract", "--as-of", "2024-02-15", "load", "transform")
    assert run.exit_code == 0, run.stderr
    published = _counts(run.lakehouse)
    assert published["monthly_turnover"] == 2  # January and February
    run = run_cli(
        tmp_path,
        "--quiet",
        "extract",
        "--as-of",
        "2024-01-01",
        "load",
        "--full-refresh",
        "transform",
    )
    assert run.exit_code == 1
    assert "invoices_table_was_not_emptied (fail)" in run.stderr
    assert _counts(run.lakehouse) == published  # readers still see the previous marts
