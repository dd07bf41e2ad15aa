"""Reading a kept publication again: `--published-at <id|instant>`.

The marts of publication `<id>` are loaded from `publications/<id>/` (a Parquet file per mart,
or a folder of one file per month of a large mart) into an in-memory DuckDB database, under the
schema `marts`, then the connection is shut off the file system like any reader's
(lakehouse.py). A shared `flock` on the publication's folder, held until the
connection closes, keeps expiry (storage/retention.py) away from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import quote_identifier, quote_literal, sandbox
from jump.data_platform.settings import Settings
from jump.data_platform.storage.publish import MANIFEST
from jump.data_platform.storage.retention import kept_publications


def parse_selector(text: str) -> int | dt.datetime:
    """An id (`12`) or an instant (`2026-11-30`, `2026-11-30T18:00`, UTC unless it has an
    offset)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DataPlatformError(
            f"--published-at {text!r} is neither a publication id nor an instant "
            "(2026-11-30 or 2026-11-30T18:00)"
        ) from None
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC).replace(tzinfo=None)
    elif len(value) == 10:  # a date alone: as published at the end of that day
        instant += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return instant


def resolve(settings: Settings, selector: int | dt.datetime) -> int:
    """The kept publication an id or an instant names: for an instant, the last one published
    at or before it."""
    kept = kept_publications(settings)
    if isinstance(selector, int):
        if selector not in kept:
            raise DataPlatformError(
                f"publication {selector} is not kept in {settings.publications_folder} "
                f"(kept: {_describe_ids(kept)})"
            )
        return selector
    earlier = [pid for pid, instant in kept.items() if instant <= selector]
    if not earlier:
        raise DataPlatformError(
            f"no kept publication at or before {selector:%Y-%m-%d %H:%M:%S} UTC "
            f"(kept: {_describe_ids(kept)})"
        )
    return max(earlier)


def _describe_ids(kept: dict[int, dt.datetime]) -> str:
    if not kept:
        return "none"
    ids = sorted(kept)
    return f"{ids[0]} to {ids[-1]}, {len(ids)} in all"


@contextlib.contextmanager
def open_publication(
    settings: Settings, selector: int | dt.datetime, *, output: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the marts exactly as publication `selector` published them;
    `output` is the one file it may write (an export)."""
    publication_id = resolve(settings, selector)
    folder = settings.publication_folder(publication_id)
    with _reading(folder, publication_id):
        connection = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
        try:
            try:
                for path, files in _kept_relations(folder):
                    schema, name = path.split(".", 1)
                    connection.execute(f"create schema if not exists {quote_identifier(schema)}")
                    relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
                    connection.execute(
                        f"create table {relation} as from read_parquet({quote_literal(files)})"
                    )
            except duckdb.Error as error:
                raise DataPlatformError(
                    f"cannot read publication {publication_id} in {folder}: {first_line(error)}"
                ) from error
            sandbox(connection, output)
            yield connection
        finally:
            connection.close()


def _kept_relations(folder: Path) -> list[tuple[str, str]]:
    """Each relation a kept publication holds (`marts.monthly_turnover`), and its Parquet: one
    file, or a folder of one file per month (storage/month_files.py)."""
    kept: list[tuple[str, str]] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            kept.append((path.name, str(path / "*.parquet")))
        elif path.suffix == ".parquet":
            kept.append((path.stem, str(path)))
    return kept


@contextlib.contextmanager
def _reading(folder: Path, publication_id: int) -> Iterator[None]:
    """A shared lock on the folder while it is read; it must still be the kept folder once
    locked (expiry renames a folder away before removing it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        raise DataPlatformError(f"publication {publication_id} has just expired") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        if not (folder / MANIFEST).is_file() or not os.path.samestat(
            os.fstat(descriptor), folder.stat()
        ):
            raise DataPlatformError(f"publication {publication_id} has just expired")
        yield
    finally:
        os.close(descriptor)


def manifest_path(settings: Settings, publication_id: int) -> Path:
    return settings.publication_folder(publication_id) / MANIFEST
