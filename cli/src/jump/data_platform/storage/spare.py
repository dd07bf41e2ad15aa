"""The readers' file that a publication retires, kept as a spare for the next one.

Each publication replaces the readers' file by a copy of the writer's (storage/publish.py). A
whole copy writes the whole file, 250 MiB at scale 100, when an hour's refresh changes about a
tenth of it. So the file that readers leave at a publication is kept beside theirs, as
`.lakehouse.duckdb.spare`, and the next publication brings it up to the writer's file by
rewriting only the chunks that differ, before renaming it over the readers' file.

Only a spare that nobody has open is written: DuckDB locks every database file it opens (a
shared lock to read), so an exclusive lock taken without waiting proves that no DuckDB
connection, in this process or another, still reads it (a long-lived reader keeps the
publication it opened, whole). The lock is an open file description lock (Linux): unlike a
process-wide `lockf`, it also conflicts with this process's own connections, and releasing it
does not release theirs. When the lock cannot be had, the caller copies the file whole, as
before. A spare left half-written by a killed writer is never seen by readers, and the next
publication repairs it: every chunk is compared, whatever the spare held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
from collections.abc import Iterator
from pathlib import Path

# Compared and rewritten in chunks of DuckDB's block size: an hour at scale 100 rewrites about 70
# of the file's 1,000 chunks.
CHUNK_BYTES = 256 * 1024
_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)  # Linux only: elsewhere, no spare is written


def spare_of(readers_file: Path) -> Path:
    """Where the file retired from readers waits for the next publication."""
    return readers_file.with_name(f".{readers_file.name}.spare")


@contextlib.contextmanager
def claimed(path: Path) -> Iterator[int | None]:
    """`path` opened for writing under an exclusive lock, its descriptor; None when there is no
    such file or someone has it open (then nothing was changed). Closed, and so unlocked, on
    exit."""
    descriptor = _open_locked(path)
    try:
        yield descriptor
    finally:
        if descriptor is not None:
            os.close(descriptor)


# struct flock: type, whence, start, length (0: to the end), pid (0 for these locks).
_WRITE_LOCK = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)


def _open_locked(path: Path) -> int | None:
    if _OFD_SETLK is None or not path.is_file():
        return None
    try:
        descriptor = os.open(path, os.O_RDWR)
    except OSError:  # made read-only, or gone meanwhile: copy whole, and replace it after
        return None
    try:
        fcntl.fcntl(descriptor, _OFD_SETLK, _WRITE_LOCK)
    except OSError:  # held: a reader still has this publication open
        os.close(descriptor)
        return None
    return descriptor


def bring_up_to(source: Path, descriptor: int) -> int:
    """Make the file open at `descriptor` a byte-for-byte copy of `source`: rewrite the chunks
    that differ, cut it to `source`'s size, and fsync it. Returns the bytes rewritten."""
    written = 0
    with source.open("rb") as reading:
        size = os.fstat(reading.fileno()).st_size
        offset = 0
        while offset < size:
            wanted = os.pread(reading.fileno(), CHUNK_BYTES, offset)
            if not wanted:  # the source shrank while read: never, the writer holds its lock
                break
            if os.pread(descriptor, len(wanted), offset) != wanted:
                _write_all(descriptor, wanted, offset)
                written += len(wanted)
            offset += len(wanted)
    os.ftruncate(descriptor, offset)
    os.fsync(descriptor)
    return written


def _write_all(descriptor: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(descriptor, view, offset)
        view, offset = view[done:], offset + done
