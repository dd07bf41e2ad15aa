"""Which publication readers saw when a month was closed.

Until publications carry their own ids (issue 20, parts 1 and 2), a publication is named by
what `_publish.layers` records for the marts layer: the build slot and the instants of the
transform that published it. Only this function knows that.
"""

from __future__ import annotations

import duckdb

from jump.data_platform.transform.publish import read_publications

MARTS_LAYER = "marts"


def current_publication(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The published marts, as one citable line; None when the marts were never published."""
    marts = read_publications(connection).get(MARTS_LAYER)
    if marts is None:
        return None
    return (
        f"marts published {marts.published_at:%Y-%m-%d %H:%M:%S} UTC from {marts.schema} "
        f"(transform started {marts.transform_started_at:%Y-%m-%d %H:%M:%S} UTC)"
    )
