"""How the DuckDB lakehouse is stored: one private file the writer builds, one file readers open
(replaced whole at each publication), and the publications kept as Parquet versions
(docs/publishing.md)."""
