"""Write-audit-publish: a failed transform leaves the previously published marts whole.

The four marts must always reconcile with one and the same load: the sum of the monthly
turnover, of the turnover by cohort and of every freelancer's last cumulative turnover all equal
that load's invoices, and the NPS is that load's.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from support.cli import run_cli

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Marts:
    """What the four marts say, reduced to the numbers that must agree."""

    monthly_turnover: Decimal
    turnover_by_cohort: Decimal
    cumulative_turnover: Decimal  # the sum of each freelancer's last running total
    nps: tuple[object, ...]

    def reconcile_with(self, invoices: Decimal) -> bool:
        return (
            self.monthly_turnover == self.turnover_by_cohort == self.cumulative_turnover == invoices
        )


def read_marts(lakehouse: Path) -> Marts:
    with duckdb.connect(str(lakehouse), read_only=True) as connection:

        def total(sql: str) -> Decimal:
            row = connection.execute(sql).fetchone()
            assert row is not None
            return Decimal(row[0] or 0)

        nps = connection.execute("select * from marts.nps").fetchone()
        assert nps is not None
        return Marts(
            monthly_turnover=total("select sum(turnover) from marts.monthly_turnover"),
            turnover_by_cohort=total("select sum(turnover) from marts.turnover_by_cohort"),
            cumulative_turnover=total(
                """
                select sum(cumulative_turnover) from (
                    select cumulative_turnover, row_number() over (
                        partition by freelancer_id
                        order by month desc, job_contract_start_date desc
                    ) as recency
                    from marts.freelancer_cumulative_turnover
                ) where recency = 1
                """
            ),
            nps=tuple(nps),
        )


def loaded_invoices(lakehouse: Path) -> Decimal:
    """The total of the invoices the last `load` wrote."""
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        row = connection.execute(
            "select cast(sum(amount) as decimal(18, 2)) from sources.app__invoices"
        ).fetchone()
    assert row is not None
    return Decimal(row[0])


def insert_invoice_of_a_missing_contract(lakehouse: Path) -> None:
    """An invoice whose job contract does not exist: the relationship test fails (error)."""
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute(
            """
            insert into sources.app__invoices by name
            select max(id) + 1 as id, 'JMP' || lpad(cast(max(id) + 1 as varchar), 8, '0')
                       as reference,
                   999999999 as job_contract_id, min(client_id) as client_id,
                   max(issue_date) as issue_date, 1234.56 as amount,
                   max(created_at) as created_at, max(updated_at) as updated_at,
                   max(_loaded_at) as _loaded_at
            from sources.app__invoices
            """
        )


@pytest.fixture(scope="module")
def published(extracted_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose first load (seed 42) is transformed and published."""
    folder = tmp_path_factory.mktemp("publish") / "data"
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    run = run_cli(folder, "--quiet", "load", "transform")
    assert run.exit_code == 0, run.stderr
    return folder


def second_load(published: Path, destination: Path) -> Path:
    """A copy of `published` after a second extract (another seed and as-of) and load."""
    shutil.copytree(published, destination)
    run = run_cli(
        destination,
        "--quiet",
        "--random-seed",
        "7",
        "extract",
        "--as-of",
        "2026-10-31",
        "load",
    )
    assert run.exit_code == 0, run.stderr
    return destination


def test_a_failing_relationship_test_publishes_nothing(published: Path, tmp_path: Path) -> None:
    lakehouse = run_cli(published, "--quiet", "status").lakehouse
    first_invoices = loaded_invoices(lakehouse)
    first = read_marts(lakehouse)
    assert first.reconcile_with(first_invoices)

    folder = second_load(published, tmp_path / "data")
    lakehouse = folder / lakehouse.relative_to(published)
    assert loaded_invoices(lakehouse) != first_invoices  # a different load
    insert_invoice_of_a_missing_contract(lakehouse)

    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 1
    assert "relationships_intermediate__invoices_job_contract_key" in run.stderr

    after = read_marts(lakehouse)
    assert after.reconcile_with(first_invoices), after
    assert after.nps == first.nps

    # Once the sources are right again, the next transform publishes the new load whole.
    with duckdb.connect(str(lakehouse)) as connection:
        connection.execute("delete from sources.app__invoices where job_contract_id = 999999999")
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    assert read_marts(lakehouse).reconcile_with(loaded_invoices(lakehouse))
