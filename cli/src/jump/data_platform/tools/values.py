"""Turn DuckDB's Python values into text for CSV and into JSON-ready values."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from decimal import Decimal
from typing import Any

# A CSV cell starting with one of these is a formula to a spreadsheet (`=HYPERLINK(...)`,
# `+1+1`, `@SUM(1)`; tab and carriage return too, as OWASP lists them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading `'` before a formula's first sign."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def escape_formula_sql(column: str) -> str:
    """`escape_formula` in SQL, for a text column that DuckDB writes itself."""
    starts = ", ".join(f"chr({ord(start)})" for start in FORMULA_STARTS)
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN chr(39) || {column} ELSE {column} END"


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
