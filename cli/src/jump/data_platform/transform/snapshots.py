"""Run the dbt snapshots (dbt/snapshots/) in this process, parsing the project once.

`backfill` takes a snapshot after every load: dbt's start-up (import, parse) costs seconds, so
one parsed manifest serves every step (`dbtRunner(manifest=...)`).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.storage.writer import mark_written
from jump.data_platform.transform.compiled_templates import compiled_templates
from jump.data_platform.transform.dbt_runner import (
    LAKEHOUSE_ENV_VAR,
    close_duckdb,
    dbt_arguments,
    environment_variable,
    one_line,
    parse_project,
)


class Snapshotter:
    """`with Snapshotter(settings, project) as snapshots: snapshots.take()` after each load."""

    def __init__(self, settings: Settings, project_dir: Path) -> None:
        self._settings = settings
        self._common = dbt_arguments(
            project_dir, settings.dbt_target_folder, settings.dbt_logs_folder
        )
        self._runner: Any = None
        self._open = ExitStack()  # what __enter__ opened: the templates' cache, the variable
        # The `sources` tables the snapshots read (`app__users`...): when none changed, a
        # snapshot would record nothing.
        self.source_tables: frozenset[str] = frozenset()
        self._environment = environment_variable(
            LAKEHOUSE_ENV_VAR, str(settings.writer_lakehouse_file.resolve())
        )

    def __enter__(self) -> Snapshotter:
        from dbt.cli.main import dbtRunner  # dbt is slow to import: only when snapshotting

        with ExitStack() as stack:
            stack.enter_context(compiled_templates(self._settings.dbt_compiled_templates_file))
            manifest = parse_project(self._common)  # as transform parses: partially
            stack.enter_context(self._environment)
            self._runner = dbtRunner(manifest=manifest)
            self.source_tables = _snapshotted_tables(manifest)
            self._open = stack.pop_all()
        return self

    def take(self) -> None:
        """`dbt snapshot`: record the versions of the loaded sources that changed; the DuckDB
        file is closed on return, so the next load can write it."""
        try:
            result: Any = self._runner.invoke(["snapshot", *self._common, "--no-write-json"])
        finally:
            close_duckdb()
            mark_written(self._settings)
        if not result.success:
            failed = [
                f"{getattr(item.node, 'name', '?')}: {one_line(item.message)}"
                for item in (result.result.results if result.result else ())
                if str(item.status) != "success"
            ]
            detail = "; ".join(failed) or one_line(result.exception)
            raise DataPlatformError(f"dbt snapshot failed: {detail}")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        close_duckdb()
        self._open.__exit__(kind, error, traceback)


def _snapshotted_tables(manifest: Any) -> frozenset[str]:
    """The identifiers of the sources that the project's snapshots read."""
    return frozenset(
        manifest.sources[parent].identifier
        for node in manifest.nodes.values()
        if node.resource_type == "snapshot"
        for parent in node.depends_on.nodes
        if parent in manifest.sources
    )
