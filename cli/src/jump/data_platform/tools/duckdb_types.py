"""Families of DuckDB column types, by the name DuckDB reports (without precision)."""

INTEGER_TYPES = frozenset(
    {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)
NUMERIC_TYPES = INTEGER_TYPES | {"FLOAT", "DOUBLE", "DECIMAL"}
