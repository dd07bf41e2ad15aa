"""Tools for the lakehouse's users: query it, export from it, check its status, document it.

Every tool opens the lakehouse read-only: none of them can change it.
"""
