"""Write-audit-publish: a failed transform leaves the previously published marts whole.

The four marts must always reconcile with one and the same load: the sum of the monthly
turnover, of the turnover by cohort and of every freelancer's last cumulative turnover all equal
that load's invoices, and the NPS is that load's.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
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
        "--full-refresh",  # another history (seed 7), older than the one loaded
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
    # The sources are changed where the writer works: readers' file is a copy (publishing.md).
    writer = Settings(data_folder=folder).writer_lakehouse_file
    insert_invoice_of_a_missing_contract(writer)

    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 1
    assert "invoice_job_contract_exists" in run.stderr

    after = read_marts(lakehouse)
    assert after.reconcile_with(first_invoices), after
    assert after.nps == first.nps

    # Once the sources are right again, the next transform publishes the new load whole.
    with duckdb.connect(str(writer)) as connection:
        connection.execute("delete from sources.app__invoices where job_contract_id = 999999999")
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    assert read_marts(lakehouse).reconcile_with(loaded_invoices(lakehouse))


# A transform in its own process, killed with SIGKILL (no clean-up can run) at a given point:
# - `sql REGEX`: before dbt runs the first statement matching REGEX;
# - `publish N`: inside the publishing transaction, after N layers were repointed;
# - `published`: right after the publishing transaction committed (not archived nor released);
# - `released`: the publication archived, the copy for readers written, not renamed yet.
KILLED_TRANSFORM = r"""
import os, re, signal, sys

point, argument, data_folder = sys.argv[1:4]


def die():
    os.kill(os.getpid(), signal.SIGKILL)


if point == "sql":
    from dbt.adapters.sql.connections import SQLConnectionManager

    add_query, pattern = SQLConnectionManager.add_query, re.compile(argument, re.S | re.I)

    def killing_add_query(self, sql, *args, **kwargs):
        if pattern.search(sql):
            die()
        return add_query(self, sql, *args, **kwargs)

    SQLConnectionManager.add_query = killing_add_query
else:
    from jump.data_platform.transform import publish

    if point == "publish":
        repoint, repointed = publish._repoint_model, []

        def killing_repoint(*args, **kwargs):
            repoint(*args, **kwargs)
            repointed.append(args[1])
            if len(repointed) == int(argument):
                die()

        publish._repoint_model = killing_repoint
    elif point == "released":
        from jump.data_platform.storage import publish as storage_publish

        storage_publish._discard_log = lambda *args: die()
    else:
        publish_layers = publish.publish_layers

        def killing_publish_layers(*args, **kwargs):
            publish_layers(*args, **kwargs)
            die()

        publish.publish_layers = killing_publish_layers

from jump.data_platform.cli.main import main

sys.exit(main(["--data-folder", data_folder, "--quiet", "transform"]))
"""


def kill_transform(folder: Path, point: str, argument: str = "") -> None:
    child = subprocess.run(
        [sys.executable, "-c", KILLED_TRANSFORM, point, argument, str(folder)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    # Killed where asked: a transform that ended by itself never reached that point.
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stderr)


def reload(folder: Path, seed: str, as_of: str) -> Decimal:
    """Extract and load another state of the applications (another history: replaced whole);
    the total of its invoices."""
    run = run_cli(
        folder,
        "--quiet",
        "--random-seed",
        seed,
        "extract",
        "--as-of",
        as_of,
        "load",
        "--full-refresh",
    )
    assert run.exit_code == 0, run.stderr
    return loaded_invoices(run.lakehouse)


def assert_status_tells(folder: Path, *expected: str) -> None:
    status = run_cli(folder, "status")
    assert status.exit_code == 0, status.stderr
    text = " ".join((status.stdout + status.stderr).split())
    for words in expected:
        assert words in text, text
    # Readers never see dbt's temporary relations nor the build slots.
    assert "__dbt_" not in text and "__slot_" not in text, text


def test_a_killed_transform_leaves_one_load_published(published: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(published, folder)
    lakehouse = run_cli(folder, "--quiet", "status").lakehouse
    first = loaded_invoices(lakehouse)
    second = reload(folder, "7", "2026-10-31")
    assert second != first

    for point, argument in [
        # During the models: the intermediate tables built and committed, the marts under way
        # (an incremental mart staging what its freelancers' rows are computed from).
        ("sql", r"create or replace table .*turnover_by_cohort__inputs_next"),
        # During the models again, the build slot now holding what the killed run committed:
        # intermediate.job_contracts rebuilt and committed, its `__dbt_backup` not dropped yet
        # (intermediate.invoices is incremental: it has no backup).
        ("sql", r'drop .*intermediate__slot_\w+"?\."?job_contracts__dbt_backup'),
        # During the tests: the first data test that reads monthly_turnover.
        ("sql", r"dbt_internal_test.*monthly_turnover|monthly_turnover.*dbt_internal_test"),
        # During the publishing transaction: ten models of the twenty-one repointed.
        ("publish", "10"),
    ]:
        kill_transform(folder, point, argument)
        assert read_marts(lakehouse).reconcile_with(first), point
        assert_status_tells(
            folder,
            "Last transform: interrupted/killed (staging, intermediate, marts)",
            "it never finished",
            "interrupted or killed before publishing",
        )

    # Killed once the publishing transaction committed, or while the readers' copy was being
    # written: readers still see the previous publication whole (they see a publication once
    # its file is renamed into place)...
    for point in ("published", "released"):
        kill_transform(folder, point)
        assert read_marts(lakehouse).reconcile_with(first), point
        assert_status_tells(folder, "interrupted or killed before publishing")
    # ... and the next writer finishes the job before its own: the new load published whole.
    # Its own transform then finds nothing changed since that publication, and writes the
    # report the killed run did not.
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    assert read_marts(lakehouse).reconcile_with(second)
    assert_status_tells(folder, "Last transform: nothing changed since the last publication")
    assert "older than the last publication" not in run_cli(folder, "status").stderr
    assert not list(lakehouse.parent.glob(".*.tmp")), "a killed copy was left behind"
