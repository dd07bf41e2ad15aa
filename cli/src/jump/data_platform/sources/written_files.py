"""The source files this process brought forward, as it wrote them, while nothing else wrote
them since (load/loaded_files.py's identity: size, times, inode).

What an hourly refresh of the scheduler then skips: reading the file's keys back before the
next extract (they are the ones written), writing an instant the file already holds, and, in
`load`, comparing every key of the file with the lakehouse's when the lakehouse holds the file
as it was just before this write (`Delta`: the ids that changed between the two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

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
        cls, path: Path, tables: Mapping[str, pa.Table], delta: Delta | None = None
    ) -> None:
        metadata = tables[METADATA_TABLE].to_pylist()[0] if METADATA_TABLE in tables else {}
        cls._files[path.resolve()] = WrittenExtract(
            identity=file_identity(path),
            metadata=metadata,
            rows={name: table.num_rows for name, table in tables.items()},
            columns={name: table.column_names for name, table in tables.items()},
            keys={
                name: table.select([KEY, VERSION])
                for name, table in tables.items()
                if KEY in table.column_names and VERSION in table.column_names
            },
            delta=delta,
        )

    @classmethod
    def forget(cls, path: Path) -> None:
        cls._files.pop(path.resolve(), None)

    @classmethod
    def since(cls, path: Path, identity: str, loaded: str | None) -> WrittenExtract | None:
        """`path` (now `identity`) as this process wrote it, when that write started from the
        file `loaded` (its `delta` then says what changed since)."""
        written = cls.of(path)
        if written is None or written.identity != identity or written.delta is None:
            return None
        return written if written.delta.before == loaded else None
