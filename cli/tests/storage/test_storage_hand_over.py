"""After each publish, `hand_over` gives readers the new file while the publication is kept as
Parquet in the background: the copy of the file, the Parquet files and a step that only reads
(the report) overlap; a step that writes, and the writer's session's end, wait for the archive,
and its error is raised then."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.storage import publish
from jump.data_platform.storage.writer import writer_session

WAIT = 20  # seconds: far more than either side takes, short enough to fail a deadlock


def _published(settings: Settings, turnover: int) -> int:
    """A writer's file with one mart and a publication recorded for it: its id."""
    settings.writer_folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute("create or replace table marts.m as select ? as turnover", [turnover])
        return publish.record_publication(connection, ["marts"], dt.datetime(2026, 12, 1), {})


def _readers_turnover(settings: Settings) -> int:
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        row = connection.execute("select turnover from marts.m").fetchone()
    assert row is not None
    return int(row[0])


def test_readers_get_the_file_while_the_publication_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    archiving = threading.Event()
    archive, copy = publish.archive, publish._copy

    def archive_seen(*args: object) -> Path:
        archiving.set()
        return archive(*args)  # type: ignore[arg-type]

    def copy_once_archiving(source: Path, target: Path) -> None:
        # One after the other, the archive would not have started yet: this waits in vain.
        assert archiving.wait(WAIT), "the archive did not run while the file was copied"
        copy(source, target)

    with writer_session(settings, "transform") as session:
        publication = _published(settings, 100)  # as the transform publishes, in its session
        monkeypatch.setattr(publish, "archive", archive_seen)
        monkeypatch.setattr(publish, "_copy", copy_once_archiving)
        publish.hand_over(session, publication)
    assert _readers_turnover(settings) == 100
    assert publish.readers_publication_id(settings) == publication
    kept = settings.publication_folder(publication)
    assert (kept / publish.MANIFEST).is_file()
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select turnover from read_parquet('{kept / 'marts.m.parquet'}')"
        ).fetchall()
    assert rows == [(100,)]


def test_a_reading_step_runs_during_the_archive_and_a_writing_step_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    proceed, kept = threading.Event(), threading.Event()
    archive = publish.archive

    def held_archive(*args: object) -> Path:
        assert proceed.wait(WAIT)
        folder = archive(*args)  # type: ignore[arg-type]
        kept.set()
        return folder

    with writer_session(settings, "refresh"):
        with writer_session(settings, "transform") as session:
            publication = _published(settings, 3)
            monkeypatch.setattr(publish, "archive", held_archive)
            publish.hand_over(session, publication)
        with writer_session(settings, "report", writes=False):
            assert _readers_turnover(settings) == 3  # the report's data, the archive held
            assert not kept.is_set()
            proceed.set()
        with writer_session(settings, "load"):
            assert kept.is_set()
    assert (settings.publication_folder(publication) / publish.MANIFEST).is_file()


def test_a_failed_archive_is_raised_once_readers_have_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)

    def full_disk(*args: object) -> Path:
        raise DataPlatformError("cannot keep publication 1: No space left on device")

    with (
        pytest.raises(DataPlatformError, match="No space left on device"),
        writer_session(settings, "transform") as session,
    ):
        publication = _published(settings, 7)
        monkeypatch.setattr(publish, "archive", full_disk)
        publish.hand_over(session, publication)
    assert _readers_turnover(settings) == 7
    assert not settings.publication_folder(publication).exists()
    monkeypatch.undo()  # the next writer keeps what was not kept
    with writer_session(settings, "transform"):
        pass
    assert (settings.publication_folder(publication) / publish.MANIFEST).is_file()


def test_a_failed_release_is_raised_after_the_archive_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    with writer_session(settings, "transform") as session:
        publish.hand_over(session, _published(settings, 1))

    def full_disk(source: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    with (
        pytest.raises(DataPlatformError, match="readers keep the previous one"),
        writer_session(settings, "transform") as session,
    ):
        second = _published(settings, 2)
        monkeypatch.setattr(publish, "_copy", full_disk)
        publish.hand_over(session, second)
    assert _readers_turnover(settings) == 1  # the previous file, whole
    assert (settings.publication_folder(second) / publish.MANIFEST).is_file()
    assert not list(settings.lakehouse_folder.glob(".*.tmp"))
