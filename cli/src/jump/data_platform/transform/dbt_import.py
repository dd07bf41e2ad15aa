"""Import dbt ahead of the transform that needs it.

dbt takes about 1.4 s of CPU to import, most of it in Python. A load that a transform follows
(`extract load transform`, a scheduler's first refresh) starts that import in a background
thread when it has something to write: it mostly waits on DuckDB, which leaves the interpreter
free. (Started with the extract, the import would slow the simulation by as much as it saves.)
A transform starts it as soon as it knows it will build (at once for `--full-refresh`, else
once its selection found something changed), while it plans the build; a transform with
nothing to rebuild never imports dbt. The transform waits for the thread before it touches
dbt, so the two threads never import the same dbt module at the same time.
"""

from __future__ import annotations

import importlib
import threading

from jump.data_platform import heap

# What `dbt build` on DuckDB imports before its first node: the runner, the adapter, the
# parser and the build task (the last two are imported lazily by dbt itself).
DBT_MODULES = ("dbt.cli.main", "dbt.adapters.duckdb", "dbt.parser.manifest", "dbt.task.build")

_importing: threading.Thread | None = None


def start_importing_dbt() -> None:
    """Start importing dbt in a daemon thread (once per process)."""
    global _importing
    if _importing is None:
        _importing = threading.Thread(target=_import_dbt, name="dbt-import", daemon=True)
        _importing.start()


def wait_for_dbt_import() -> None:
    """Return once a started background import is over (at once if none was started)."""
    if _importing is not None:
        _importing.join()


def _import_dbt() -> None:
    for name in DBT_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the transform imports it again, and its error says why
            return
    heap.freeze()
