"""The publication's record scans each mart once: a mart with a `month` column gets its totals
from its months' figures, and the archive of that publication takes those month figures
instead of scanning the marts again (storage/publish.py: record_publication, archive)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.storage import month_files, publish

PLAIN = (
    "select count(*), coalesce(sum(hash(t)) % 18446744073709551616, 0)::ubigint"
    " from marts.{name} as t"
)


def _marts(connection: duckdb.DuckDBPyConnection, shift: int = 0) -> None:
    """A mart kept by month, one with an undated row, one of a row per month, one without
    months."""
    connection.execute("create schema if not exists marts")
    connection.execute(
        "create or replace table marts.by_month as select (i % 50)::bigint as freelancer_id,"
        " (date '2024-01-01' + to_months((i % 3)::integer))::date as month,"
        f" ((i + {shift}) * 1.5)::decimal(18, 2) as turnover from range(300) as t(i)"
    )
    connection.execute(
        "create or replace table marts.undated as"
        " select * from marts.by_month union all select 1, null, 2.5"
    )
    connection.execute(
        "create or replace table marts.monthly as select month, sum(turnover) as turnover"
        " from marts.by_month group by month"
    )
    connection.execute("create or replace table marts.nps as select 42 as nps")


def test_the_totals_from_the_months_are_those_of_one_scan_of_the_whole() -> None:
    with duckdb.connect(":memory:") as connection:
        _marts(connection)
        figures, _ = publish.scanned_marts(connection)
        for name in ("by_month", "undated", "monthly", "nps"):
            row = connection.execute(PLAIN.format(name=name)).fetchone()
            assert row is not None
            assert figures[name] == {"rows": int(row[0]), "checksum": f"{int(row[1]):016x}"}


def _record(settings: Settings, shift: int, commit: bool = True) -> int:
    settings.writer_folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        connection.execute("begin")
        _marts(connection, shift)
        publication = publish.record_publication(
            connection, ["marts"], dt.datetime(2026, 12, 1), {}
        )
        connection.execute("commit" if commit else "rollback")
    return publication


def _month_figures(settings: Settings, publication: int) -> dict[str, object]:
    manifest = settings.publication_folder(publication) / publish.MANIFEST
    figures: dict[str, object] = json.loads(manifest.read_text())[month_files.MONTH_FILES]
    return figures


def test_the_archive_takes_the_month_figures_its_record_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    _record(settings, shift=7, commit=False)  # rolled back: its figures are never taken
    publication = _record(settings, shift=0)
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        expected = month_files.kept_month_figures(connection, "marts.by_month")

    def no_second_scan(*args: object) -> None:
        raise AssertionError("the archive scanned the marts again")

    monkeypatch.setattr(month_files, "kept_month_figures", no_second_scan)
    publish.archive(settings, publication)
    assert _month_figures(settings, publication) == {"by_month": expected}
    monkeypatch.undo()

    # A publication this process did not record (a killed writer's, kept by the next one):
    # the archive scans.
    second = _record(settings, shift=1)
    publish._recorded_months.clear()
    publish.archive(settings, second)
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        assert _month_figures(settings, second) == {
            "by_month": month_files.kept_month_figures(connection, "marts.by_month")
        }


def test_the_archive_flushes_what_it_wrote_not_what_it_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file the archive writes is flushed to disk before its folder is renamed into
    place; a file shared with the previous kept publication (a hard link) was flushed by that
    publication's archive, and only the folder holding its new name is flushed again."""
    settings = Settings(data_folder=tmp_path)
    files: list[str] = []  # the names of the files flushed, and of the folders
    folders: list[str] = []
    flush = publish._fsync

    def flushing(path: Path) -> None:
        (files if path.is_file() else folders).append(path.name)
        flush(path)

    monkeypatch.setattr(publish, "_fsync", flushing)
    first = publish.archive(settings, _record(settings, shift=0))
    written = sorted(path.name for path in first.rglob("*.parquet"))
    assert len(written) > 4
    assert sorted(files) == sorted([*written, publish.MANIFEST])

    files.clear()
    folders.clear()
    second = publish.archive(settings, _record(settings, shift=0))  # the same marts
    assert all(path.stat().st_nlink == 2 for path in second.rglob("*.parquet"))
    assert files == [publish.MANIFEST]
    assert {"marts.by_month", settings.publications_folder.name} <= set(folders)
