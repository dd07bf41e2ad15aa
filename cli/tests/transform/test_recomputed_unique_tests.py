"""The unique tests of the marts incremental by freelancer check the keys their build recomputed
(dbt/macros/test_unique_combination.sql): the fingerprints kept beside a mart mark which
freelancers the build recomputed, and the test finds a duplicated key among those freelancers'
rows, a kept row duplicated by a recomputed one included, but does not scan the rows an earlier
build wrote and checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli

MART = "freelancer_cumulative_turnover"


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
