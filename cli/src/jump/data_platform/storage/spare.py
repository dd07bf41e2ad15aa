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
# Read 16 chunks (4 MiB) at a time: each read lets another thread take Python's lock, for up to
# its switch interval, and a command that transforms next imports dbt in one meanwhile
# (transform/dbt_import.py). Comparing the 264 MB file at scale 100 beside a busy thread took
# 8.5 s read chunk by chunk, 0.68 s by 4 MiB, 0.23 s by 16 MiB; alone, 0.029, 0.035 and 0.068 s.
_READ_BYTES = 16 * CHUNK_BYTES
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
            wanted = os.pread(reading.fileno(), _READ_BYTES, offset)
            if not wanted:  # the source shrank while read: never, the writer holds its lock
                break
            held = os.pread(descriptor, len(wanted), offset)
            if held != wanted:
                written += _write_differing(descriptor, wanted, held, offset)
            offset += len(wanted)
    os.ftruncate(descriptor, offset)
    os.fsync(descriptor)
    return written


def _write_differing(descriptor: int, wanted: bytes, held: bytes, offset: int) -> int:
    """Write the chunks of `wanted` that `held` (read at the same offset) lacks; their bytes."""
    written = 0
    for start in range(0, len(wanted), CHUNK_BYTES):
        chunk = wanted[start : start + CHUNK_BYTES]
        if chunk != held[start : start + CHUNK_BYTES]:
            view = memoryview(chunk)
            at = offset + start
            while view:
                done = os.pwrite(descriptor, view, at)
                view, at = view[done:], at + done
            written += len(chunk)
    return written
