"""The unique tests of the marts incremental by freelancer check the keys their build recomputed
(dbt/macros/test_unique_combination.sql): the fingerprints kept beside a mart mark which
freelancers the build recomputed, and the test finds a duplicated key among those freelancers'
rows, a kept row duplicated by a recomputed one included, but does not scan the rows an earlier
build wrote and checked.

"Checked" means that test passed: the freelancers a build recomputed are kept as
`<mart>__unchecked` until it does (dbt/macros/kept_inputs.sql), and a later build recomputes
and checks them again, so that rows written by a build whose test failed (or that ended before
it) are never published on the strength of their unchanged fingerprints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli

MART = "freelancer_cumulative_turnover"
UNCHECKED = f"{MART}__unchecked"
# A release whose mart writes a second row of freelancer 1's first month without an invoice.
FAULTY_MART = (
    "    from (\n"
    "        select * from monthly\n"
    "        union all\n"
    "        (select * from monthly where freelancer_id = 1 and from_month < month limit 1)\n"
    "    ) as monthly\n"
)


def _mart_schema(connection: duckdb.DuckDBPyConnection) -> str:
    """The build slot the incremental mart lives in."""
    (schema,) = connection.execute(
        "select table_schema from information_schema.tables where table_name = ?",
        [f"{MART}__inputs"],
    ).fetchone() or (None,)
    assert schema is not None
    return str(schema)


def _recomputed(writer: Path) -> set[int]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        schema = _mart_schema(connection)
        rows = connection.execute(
            f"select freelancer_id from {schema}.{MART}__inputs where recomputed"
        ).fetchall()
    return {int(freelancer) for (freelancer,) in rows}


def _compiled_unique_test(settings: Settings) -> str:
    results = json.loads(settings.run_results_file.read_text())["results"]
    (sql,) = [
        result["compiled_code"]
        for result in results
        if result["unique_id"].startswith(
            f"test.jump_data_platform.unique_combination_marts__{MART}"
        )
    ]
    return str(sql)


def _failures(writer: Path, sql: str) -> int:
    with duckdb.connect(str(writer), read_only=True) as connection:
        (count,) = connection.execute(f"select count(*) from ({sql})").fetchone() or (0,)
    return int(count)


def test_the_unique_test_of_an_incremental_mart_checks_the_keys_its_build_recomputed(
    handmade_run: Run, tmp_path: Path
) -> None:
    assert handmade_run.exit_code == 0, handmade_run.stderr  # the first build, copied
    folder = tmp_path / "recomputed"
    shutil.copytree(handmade_run.data_folder, folder)
    settings = Settings(data_folder=folder)
    writer = settings.writer_lakehouse_file
    with duckdb.connect(str(writer), read_only=True) as connection:
        everyone = {
            int(freelancer)
            for (freelancer,) in connection.execute(
                "select distinct freelancer_id from marts.freelancer_cumulative_turnover"
            ).fetchall()
        }
    assert len(everyone) > 1
    # A first build computes every freelancer, so its unique test checks every row.
    assert everyone <= _recomputed(writer)

    # One invoice corrected in the App, and loaded (stamped by its load): only its freelancer
    # is recomputed.
    with duckdb.connect(str(writer)) as connection:
        invoice, changed = connection.execute(
            "select invoice_id, freelancer_id from intermediate.invoices"
            " order by invoice_id limit 1"
        ).fetchone() or (None, None)
        connection.execute(
            "update sources.app__invoices set amount = amount + 1,"
            " updated_at = '2024-06-30 12:00:00', _loaded_at = '2024-06-30 12:05:00' where id = ?",
            [invoice],
        )
    second = run_cli(folder, "--quiet", "transform")
    assert second.exit_code == 0, second.stderr
    assert _recomputed(writer) == {changed}
    sql = _compiled_unique_test(settings)
    assert " where freelancer_id in " in sql
    assert _failures(writer, sql) == 0

    kept = min(everyone - {changed})
    with duckdb.connect(str(writer)) as connection:
        mart = f"{_mart_schema(connection)}.{MART}"
        # A kept row duplicated where it is: the build that wrote it checked it, not this one.
        connection.execute(
            f"insert into {mart} select * from {mart} where freelancer_id = ? limit 1", [kept]
        )
    assert _failures(writer, sql) == 0
    with duckdb.connect(str(writer)) as connection:
        connection.execute(f"delete from {mart} where freelancer_id = ?", [kept])
        # A row outside the recomputed freelancers holding a key of theirs: found.
        connection.execute(
            f"insert into {mart} select * replace (? as freelancer_id) from {mart}"
            " where freelancer_id = ? limit 1",
            [kept, changed],
        )
    assert _failures(writer, sql) == 1


def _copy(handmade_run: Run, folder: Path) -> Settings:
    assert handmade_run.exit_code == 0, handmade_run.stderr
    shutil.copytree(handmade_run.data_folder, folder)
    return Settings(data_folder=folder)


def _unchecked_tables(writer: Path) -> list[str]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        return [
            str(name)
            for (name,) in connection.execute(
                "select table_name from information_schema.tables"
                " where table_name like '%\\_\\_unchecked' escape '\\'"
            ).fetchall()
        ]


def _correct_invoice_of(writer: Path, freelancer: int, stamp: str) -> None:
    """An invoice of `freelancer` corrected in the App, and loaded (stamped by its load)."""
    with duckdb.connect(str(writer)) as connection:
        (invoice,) = connection.execute(
            "select min(invoice_id) from intermediate.invoices where freelancer_id = ?",
            [freelancer],
        ).fetchone() or (None,)
        connection.execute(
            "update sources.app__invoices set amount = amount + 1, updated_at = ?,"
            " _loaded_at = ? where id = ?",
            [stamp, stamp, invoice],
        )


def _published_duplicates(settings: Settings) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        return connection.execute(
            f"select job_contract_id, month, count(*) from marts.{MART}"
            " group by all having count(*) > 1"
        ).fetchall()


def test_freelancers_a_build_left_unchecked_are_recomputed_and_checked_by_the_next(
    handmade_run: Run, tmp_path: Path
) -> None:
    settings = _copy(handmade_run, tmp_path / "unchecked")
    writer = settings.writer_lakehouse_file
    # A build whose test passed leaves nothing unchecked.
    assert _unchecked_tables(writer) == []
    # What a build that wrote freelancer 1's rows and ended before its test leaves (killed, a
    # `dbt run`): a bad row of freelancer 1 (a month with no invoice, twice: the totals hold),
    # and freelancer 1 kept as unchecked. Its fingerprint does not change after.
    with duckdb.connect(str(writer)) as connection:
        mart = f"{_mart_schema(connection)}.{MART}"
        connection.execute(
            f"insert into {mart} select * from {mart}"
            " where freelancer_id = 1 and turnover = 0 limit 1"
        )
        connection.execute(
            f"create table {_mart_schema(connection)}.{UNCHECKED} as select 1 as freelancer_id"
        )
    _correct_invoice_of(writer, 2, "2024-06-30 12:00:00")

    run = run_cli(settings.data_folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr
    # Freelancer 1 was recomputed with freelancer 2, and checked: the bad row is gone.
    assert _recomputed(writer) == {1, 2}
    assert _published_duplicates(settings) == []
    assert _unchecked_tables(writer) == []


@pytest.mark.slow
def test_rows_a_faulty_release_wrote_are_not_published_by_the_next_release(
    handmade_run: Run, tmp_path: Path
) -> None:
    """End to end: a release whose mart writes a duplicated row fails its unique test and
    publishes nothing; the next release (the mart fixed) recomputes that freelancer, although
    nothing of theirs changed since, and publishes no duplicate. Before the unchecked parts were
    kept, that release checked only the freelancers whose fingerprint changed, and published
    the duplicate."""
    settings = _copy(handmade_run, tmp_path / "releases")
    writer = settings.writer_lakehouse_file
    project = Path(__file__).resolve().parents[3] / "dbt"
    faulty = tmp_path / "faulty_dbt"
    shutil.copytree(project, faulty, ignore=shutil.ignore_patterns("target", "logs"))
    model = faulty / "models" / "marts" / f"marts__{MART}.sql"
    text = model.read_text()
    assert text.count("    from monthly\n") == 1
    model.write_text(text.replace("    from monthly\n", FAULTY_MART))

    _correct_invoice_of(writer, 1, "2024-06-30 12:00:00")
    run = run_cli(settings.data_folder, "transform", "--project-dir", str(faulty))
    assert run.exit_code == 1
    assert f"unique_combination_marts__{MART}" in run.stderr
    assert "job_contract_id=1" in run.stderr

    _correct_invoice_of(writer, 2, "2024-06-30 13:00:00")
    run = run_cli(settings.data_folder, "--quiet", "transform", "--project-dir", str(project))
    assert run.exit_code == 0, run.stderr
    assert _published_duplicates(settings) == []
    assert _recomputed(writer) == {1, 2}
    assert _unchecked_tables(writer) == []
