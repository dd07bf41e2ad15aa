"""The source files this process brought forward, as it wrote them, while nothing else wrote
them since (load/loaded_files.py's identity: size, times, inode).

What an hourly refresh of the scheduler then skips: reading the file's keys back before the
next extract (they are the ones written), writing an instant the file already holds, and, in
`load`, comparing every key of the file with the lakehouse's when the lakehouse holds the file
as it was just before this write (`Delta`: the ids that changed between the two).

The delta is also saved beside the file (`.<file>.changes.json`), so that a `load` in another
process (`data-platform extract` then `data-platform load`) skips the key comparison too. It
holds the file's identity before and after the write: a file written or edited since, or a
lakehouse that did not load the file it started from, makes the load compare the keys. A file
written whole saves its identity after the write alone (no delta): enough for the next extract,
in any process, to know the file is as this platform wrote it (`untouched`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.file_identity import file_identity
from jump.data_platform.sources.metadata import METADATA_TABLE

KEY = "id"
VERSION = "updated_at"


@dataclass(frozen=True)
class Changes:
    """One table's ids whose row went (deleted or updated) and those written (inserted or
    updated)."""

    gone: np.ndarray
    written: np.ndarray


@dataclass(frozen=True)
class Delta:
    """What one write changed: the file's identity before it, and each keyed table's ids."""

    before: str
    tables: Mapping[str, Changes]


@dataclass(frozen=True)
class WrittenExtract:
    """A file as this process last wrote it: what it holds, without reading it."""

    identity: str  # file_identity right after the write
    metadata: dict[str, object]  # its extract_metadata row
    rows: dict[str, int]  # per table
    columns: dict[str, list[str]]  # per table
    keys: dict[str, pa.Table]  # `(id, updated_at)` of its keyed tables
    delta: Delta | None  # None: written whole


class LastWritten:
    """The files this process wrote, each while untouched since."""

    _files: ClassVar[dict[Path, WrittenExtract]] = {}

    @classmethod
    def of(cls, path: Path) -> WrittenExtract | None:
        written = cls._files.get(path.resolve())
        if written is None or written.identity != file_identity(path):
            cls.forget(path)
            return None
        return written

    @classmethod
    def remember(
        cls,
        path: Path,
        tables: Mapping[str, pa.Table],
        delta: Delta | None = None,
        rows: Mapping[str, int] | None = None,
    ) -> None:
        """`tables` as just written to `path`; with `rows` (each table's rows in the file),
        `tables` held only the rows written, and the file's keys are not known."""
        metadata = tables[METADATA_TABLE].to_pylist()[0] if METADATA_TABLE in tables else {}
        identity = file_identity(path)
        counts = dict(rows) if rows is not None else {n: t.num_rows for n, t in tables.items()}
        _save_delta(path, identity, counts, delta)
        cls._files[path.resolve()] = WrittenExtract(
            identity=identity,
            metadata=metadata,
            rows=counts,
            columns={name: table.column_names for name, table in tables.items()},
            keys={}
            if rows is not None
            else {
                name: table.select([KEY, VERSION])
                for name, table in tables.items()
                if KEY in table.column_names and VERSION in table.column_names
            },
            delta=delta,
        )

    @classmethod
    def untouched(cls, path: Path) -> WrittenExtract | None:
        """`path` as this platform last wrote it, in this process or another, when nothing
        wrote it since (its rows per table are known; its keys only in this process)."""
        written = cls.of(path) or _saved_delta(path)
        if written is None or written.identity != file_identity(path):
            return None
        return written

    @classmethod
    def forget(cls, path: Path, saved: bool = False) -> None:
        """Drop what this process knows of `path`; with `saved`, the ids saved beside it too."""
        cls._files.pop(path.resolve(), None)
        if saved:
            _discard_saved_delta(path)

    @classmethod
    def since(cls, path: Path, identity: str, loaded: str | None) -> WrittenExtract | None:
        """`path` (now `identity`) as this process wrote it, when that write started from the
        file `loaded` (its `delta` then says what changed since)."""
        written = cls.of(path) or _saved_delta(path)
        if written is None or written.identity != identity or written.delta is None:
            return None
        return written if written.delta.before == loaded else None


def delta_file(path: Path) -> Path:
    """Where the delta of the last write of `path` is saved, beside it."""
    return path.with_name(f".{path.name}.changes.json")


def _discard_saved_delta(path: Path) -> None:
    with contextlib.suppress(OSError):
        delta_file(path).unlink(missing_ok=True)


def _save_delta(path: Path, identity: str, rows: dict[str, int], delta: Delta | None) -> None:
    """Save `delta` beside `path` with the file's identity after the write (a file written
    whole has no delta). Best effort: without it, a load in another process compares the
    keys, and the next extract compares them too."""
    _discard_saved_delta(path)
    record = {
        "before": delta.before if delta else None,
        "after": identity,
        "rows": rows,
        "tables": {
            name: {"gone": changes.gone.tolist(), "written": changes.written.tolist()}
            for name, changes in (delta.tables.items() if delta else ())
        },
    }
    with (
        contextlib.suppress(OSError, DataPlatformError),
        atomic_path(delta_file(path)) as temporary,
    ):
        temporary.write_text(json.dumps(record), encoding="utf-8")


def _saved_delta(path: Path) -> WrittenExtract | None:
    """The delta another process saved beside `path`: only what a load needs (rows, delta)."""
    try:
        record: dict[str, Any] = json.loads(delta_file(path).read_text(encoding="utf-8"))
        tables = {
            str(name): Changes(
                np.asarray(ids["gone"], dtype=np.int64),
                np.asarray(ids["written"], dtype=np.int64),
            )
            for name, ids in record["tables"].items()
        }
        before = record["before"]
        delta = Delta(str(before), tables) if before is not None else None
        rows = {str(name): int(count) for name, count in record["rows"].items()}
        identity = str(record["after"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return WrittenExtract(identity, {}, rows, {}, {}, delta)
