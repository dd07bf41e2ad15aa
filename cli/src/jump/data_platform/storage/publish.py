"""Publications: each successful publish gets an id and a record, its marts are kept as Parquet,
and the readers' file is replaced whole by a copy of the writer's (written where it changed).

- `record_publication` runs inside the transform's publishing transaction (transform/publish.py):
  a publication exists exactly when its views were committed.
- `release` checkpoints the writer's file, copies it beside the readers' file (into the spare
  the last release retired, where nobody reads it: only the chunks that differ; storage/spare.py),
  fsyncs, and renames it over `lakehouse.duckdb`: a reader that has the old file open keeps it
  (its inode) and never blocks the writer; the next reader opens the new one.
- `archive` writes the marts of that publication to `publications/<id>/` (Parquet and a
  manifest), under a temporary name renamed into place.
- `hand_over`, after each publish, releases while it archives in the background: the copy of
  the file (the disk), the Parquet files (DuckDB, on the other core) and the report overlap.
- `catch_up`, when a writer starts, finishes what a killed writer left: a committed publication
  not archived yet, or not released yet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from jump.data_platform.atomic import create_folder, remove_leftovers
from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import (
    fold_log,
    log_file,
    open_lakehouse,
    quote_identifier,
    quote_literal,
    table_exists,
)
from jump.data_platform.load.history import LOADS_TABLE
from jump.data_platform.settings import Settings
from jump.data_platform.storage import month_files, spare
from jump.data_platform.storage.parquet import PARQUET_OPTIONS

if TYPE_CHECKING:
    from jump.data_platform.storage.writer import _Session

logger = logging.getLogger("jump.data_platform")

# The month figures of the marts as this process's last `record_publication` scanned them, by
# (publication id, published_at): the archive of that very publication takes them instead of
# scanning the marts again (0.08 to 0.14 s an hour at scale 100). A transaction rolled back
# leaves an entry no committed publication matches (another published_at).
_recorded_months: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}

STATE_SCHEMA = "_publish"
PUBLICATIONS_TABLE = f"{STATE_SCHEMA}.publications"
PUBLISHED_SCHEMA = "marts"  # what a publication keeps, and `--published-at` reads
# Kept beside the marts: each source's as-of (the report's freshness line).
KEPT_SOURCES_SUFFIX = "__extract_metadata"
MANIFEST = "manifest.json"

_CREATE = f"""
create table if not exists {PUBLICATIONS_TABLE} (
    publication_id integer primary key,
    published_at timestamp not null,
    transform_started_at timestamp not null,
    layers varchar not null,
    sources varchar not null,
    load_ids varchar not null,
    marts varchar not null,
    tests varchar not null,
    kept_forever_reason varchar,
    kept_forever_at timestamp
)
"""


def current_publication_id(connection: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the publication readers see in this lakehouse (writer's or readers' file);
    None before the first one."""
    if not table_exists(connection, PUBLICATIONS_TABLE):
        return None
    row = connection.execute(f"select max(publication_id) from {PUBLICATIONS_TABLE}").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def keep_forever(connection: duckdb.DuckDBPyConnection, publication_id: int, reason: str) -> None:
    """Mark a publication kept for ever (a month close): retention never expires it. Runs on
    the writer's connection, inside the caller's transaction if one is open."""
    connection.execute(_CREATE)
    found = connection.execute(
        f"update {PUBLICATIONS_TABLE} set kept_forever_reason = ?,"
        " kept_forever_at = now() at time zone 'UTC' where publication_id = ? returning 1",
        [reason, publication_id],
    ).fetchall()
    if not found:
        raise DataPlatformError(f"no publication {publication_id} to keep")


def kept_forever(connection: duckdb.DuckDBPyConnection) -> set[int]:
    if not table_exists(connection, PUBLICATIONS_TABLE):
        return set()
    rows = connection.execute(
        f"select publication_id from {PUBLICATIONS_TABLE} where kept_forever_reason is not null"
    ).fetchall()
    return {int(row[0]) for row in rows}


def _mart_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables where table_catalog = current_database()"
        " and table_schema = ? order by table_name",
        [PUBLISHED_SCHEMA],
    ).fetchall()
    return [str(row[0]) for row in rows]


def kept_relations(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """What a kept publication holds: every mart, and the sources' extract metadata."""
    rows = connection.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = current_database()"
        " and (table_schema = ? or (table_schema = 'sources' and table_name like ?))"
        " order by all",
        [PUBLISHED_SCHEMA, f"%{KEPT_SOURCES_SUFFIX}"],
    ).fetchall()
    return [(str(schema), str(name)) for schema, name in rows]


def scanned_marts(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each mart's row count and a content checksum that ignores row order (the sum of each
    row's hash, modulo 2^64), and the month figures of the marts kept by month, from one scan
    of each mart: the totals of a mart with a `month` column are its months' sums."""
    figures: dict[str, dict[str, Any]] = {}
    months: dict[str, dict[str, Any]] = {}
    for name in _mart_names(connection):
        relation = f"{quote_identifier(PUBLISHED_SCHEMA)}.{quote_identifier(name)}"
        scan = month_files.scan_months(connection, relation)
        if scan is not None:
            count, checksum = scan.rows, scan.checksum
            if scan.figures is not None:
                months[name] = scan.figures
        else:
            row = connection.execute(
                f"select count(*), {month_files.CHECKSUM_SQL} from {relation} as t"
            ).fetchone()
            assert row is not None
            count, checksum = int(row[0]), int(row[1])
        figures[name] = {"rows": count, "checksum": f"{checksum:016x}"}
    return figures, months


def _sources(connection: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], list[int]]:
    """Each source's last load (its id and as-of): the state the publication was built from."""
    if not table_exists(connection, LOADS_TABLE):
        return {}, []
    rows = connection.execute(
        "select source, max(load_id), arg_max(as_of, load_id) from platform.loads"
        " group by source order by source"
    ).fetchall()
    sources = {str(source): {"load_id": int(load), "as_of": as_of} for source, load, as_of in rows}
    return sources, sorted({int(row[1]) for row in rows})


def record_publication(
    connection: duckdb.DuckDBPyConnection,
    layers: list[str],
    transform_started_at: dt.datetime,
    tests: Mapping[str, int],
) -> int:
    """In the open publishing transaction, after the views were repointed: a new publication's
    id and record."""
    connection.execute(f"create schema if not exists {STATE_SCHEMA}")
    connection.execute(_CREATE)
    publication_id = (current_publication_id(connection) or 0) + 1
    sources, loads = _sources(connection)
    figures, months = scanned_marts(connection)
    inserted = connection.execute(
        f"insert into {PUBLICATIONS_TABLE} (publication_id, published_at, transform_started_at,"
        " layers, sources, load_ids, marts, tests)"
        " values (?, now() at time zone 'UTC', ?, ?, ?, ?, ?, ?) returning published_at",
        [
            publication_id,
            transform_started_at,
            json.dumps(layers),
            json.dumps(sources),
            json.dumps(loads),
            json.dumps(figures),
            json.dumps(dict(tests)),
        ],
    ).fetchone()
    assert inserted is not None
    _recorded_months.clear()  # only the last: its archive follows at once, in this process
    # Keyed as publication_record gives it.
    _recorded_months[(publication_id, inserted[0].isoformat())] = months
    return publication_id


def publication_record(
    connection: duckdb.DuckDBPyConnection, publication_id: int
) -> dict[str, Any]:
    row = connection.execute(
        f"select publication_id, published_at, transform_started_at, layers, sources, load_ids,"
        f" marts, tests, kept_forever_reason from {PUBLICATIONS_TABLE} where publication_id = ?",
        [publication_id],
    ).fetchone()
    if row is None:
        raise DataPlatformError(f"no publication {publication_id}")
    return {
        "publication_id": int(row[0]),
        "published_at": row[1].isoformat(),
        "transform_started_at": row[2].isoformat(),
        "layers": json.loads(row[3]),
        "sources": json.loads(row[4]),
        "load_ids": json.loads(row[5]),
        "marts": json.loads(row[6]),
        "tests": json.loads(row[7]),
        "kept_forever_reason": row[8],
    }


def archive(settings: Settings, publication_id: int) -> Path:
    """Write the current publication's marts to `publications/<id>/` (one Parquet file per mart,
    or per month of a large mart: storage/month_files.py, and the manifest: its record),
    complete or not at all."""
    folder = settings.publication_folder(publication_id)
    if _archived(folder, settings, publication_id):
        return folder
    create_folder(settings.publications_folder)
    remove_leftovers(folder)
    scratch = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        # Read-write: a reading connection may write no file (lakehouse.py's sandbox).
        with open_lakehouse(settings.writer_lakehouse_file) as connection:
            record = publication_record(connection, publication_id)
            recorded = _recorded_months.pop((publication_id, record["published_at"]), None)
            previous = _previous_kept(settings, publication_id)
            unchanged = _unchanged_marts(record, previous)
            by_month: dict[str, Any] = {}
            for schema, name in kept_relations(connection):
                file_name = f"{schema}.{name}.parquet"
                relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
                figures = None
                if schema == PUBLISHED_SCHEMA:
                    figures = (
                        recorded.get(name)
                        if recorded is not None
                        else month_files.kept_month_figures(connection, relation)
                    )
                if figures is not None:
                    by_month[name] = figures
                    earlier = _earlier_months(previous, f"{schema}.{name}", name)
                    month_files.write_months(
                        connection, relation, scratch / f"{schema}.{name}", figures, earlier
                    )
                    continue
                if schema == PUBLISHED_SCHEMA and name in unchanged:
                    # The same rows as the last kept publication: share its file (a hard link
                    # costs no time and no disk; expiring either leaves the other whole).
                    os.link(unchanged[name] / file_name, scratch / file_name)
                    continue
                target = quote_literal(str(scratch / file_name))
                connection.execute(
                    f"copy (select * from {relation}) to {target} ({PARQUET_OPTIONS})"
                )
        manifest = {**record, month_files.MONTH_FILES: by_month} if by_month else record
        (scratch / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _fsync_tree(scratch)
        shutil.rmtree(folder, ignore_errors=True)  # a folder without manifest: a killed archive
        scratch.rename(folder)
        _fsync(settings.publications_folder)
    except (duckdb.Error, OSError) as error:
        raise DataPlatformError(
            f"cannot keep publication {publication_id} in {folder}: {first_line(error)}"
        ) from error
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _archived(folder: Path, settings: Settings, publication_id: int) -> bool:
    """Whether `folder` holds this very publication (not one of a lakehouse built again from
    nothing, whose ids started over)."""
    try:
        kept = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["published_at"]
    except (OSError, ValueError, KeyError):
        return False
    with open_lakehouse(settings.writer_lakehouse_file, read_only=True) as connection:
        return bool(publication_record(connection, publication_id)["published_at"] == kept)


def _previous_kept(settings: Settings, publication_id: int) -> tuple[Path, dict[str, Any]] | None:
    """The newest kept publication before this one whose manifest reads: its folder and
    manifest."""
    folder = settings.publications_folder
    earlier = sorted(
        (int(path.name) for path in folder.iterdir() if path.name.isdigit()), reverse=True
    )
    for earlier_id in earlier:
        if earlier_id >= publication_id:
            continue
        previous = folder / str(earlier_id)
        try:
            manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and isinstance(manifest.get("marts"), dict):
            return previous, manifest
    return None


def _unchanged_marts(
    record: dict[str, Any], previous: tuple[Path, dict[str, Any]] | None
) -> dict[str, Path]:
    """The marts whose row count and checksum equal those of the previous kept publication,
    kept there as one file: mart name -> that publication's folder."""
    if previous is None:
        return {}
    folder, manifest = previous
    return {
        name: folder
        for name, figures in record["marts"].items()
        if manifest["marts"].get(name) == figures
        and (folder / f"{PUBLISHED_SCHEMA}.{name}.parquet").is_file()
    }


def _earlier_months(
    previous: tuple[Path, dict[str, Any]] | None, folder_name: str, name: str
) -> tuple[Path, dict[str, Any]] | None:
    """The previous kept publication's month files of a mart, and their figures."""
    if previous is None:
        return None
    folder, manifest = previous
    figures = manifest.get(month_files.MONTH_FILES, {}).get(name)
    return (folder / folder_name, figures) if figures and (folder / folder_name).is_dir() else None


def hand_over(
    session: _Session, publication_id: int, then: Callable[[], object] | None = None
) -> None:
    """Release the publication to readers while it is archived in the background, then `then`
    in the same thread (the expiry: it opens the writer's file read-only, which DuckDB refuses
    while the archive holds it read-write). The copy of the file (the disk) and the Parquet
    files (DuckDB, on the other core) overlap, and so does whatever the session does next
    without writing (the report). The session waits for the archive before a step that writes
    and before it ends, and raises the archive's error then (storage/writer.py); `catch_up`
    finishes whichever a kill interrupted."""
    if session.background is not None:  # the archive of a publication before this one
        session.background.result()
    # DuckDB refuses a checkpoint while another connection has a transaction open: the log is
    # folded in before the archive opens the file.
    fold_log(session.settings.writer_lakehouse_file)

    def keep() -> None:
        archive(session.settings, publication_id)
        if then is not None:
            then()

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
    session.background = pool.submit(keep)
    pool.shutdown(wait=False)  # the thread ends with its one task
    _replace_readers_file(session)


def release(session: _Session) -> None:
    """Make the writer's file, as it is now, the file readers open: copied beside it, fsynced,
    renamed over it. Only a closed, checkpointed file is copied (no write-ahead log)."""
    fold_log(session.settings.writer_lakehouse_file)
    _replace_readers_file(session)


def _replace_readers_file(session: _Session) -> None:
    """Make the readers' file a copy of the checkpointed writer's file, atomically: the spare
    (storage/spare.py) brought up to it where nobody has the spare open, a whole copy otherwise;
    fsynced, then renamed over the readers' file, whose file becomes the next spare. It only
    reads the writer's file: the archive may read it meanwhile."""
    settings = session.settings
    writer, target = settings.writer_lakehouse_file, settings.lakehouse_file
    if log_file(writer).exists():
        raise DataPlatformError(
            f"cannot publish {writer}: its write-ahead log was not checkpointed"
        )
    create_folder(target.parent)
    remove_leftovers(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # The file readers are about to leave, under a second name until it is the spare.
    retired = target.with_name(f".{target.name}.{os.getpid()}.tmp.retired")
    spare_file = spare.spare_of(target)
    try:
        with spare.claimed(spare_file) as descriptor:
            started = time.perf_counter()
            if descriptor is None:
                _copy(writer, temporary)
                _fsync(temporary)
                staged, how = temporary, "copied whole"
            else:
                written = spare.bring_up_to(writer, descriptor)
                staged, how = spare_file, f"{written / 2**20:.1f} MiB of the spare rewritten"
            logger.info("readers' file staged in %.3f s: %s", time.perf_counter() - started, how)
        # A log beside the readers' file was written by an outside client that opened it for
        # writing: DuckDB would replay it onto the new file. Readers' files are never written.
        _discard_log(target)
        _retire(target, retired)
        staged.replace(target)
        _discard_log(target)
        if retired.is_file():
            retired.replace(spare_file)
        _fsync(target.parent)
    except OSError as error:
        raise DataPlatformError(
            f"cannot publish {target}: {error.strerror or error}; readers keep the previous one"
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
        retired.unlink(missing_ok=True)
    session.dirty = False


def _retire(readers_file: Path, retired: Path) -> None:
    """Give the readers' file a second name, so that it outlives its replacement as the next
    spare. Without one (no file yet, or a file system without hard links) there is no spare:
    the next publication copies whole."""
    retired.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the rename that follows reports a real fault
        os.link(readers_file, retired)


def _copy(source: Path, target: Path) -> None:
    """Copy inside the kernel: a file system with copy-on-write (XFS, Btrfs) shares the blocks
    instead of writing them again; elsewhere it is a plain copy."""
    with source.open("rb") as reading, target.open("wb") as writing:
        left = os.fstat(reading.fileno()).st_size
        try:
            while left > 0:
                copied = os.copy_file_range(reading.fileno(), writing.fileno(), left)
                if copied == 0:
                    break
                left -= copied
        except OSError:  # not supported here (another file system, an old kernel)
            writing.seek(0)
            writing.truncate()
            reading.seek(0)
            shutil.copyfileobj(reading, writing, 1 << 20)


def catch_up(session: _Session) -> None:
    """Finish what a writer killed after its publishing transaction left undone: archive the
    current publication, and release it if readers do not have it yet."""
    settings = session.settings
    writer = settings.writer_lakehouse_file
    if not writer.is_file():
        return
    with open_lakehouse(writer, read_only=True) as connection:
        current = current_publication_id(connection)
    if current is None:
        return
    archive(settings, current)
    if readers_publication_id(settings) != current:
        release(session)


def readers_publication_id(settings: Settings) -> int | None:
    """What the readers' file holds; None if it holds none or cannot be opened now."""
    if not settings.lakehouse_file.is_file():
        return None
    try:
        with open_lakehouse(settings.lakehouse_file, read_only=True) as connection:
            return current_publication_id(connection)
    except DataPlatformError:
        return None


def _discard_log(database: Path) -> None:
    """Remove a log beside `database`. Also the seam where the slow kill test stops a release
    mid-way, between the copy and the rename (tests/transform/test_transform_publish.py)."""
    with contextlib.suppress(FileNotFoundError):
        log_file(database).unlink()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(folder: Path) -> None:
    """Flush what an archive wrote in `folder`: its files, then the folders' entries. A file
    with another link is shared with an earlier kept publication, whose archive flushed it
    before renaming its folder into place: only its new name, in the folder, needs flushing."""
    for path in folder.iterdir():
        if path.is_dir():
            _fsync_tree(path)
        elif path.stat().st_nlink == 1:
            _fsync(path)
    _fsync(folder)
