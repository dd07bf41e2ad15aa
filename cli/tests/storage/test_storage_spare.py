"""The readers' file a publication retires is kept as a spare, and the next publication writes
into it only the chunks that changed, unless a reader still has it open (storage/spare.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.storage import publish, spare
from jump.data_platform.storage.writer import writer_session
from support.processes import holding

CHUNK = spare.CHUNK_BYTES


def _bytes(chunks: int, fill: int) -> bytes:
    return bytes([fill]) * (chunks * CHUNK)


@pytest.mark.parametrize(
    ("before", "after", "rewritten"),
    [
        # One chunk changed in the middle: only it is written.
        (_bytes(4, 1), _bytes(1, 1) + _bytes(1, 2) + _bytes(2, 1), CHUNK),
        # The source grew, with a partial last chunk: the new chunks, and nothing else.
        (_bytes(2, 1), _bytes(3, 1) + b"\x07" * 100, CHUNK + 100),
        # The source shrank: cut, nothing written.
        (_bytes(3, 1), _bytes(2, 1), 0),
        # Nothing there yet (an empty file).
        (b"", _bytes(2, 5), 2 * CHUNK),
    ],
)
def test_the_spare_becomes_a_byte_for_byte_copy_writing_only_what_differs(
    tmp_path: Path, before: bytes, after: bytes, rewritten: int
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    source.write_bytes(after)
    target.write_bytes(before)
    with spare.claimed(target) as descriptor:
        assert descriptor is not None
        assert spare.bring_up_to(source, descriptor) == rewritten
    assert target.read_bytes() == after


def _database(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create or replace table t as select ? as v", [value])


HOLD_READER = r"""
import sys
import duckdb

connection = duckdb.connect(sys.argv[1], read_only=True)
print(connection.execute("select v from t").fetchone()[0], flush=True)
sys.stdin.read()
"""


def test_a_spare_is_claimed_only_when_no_duckdb_connection_has_it_open(tmp_path: Path) -> None:
    path = tmp_path / "spare.duckdb"
    with spare.claimed(path) as descriptor:
        assert descriptor is None  # no spare yet
    _database(path, 1)
    reader = duckdb.connect(str(path), read_only=True)  # in this very process
    with spare.claimed(path) as descriptor:
        assert descriptor is None
    assert reader.execute("select v from t").fetchone() == (1,)  # its lock was not released
    reader.close()
    with holding(HOLD_READER, str(path)) as (_, line):
        assert line == "1\n"
        with spare.claimed(path) as descriptor:
            assert descriptor is None  # another process reads it
    with spare.claimed(path) as descriptor:
        assert descriptor is not None
        with pytest.raises(duckdb.IOException, match="lock"):  # nobody opens it meanwhile
            duckdb.connect(str(path), read_only=True)
    with duckdb.connect(str(path), read_only=True) as connection:  # released on exit
        assert connection.execute("select v from t").fetchone() == (1,)


def _publish(settings: Settings, value: int) -> None:
    settings.writer_folder.mkdir(parents=True, exist_ok=True)
    _database(settings.writer_lakehouse_file, value)
    with writer_session(settings, "load") as session:
        publish.release(session)


def _read(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        row = connection.execute("select v from t").fetchone()
    assert row is not None
    return int(row[0])


def _copies_whole(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every whole copy of the writer's file."""
    copies: list[Path] = []
    copy = publish._copy

    def recorded(source: Path, target: Path) -> None:
        copies.append(target)
        copy(source, target)

    monkeypatch.setattr(publish, "_copy", recorded)
    return copies


def test_a_publication_writes_into_the_spare_the_last_one_retired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    spare_file = spare.spare_of(settings.lakehouse_file)
    copies = _copies_whole(monkeypatch)
    _publish(settings, 1)
    assert not spare_file.exists()  # no readers' file retired yet
    _publish(settings, 2)
    assert len(copies) == 2  # nothing to write into yet: both copied whole
    assert _read(spare_file) == 1  # the file readers left
    _publish(settings, 3)
    assert len(copies) == 2  # the spare was brought up to the writer's file instead
    assert _read(settings.lakehouse_file) == 3
    assert settings.lakehouse_file.read_bytes() == settings.writer_lakehouse_file.read_bytes()
    assert _read(spare_file) == 2
    assert sorted(path.name for path in settings.lakehouse_folder.iterdir()) == [
        ".lakehouse.duckdb.spare",
        ".writer",
        "lakehouse.duckdb",
    ]


def test_a_reader_of_the_retired_file_keeps_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    _publish(settings, 1)
    reader = duckdb.connect(str(settings.lakehouse_file), read_only=True)  # a long-lived one
    try:
        _publish(settings, 2)  # its file is now the spare
        copies = _copies_whole(monkeypatch)
        _publish(settings, 3)
        assert len(copies) == 1  # the spare was left alone: copied whole
        assert reader.execute("select v from t").fetchone() == (1,)
        # The spare is now the file readers left, 2; the reader's file has no name any more.
        assert _read(spare.spare_of(settings.lakehouse_file)) == 2
    finally:
        reader.close()
    assert _read(settings.lakehouse_file) == 3


def test_a_spare_a_killed_writer_left_half_written_is_repaired(tmp_path: Path) -> None:
    settings = Settings(data_folder=tmp_path)
    for value in (1, 2):
        _publish(settings, value)
    spare_file = spare.spare_of(settings.lakehouse_file)
    with spare_file.open("r+b") as half_written:  # garbage over its first chunks
        half_written.write(b"\xff" * (2 * CHUNK))
    _publish(settings, 3)
    assert settings.lakehouse_file.read_bytes() == settings.writer_lakehouse_file.read_bytes()
    assert _read(settings.lakehouse_file) == 3


def test_without_hard_links_or_a_writable_spare_every_publication_copies_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path)
    copies = _copies_whole(monkeypatch)

    def no_hard_links(source: object, target: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(publish.os, "link", no_hard_links)
    for value in (1, 2, 3):
        _publish(settings, value)
    assert len(copies) == 3
    assert not spare.spare_of(settings.lakehouse_file).exists()
    assert _read(settings.lakehouse_file) == 3
    monkeypatch.undo()

    copies = _copies_whole(monkeypatch)
    _publish(settings, 4)  # links again: file 3 is the spare
    opened = spare.os.open

    def read_only_spare(path: object, flags: int, *args: int) -> int:
        if str(path).endswith(".spare"):
            raise PermissionError(13, "Permission denied")
        return opened(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(spare.os, "open", read_only_spare)
    _publish(settings, 5)
    assert len(copies) == 2  # copied whole, then the spare replaced by the retired file
    assert _read(settings.lakehouse_file) == 5
    assert _read(spare.spare_of(settings.lakehouse_file)) == 4
