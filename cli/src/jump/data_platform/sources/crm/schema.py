"""The CRM database's table, as the Sales team's tool stores it (see docs/sources.md)."""

CRM_SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    last_name TEXT,
    first_name TEXT,
    email TEXT,
    satisfaction_score INTEGER CHECK (satisfaction_score BETWEEN 0 AND 10),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""
