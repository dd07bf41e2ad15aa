"""Which publication readers saw when a month was closed, and keeping it for ever."""

from __future__ import annotations

import duckdb

from jump.data_platform.storage.publish import current_publication_id, keep_forever
from jump.data_platform.transform.publish import read_publications

MARTS_LAYER = "marts"


def current_publication(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The published marts, as one citable line; None when the marts were never published."""
    marts = read_publications(connection).get(MARTS_LAYER)
    if marts is None:
        return None
    publication_id = current_publication_id(connection)
    name = f"publication {publication_id}" if publication_id is not None else "marts"
    return f"{name} (published {marts.published_at:%Y-%m-%d %H:%M:%S} UTC)"


def keep_closed_publication(connection: duckdb.DuckDBPyConnection, label: str) -> None:
    """A close's publication is never expired (docs/publishing.md#retention)."""
    publication_id = current_publication_id(connection)
    if publication_id is not None:
        keep_forever(connection, publication_id, f"month close {label}")
