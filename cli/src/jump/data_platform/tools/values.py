"""Turn DuckDB's Python values into text for CSV and into JSON-ready values."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from decimal import Decimal
from typing import Any


def to_text(value: object) -> str:
    """A value as CSV text: empty for NULL, ISO dates, `true`/`false` like DuckDB's own CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(to_json(value), ensure_ascii=False)
    return str(value)


def to_json(value: object) -> Any:
    """A value json.dumps accepts: numbers stay numbers, temporal values become ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # NaN and infinities are not JSON
    if isinstance(value, Decimal):
        # A float prints DECIMAL(18,2) amounts exactly in JSON; a scale of 0 stays an integer.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, uuid.UUID | dt.timedelta | bytes):
        return str(value)
    return str(value)
