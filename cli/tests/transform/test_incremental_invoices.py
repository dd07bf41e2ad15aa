"""The incremental models of the invoices' layer.

intermediate.invoices is incremental by load (dbt/macros/kept_inputs.sql): a build reads only
the invoices whose load stamp (`_loaded_at`) it has not consumed, keeps the stamps it consumed
beside the table (`invoices__inputs`), and deletes the invoices gone from the App. A table built
before it kept its stamps is caught up by (invoice_id, updated_at), as before.

intermediate.invoice_reference_anomalies is incremental by block of reference numbers
(dbt/macros/reference_blocks.sql): a build recomputes the blocks whose invoices, or the last
number before them, changed, and gives what a full refresh gives."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from support.cli import run_cli

COMPILED = "intermediate__invoices"
# The invoice id's primary key, checked on the loads intermediate.invoices has not consumed.
KEY_TEST = "primary_key_staging__app__invoices_invoice_id"
# The surrogate key's uniqueness, checked on the invoices of the loads no passing test checked.
SURROGATE_TEST = "unique_intermediate__invoices_invoice_key"


def _slot(connection: duckdb.DuckDBPyConnection, kept: str = "invoices__inputs") -> str:
    """The build slot where `kept` lies, beside its model."""
    (schema,) = connection.execute(
        "select table_schema from information_schema.tables where table_name = ?", [kept]
    ).fetchone() or (None,)
    assert schema is not None, f"no {kept} kept beside its model"
    return str(schema)


def _consumed(writer: Path) -> list[Any]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        return [
            stamp
            for (stamp,) in connection.execute(
                f"select _loaded_at from {_slot(connection)}.invoices__inputs order by all"
            ).fetchall()
        ]


def _stamps(writer: Path) -> list[Any]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        return [
            stamp
            for (stamp,) in connection.execute(
                "select distinct _loaded_at from sources.app__invoices order by all"
            ).fetchall()
        ]


def _amounts(writer: Path) -> dict[int, Any]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        rows = connection.execute("select invoice_id, amount from intermediate.invoices").fetchall()
    return {int(invoice): amount for invoice, amount in rows}


def _compiled(settings: Settings, node: str = f"model.jump_data_platform.{COMPILED}") -> str:
    results = json.loads(settings.run_results_file.read_text())["results"]
    # A generic test's id ends with a hash of its arguments: matched by its first three parts.
    (sql,) = [
        result["compiled_code"]
        for result in results
        if ".".join(result["unique_id"].split(".")[:3]) == node
    ]
    return str(sql)


def _compiled_key_test(settings: Settings, test: str | None = None) -> str:
    return _compiled(settings, f"test.jump_data_platform.{test or KEY_TEST}")


def _unchecked(writer: Path) -> list[Any] | None:
    """The loads whose invoices wait for the surrogate key's test; None when none do."""
    with duckdb.connect(str(writer), read_only=True) as connection:
        schema = _slot(connection)
        found = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = 'invoices__unchecked'",
            [schema],
        ).fetchone()
        if not found or not found[0]:
            return None
        return [
            stamp
            for (stamp,) in connection.execute(
                f"select _loaded_at from {schema}.invoices__unchecked order by all"
            ).fetchall()
        ]


def _transform(folder: Path) -> None:
    run = run_cli(folder, "--quiet", "transform")
    assert run.exit_code == 0, run.stderr


def _edit(writer: Path, *statements: str) -> None:
    with duckdb.connect(str(writer)) as connection:
        for statement in statements:
            connection.execute(statement)


def test_a_build_reads_the_invoices_of_the_loads_it_has_not_consumed(built: Settings) -> None:
    writer = built.writer_lakehouse_file
    assert _consumed(writer) == _stamps(writer)
    before = _amounts(writer)
    # A load corrects invoice 3 and deletes invoice 4 (it stamps the rows it writes).
    _edit(
        writer,
        "update sources.app__invoices set amount = amount + 1,"
        " _loaded_at = '2024-07-01 08:00:00' where id = 3",
        "delete from sources.app__invoices where id = 4",
    )
    _transform(built.data_folder)

    # The stamp is written into the query as a constant: DuckDB filters the table as it scans.
    assert "_loaded_at in (cast('2024-07-01 08:00:00' as timestamp))" in _compiled(built)
    # The keys are checked on the rows of that load only, each counted over every row.
    assert "new_rows._loaded_at in (cast('2024-07-01 08:00:00' as timestamp))" in (
        _compiled_key_test(built)
    )
    assert "loaded._loaded_at in (cast('2024-07-01 08:00:00' as timestamp))" in (
        _compiled_key_test(built, SURROGATE_TEST)
    )
    assert _unchecked(writer) is None  # the test passed: nothing waits for it
    after = _amounts(writer)
    assert after[3] == before[3] + 1
    assert set(after) == set(before) - {4}
    assert {key: value for key, value in after.items() if key != 3} == {
        key: value for key, value in before.items() if key not in (3, 4)
    }
    assert _consumed(writer) == _stamps(writer)

    # No invoice loaded since: the next build (a client renamed) reads none.
    _edit(
        writer,
        "update sources.app__clients set name = 'Autre', _loaded_at = '2024-07-01 09:00:00'"
        " where id = 1",
    )
    _transform(built.data_folder)
    assert "_loaded_at in" not in _compiled(built)
    assert _amounts(writer) == after


def test_a_load_duplicating_an_invoice_id_or_without_one_fails_before_it_is_consumed(
    built: Settings,
) -> None:
    writer = built.writer_lakehouse_file
    consumed = _consumed(writer)
    # A load writes invoice 2 again, and an invoice without an id (it stamps both).
    _edit(
        writer,
        "insert into sources.app__invoices select * replace"
        " (cast('2024-07-01 08:00:00' as timestamp) as _loaded_at) from sources.app__invoices"
        " where id = 2",
        "insert into sources.app__invoices select * replace"
        " (null as id, cast('2024-07-01 08:00:00' as timestamp) as _loaded_at)"
        " from sources.app__invoices where id = 3",
    )
    run = run_cli(built.data_folder, "transform")
    assert run.exit_code == 1
    assert f"{KEY_TEST} (fail)" in run.stderr
    error = " ".join(run.stderr.split())
    assert "invoice_id=2, row_count=2" in error
    assert "invoice_id=None, row_count=1" in error
    assert "new_rows._loaded_at in" in _compiled_key_test(built)
    # intermediate.invoices waits for the test: it consumed nothing.
    assert _consumed(writer) == consumed


def test_invoices_a_build_left_unchecked_are_written_again_and_checked_by_the_next(
    built: Settings,
) -> None:
    writer = built.writer_lakehouse_file
    stamp = _stamps(writer)[0]
    # What a build that wrote invoice 2 twice and ended before its key test leaves (killed, a
    # `dbt run`, or the test failed): the two rows, and their load kept as unchecked.
    with duckdb.connect(str(writer)) as connection:
        table = f"{_slot(connection)}.invoices"
        connection.execute(f"insert into {table} select * from {table} where invoice_id = 2")
        connection.execute(
            f"create table {table}__unchecked as select cast(? as timestamp) as _loaded_at",
            [stamp],
        )
    # The test as the first build compiled it (every load was new to it) finds the duplicate,
    # named by the invoice's id rather than its hash.
    with duckdb.connect(str(writer), read_only=True) as connection:
        assert connection.execute(_compiled_key_test(built, SURROGATE_TEST)).fetchall() == [(2, 2)]
    before = _amounts(writer)
    # A later load corrects invoice 3 only.
    _edit(
        writer,
        "update sources.app__invoices set amount = amount + 1,"
        " _loaded_at = '2024-07-01 08:00:00' where id = 3",
    )
    _transform(built.data_folder)

    # The unchecked load's invoices were written again, with the new load's, and checked.
    with duckdb.connect(str(writer), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from intermediate.invoices where invoice_id = 2"
        ).fetchone() == (1,)
    assert _amounts(writer)[3] == before[3] + 1
    sql = _compiled_key_test(built, SURROGATE_TEST)
    assert "cast('2024-07-01 08:00:00' as timestamp)" in sql
    assert f"cast('{stamp}' as timestamp)" in sql
    assert _unchecked(writer) is None


def test_a_full_refresh_checks_every_invoice_id(built: Settings) -> None:
    writer = built.writer_lakehouse_file
    # A duplicate no load writes (under a stamp intermediate.invoices consumed): only a check of
    # every row finds it, which a full refresh makes.
    _edit(
        writer, "insert into sources.app__invoices select * from sources.app__invoices where id = 2"
    )
    run = run_cli(built.data_folder, "transform", "--full-refresh")
    assert run.exit_code == 1
    assert f"{KEY_TEST} (fail)" in run.stderr
    assert "invoice_id=2, row_count=2" in " ".join(run.stderr.split())
    assert "new_rows" not in _compiled_key_test(built)


def test_a_table_built_before_it_kept_its_stamps_is_caught_up_by_id_and_update(
    built: Settings,
) -> None:
    writer = built.writer_lakehouse_file
    before = _amounts(writer)
    with duckdb.connect(str(writer)) as connection:
        connection.execute(f"drop table {_slot(connection)}.invoices__inputs")
    _edit(
        writer,
        "update sources.app__invoices set amount = amount + 1,"
        " updated_at = '2024-07-01 08:00:00' where id = 3",
    )
    _transform(built.data_folder)

    assert "built.updated_at = current_invoices.updated_at" in _compiled(built)
    after = _amounts(writer)
    assert after[3] == before[3] + 1
    assert {key: value for key, value in after.items() if key != 3} == {
        key: value for key, value in before.items() if key != 3
    }
    assert _consumed(writer) == _stamps(writer)


def test_an_edit_no_load_stamped_fails_the_reconciliation_until_a_full_refresh(
    built: Settings,
) -> None:
    writer = built.writer_lakehouse_file
    # Sources are written by `load`, which stamps every row it writes. A row changed by hand
    # without its stamp is not read again; the reconciliation with the sources says so.
    _edit(writer, "update sources.app__invoices set amount = amount + 100 where id = 5")
    before = _amounts(writer)
    run = run_cli(built.data_folder, "transform")
    assert run.exit_code == 1
    assert "assert_turnover_reconciles (fail)" in run.stderr
    assert "nothing was published" in run.stderr

    run = run_cli(built.data_folder, "--quiet", "transform", "--full-refresh")
    assert run.exit_code == 0, run.stderr
    assert "_loaded_at in" not in _compiled(built)
    assert _amounts(writer)[5] == before[5] + 100
    assert _consumed(writer) == _stamps(writer)


def _anomalies(writer: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        return connection.execute(
            "select * from intermediate.invoice_reference_anomalies order by all"
        ).fetchall()


def _recomputed_blocks(writer: Path) -> set[int]:
    with duckdb.connect(str(writer), read_only=True) as connection:
        kept = "invoice_reference_anomalies__inputs"
        rows = connection.execute(
            f"select block from {_slot(connection, kept)}.{kept} where recomputed"
        ).fetchall()
    return {int(block) for (block,) in rows}


def _anomalies_of_the_invoices(writer: Path) -> list[tuple[Any, ...]]:
    """The anomalies computed here from the invoices, as accounting states the rule: `JMP` and 8
    digits, consecutive from 1, each used once."""
    with duckdb.connect(str(writer), read_only=True) as connection:
        invoices = connection.execute("select invoice_id, reference from intermediate.invoices")
        holders: dict[int, list[tuple[int, str]]] = {}
        found: list[tuple[Any, ...]] = []
        for invoice, reference in invoices.fetchall():
            if reference is not None and re.fullmatch(r"JMP[0-9]{8}", reference):
                holders.setdefault(int(reference[3:]), []).append((invoice, reference))
            else:
                found.append(("malformed", None, None, invoice, reference))
    previous = 0
    for number in sorted(holders):
        if number > previous + 1:
            found.append(("missing", previous + 1, number - 1, None, None))
        if len(holders[number]) > 1:
            found.extend(("duplicated", None, None, *holder) for holder in holders[number])
        previous = number
    return found


def test_an_hour_sorts_again_only_the_blocks_whose_invoices_changed(built: Settings) -> None:
    writer = built.writer_lakehouse_file
    assert Counter(_anomalies(writer)) == Counter(_anomalies_of_the_invoices(writer))
    # Two invoices of block 0 renumbered into block 1, both with one number.
    _edit(
        writer,
        "update sources.app__invoices set reference = 'JMP00070000',"
        " _loaded_at = '2024-07-01 08:00:00' where id in (3, 4)",
    )
    _transform(built.data_folder)
    assert _recomputed_blocks(writer) == {0, 1}
    anomalies = _anomalies(writer)
    assert Counter(anomalies) == Counter(_anomalies_of_the_invoices(writer))
    assert ("duplicated", None, None, 3, "JMP00070000") in anomalies


def _as_if_built_at_once(settings: Settings, tmp_path: Path) -> list[tuple[Any, ...]]:
    copy = tmp_path / f"at_once_{len(list(tmp_path.iterdir()))}"
    shutil.copytree(settings.data_folder, copy)
    run = run_cli(copy, "--quiet", "transform", "--full-refresh")
    assert run.exit_code == 0, run.stderr
    return _anomalies(Settings(data_folder=copy).writer_lakehouse_file)


@pytest.mark.slow  # seven transforms; its fast sibling: the test above
def test_the_reference_anomalies_are_recomputed_by_block(built: Settings, tmp_path: Path) -> None:
    writer = built.writer_lakehouse_file
    # Blocks of 65,536 numbers: the hand-made references all lie in block 0.
    assert _recomputed_blocks(writer) == {0}
    steps = [
        # Two invoices renumbered into blocks 1 and 2: gaps open at the start of each.
        (
            "update sources.app__invoices set reference = 'JMP00070000',"
            " _loaded_at = '2024-07-01 08:00:00' where id = 3",
            "update sources.app__invoices set reference = 'JMP00140000',"
            " _loaded_at = '2024-07-01 08:00:00' where id = 4",
        ),
        # Block 2 empties into block 1 (a duplicated number); block 0 is left as it was.
        (
            "update sources.app__invoices set reference = 'JMP00070000',"
            " _loaded_at = '2024-07-01 09:00:00' where id = 4",
        ),
        # Block 1 empties: its anomalies go with it.
        ("delete from sources.app__invoices where id in (3, 4)",),
    ]
    recomputed: list[set[int]] = []
    for statements in steps:
        _edit(writer, *statements)
        _transform(built.data_folder)
        recomputed.append(_recomputed_blocks(writer))
        assert _anomalies(writer) == _as_if_built_at_once(built, tmp_path)
    # Only the blocks whose invoices changed: block 0 when two of its invoices left it; none
    # when block 1 emptied (its rows deleted, nothing to recompute).
    assert recomputed == [{0, 1, 2}, {1}, set()]
