"""The App database's tables, as its Backend team declared them (see docs/sources.md)."""

APP_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE job_contracts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    entity TEXT NOT NULL CHECK (entity IN ('blue', 'green')),
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    job_contract_id INTEGER NOT NULL REFERENCES job_contracts (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    issue_date TEXT NOT NULL,
    amount REAL NOT NULL CHECK (amount > 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

# Built once the rows are in: SQLite builds an index from sorted data several times faster than
# it maintains one row by row, and a unique index still proves the rule on every row.
APP_INDEXES = """
CREATE UNIQUE INDEX users_email ON users (email);
CREATE UNIQUE INDEX invoices_reference ON invoices (reference);
CREATE INDEX job_contracts_user_id ON job_contracts (user_id);
CREATE INDEX invoices_job_contract_id ON invoices (job_contract_id);
"""
