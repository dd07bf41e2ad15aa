"""The lakehouse: one DuckDB file; `load` copies the SQLite sources into its `sources` schema."""
