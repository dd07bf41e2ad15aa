"""Fast checks of the storage: the writer's lock, the readers' file replaced under an open
reader, a stale log discarded, the retention policy, and expiry skipping a version being read."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from jump.data_platform import lakehouse
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.storage import publish
from jump.data_platform.storage.retention import Retention, expire_publications, to_expire
from jump.data_platform.storage.versions import open_publication, parse_selector
from jump.data_platform.storage.writer import WriterBusyError, read_writer, writer_session
from support.processes import holding

HOLD_WRITER = r"""
import sys, time
from pathlib import Path
from jump.data_platform.settings import Settings
from jump.data_platform.storage.writer import writer_session

with writer_session(Settings(data_folder=Path(sys.argv[1])), "transform"):
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    with holding(HOLD_WRITER, str(tmp_path)) as (holder, line):
        assert line == "holding\n"
        record = read_writer(settings)
        assert record is not None and record.pid == holder.pid and record.step == "transform"
        with pytest.raises(WriterBusyError) as refused, writer_session(settings, "load"):
            pass
        message = str(refused.value)
        assert f"(PID {holder.pid}), step transform since " in message
        assert "\n" not in message
    assert read_writer(settings) is None  # the lock went with its process
    with writer_session(settings, "load"):
        pass


def _writer_file(settings: Settings, value: int) -> None:
    settings.writer_folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        connection.execute("create or replace table t as select ? as v", [value])


def test_release_replaces_the_readers_file_under_an_open_reader(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 1)
    with writer_session(settings, "load") as session:
        publish.release(session)
    reader = duckdb.connect(str(settings.lakehouse_file), read_only=True)
    try:
        # An outside client that opened the readers' file for writing left its log beside it.
        (settings.lakehouse_folder / "lakehouse.duckdb.wal").write_bytes(b"stale")
        _writer_file(settings, 2)  # the writer is never blocked by the reader
        with writer_session(settings, "load") as session:
            publish.release(session)
        assert reader.execute("select v from t").fetchone() == (1,)  # its old file, whole
    finally:
        reader.close()
    assert not (settings.lakehouse_folder / "lakehouse.duckdb.wal").exists()
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        assert connection.execute("select v from t").fetchone() == (2,)


KILLED_WRITER = r"""
import os, sys
import duckdb

connection = duckdb.connect(sys.argv[1])
connection.execute("create or replace table t as select 3 as v")
os._exit(0)  # killed: no close, so no checkpoint, and the log stays beside the file
"""


def test_a_log_a_killed_writer_left_is_folded_in_before_readers_get_the_file(
    tmp_path: Path,
) -> None:
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 1)
    subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(settings.writer_lakehouse_file)], check=True
    )
    log = settings.writer_folder / "lakehouse.duckdb.wal"
    assert log.exists()
    with writer_session(settings, "load") as session:
        publish.release(session)
    assert not log.exists()
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        assert connection.execute("select v from t").fetchone() == (3,)


def test_a_closed_writers_file_is_released_without_opening_it_for_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB checkpointed it and removed its log when its last connection closed."""
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 1)
    opened = []
    open_lakehouse = publish.open_lakehouse

    def recording(path: Path, read_only: bool = False, **options: Path | None) -> object:
        opened.append((path, read_only))
        return open_lakehouse(path, read_only=read_only, **options)

    monkeypatch.setattr(publish, "open_lakehouse", recording)
    monkeypatch.setattr(lakehouse, "open_lakehouse", recording)  # lakehouse.fold_log's
    with writer_session(settings, "load") as session:
        publish.release(session)
    assert (settings.writer_lakehouse_file, False) not in opened
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        assert connection.execute("select v from t").fetchone() == (1,)


def test_retention_keeps_recent_daily_forever_and_the_newest() -> None:
    now = dt.datetime(2026, 12, 1, 12)
    published = {
        1: now - dt.timedelta(days=200),  # old, not kept
        2: now - dt.timedelta(days=150),  # old, kept for ever (a close)
        3: now - dt.timedelta(days=30, hours=2),  # daily window, not the day's last
        4: now - dt.timedelta(days=30, hours=1),  # daily window, the day's last
        5: now - dt.timedelta(days=2),  # everything kept for 7 days
        6: now - dt.timedelta(hours=1),
    }
    assert to_expire(published, now, Retention(), forever={2}) == [1, 3]
    assert to_expire(published, now, Retention(0, 0), forever=set()) == [1, 2, 3, 4, 5]


def test_a_selector_is_an_id_or_an_instant() -> None:
    assert parse_selector("12") == 12
    assert parse_selector("2026-11-30") == dt.datetime(2026, 11, 30, 23, 59, 59, 999999)
    assert parse_selector("2026-11-30T18:00+01:00") == dt.datetime(2026, 11, 30, 17)
    with pytest.raises(DataPlatformError, match="neither a publication id nor an instant"):
        parse_selector("yesterday")


def _kept(settings: Settings, publication_id: int, published_at: dt.datetime) -> None:
    folder = settings.publication_folder(publication_id)
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select {publication_id} as v) to '{folder / 'marts.m.parquet'}' (format parquet)"
        )
    manifest = {"publication_id": publication_id, "published_at": published_at.isoformat()}
    (folder / publish.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_expiry_skips_a_publication_a_reader_has_open(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 0)  # no publication recorded: nothing kept for ever
    old = dt.datetime(2026, 1, 1)
    for publication_id in (1, 2, 3):
        _kept(settings, publication_id, old + dt.timedelta(hours=publication_id))
    retention = Retention(0, 0)
    now = dt.datetime(2026, 12, 1)
    with open_publication(settings, 1) as connection:
        assert expire_publications(settings, now, retention) == ([2], [1])
        assert connection.execute("select v from marts.m").fetchone() == (1,)
    assert expire_publications(settings, now, retention) == ([1], [])
    assert sorted(p.name for p in settings.publications_folder.iterdir()) == ["3"]
    with (
        pytest.raises(DataPlatformError, match="publication 2 is not kept"),
        open_publication(settings, 2),
    ):
        pass


HOLD_PUBLICATION = r"""
import sys
from pathlib import Path
from jump.data_platform.settings import Settings
from jump.data_platform.storage.versions import open_publication

with open_publication(Settings(data_folder=Path(sys.argv[1])), int(sys.argv[2])) as connection:
    print(connection.execute("select v from marts.m").fetchone()[0], flush=True)
    sys.stdin.read()
    print(connection.execute("select v from marts.m").fetchone()[0], flush=True)
"""


def test_expiry_skips_a_publication_another_process_reads(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 0)
    for publication_id in (1, 2):
        _kept(settings, publication_id, dt.datetime(2026, 1, publication_id))
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_PUBLICATION, str(tmp_path), "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "1\n"
        assert expire_publications(settings, dt.datetime(2026, 12, 1), Retention(0, 0)) == (
            [],
            [1],
        )
        out, _ = reader.communicate("", timeout=60)
    finally:
        reader.kill()
    assert out == "1\n" and reader.returncode == 0
    assert expire_publications(settings, dt.datetime(2026, 12, 1), Retention(0, 0)) == ([1], [])


def test_a_session_catches_up_unless_this_process_left_both_files_caught_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's next refresh skips the catch-up (three opens of the files) while the
    files are as its last session left them; a write by anyone since, or a session that
    failed, and it catches up again."""
    settings = Settings(data_folder=tmp_path)
    _writer_file(settings, 1)
    caught_up: list[int] = []
    real_catch_up = publish.catch_up
    monkeypatch.setattr(
        publish, "catch_up", lambda session: caught_up.append(1) or real_catch_up(session)
    )
    with writer_session(settings, "load"):
        pass
    with writer_session(settings, "load"):
        pass
    assert len(caught_up) == 1
    _writer_file(settings, 2)  # another writer, between two sessions
    with writer_session(settings, "load"):
        pass
    assert len(caught_up) == 2
    with pytest.raises(RuntimeError), writer_session(settings, "load"):
        raise RuntimeError("a failed step")
    with writer_session(settings, "load"):
        pass
    assert len(caught_up) == 3
