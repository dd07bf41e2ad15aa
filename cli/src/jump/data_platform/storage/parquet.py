"""How the archive writes its Parquet files.

zstd at level 1 rather than DuckDB's default (3): the marts of a publication at scale 100 took
15 % less CPU to write (0.74 s against 0.86 s) and came out smaller (27.0 MB against 27.4 MB);
DuckDB's own encodings (dictionaries, run lengths) leave zstd little that a higher level finds.
"""

PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 1"
