"""Benchmarks of the platform's steps (scripts, not tests): `make bench` runs bench.py."""
