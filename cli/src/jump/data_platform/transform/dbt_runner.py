"""Run the dbt project in-process against the lakehouse and summarise what happened."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import connect
from jump.data_platform.settings import Settings

LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts")
LAKEHOUSE_ENV_VAR = "DATA_PLATFORM_LAKEHOUSE"  # read by dbt/profiles.yml
SAMPLE_ROWS = 5  # failing rows shown per warning or failing test


@dataclass(frozen=True)
class NodeOutcome:
    """One dbt node that did not simply pass: its name, status, message and failing rows."""

    name: str
    status: str
    message: str
    sample: tuple[str, ...] = ()


@dataclass
class TransformSummary:
    models_built: int = 0
    tests_passed: int = 0
    skipped: int = 0
    failed_models: list[NodeOutcome] = field(default_factory=list)
    failed_tests: list[NodeOutcome] = field(default_factory=list)
    warned_tests: list[NodeOutcome] = field(default_factory=list)
    stale_sources: list[NodeOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        """A failing model or error-level test fails the run; warnings do not."""
        return not self.failed_models and not self.failed_tests


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """Set an environment variable (the lakehouse path that profiles.yml reads) while dbt runs."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps in a class attribute across invocations.

    Without it the file stays open (and locked) in this process after dbt has returned.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    manager: Any = DuckDBConnectionManager
    if manager._ENV is not None:
        manager._ENV.close()
    manager.close_all_connections()


def _node_name(node: Any) -> str:
    """`marts.monthly_turnover` for a model, the test's name for a test."""
    if node.resource_type == "model":
        return f"{node.schema}.{node.alias}"
    if node.resource_type == "source":
        return f"{node.source_name}.{node.name} ({node.schema}.{node.identifier})"
    return str(node.name)


def one_line(message: object) -> str:
    """dbt's multi-line message on one line, its meaningful lines joined by ": ".

    dbt says where, then why, on separate lines (`Runtime Error in model x (models/x.sql)`, then
    `Binder Error: Referenced column "name" not found...`, `LINE 7: ...`): the first line alone
    would lose the reason. DuckDB's caret line under the SQL says nothing without its layout.
    """
    lines = (" ".join(line.split()) for line in str(message or "").splitlines())
    return ": ".join(line for line in lines if line and set(line) != {"^"})


def _age(seconds: float) -> str:
    hours = seconds / 3600
    return f"loaded {hours:,.1f} hours ago" if hours < 48 else f"loaded {hours / 24:,.1f} days ago"


def check_invocation(result: Any, what: str) -> None:
    """dbt could not even run (bad project, unreadable profile): one line, no traceback."""
    if result.exception is not None:
        raise DataPlatformError(f"dbt {what} failed: {one_line(result.exception)}")


def summarise_build(results: Sequence[Any], summary: TransformSummary) -> list[Any]:
    """Count the build's nodes; return the data tests whose failing rows are worth showing."""
    to_sample = []
    for result in results:
        node, status = result.node, str(result.status)
        outcome = NodeOutcome(_node_name(node), status, one_line(result.message))
        if node.resource_type in ("model", "seed", "snapshot"):
            if status == "success":
                summary.models_built += 1
            elif status == "skipped":
                summary.skipped += 1
            else:
                summary.failed_models.append(outcome)
        elif status == "pass":
            summary.tests_passed += 1
        elif status == "skipped":
            summary.skipped += 1
        elif status == "warn":
            summary.warned_tests.append(outcome)
            to_sample.append(result)
        else:
            summary.failed_tests.append(outcome)
            if status == "fail" and node.resource_type == "test":
                to_sample.append(result)
    return to_sample


def _sample_failing_rows(
    lakehouse: Path, results: Sequence[Any], summary: TransformSummary
) -> None:
    """Run each warning or failing test's compiled query again to show its first rows.

    The rows say what is wrong (for the reference test: the missing references). Best effort:
    a query that cannot run again only loses its sample.
    """
    if not results:
        return
    samples: dict[str, tuple[str, ...]] = {}
    connection = connect(lakehouse, read_only=True)
    try:
        for result in results:
            sql = getattr(result.node, "compiled_code", None)
            if not sql:
                continue
            try:
                cursor = connection.execute(f"select * from ({sql}) limit {SAMPLE_ROWS}")
                columns = [column[0] for column in cursor.description or ()]
                rows = cursor.fetchall()
            except duckdb.Error:
                continue
            samples[_node_name(result.node)] = tuple(
                ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in rows
            )
    finally:
        connection.close()
    for outcomes in (summary.warned_tests, summary.failed_tests):
        outcomes[:] = [
            NodeOutcome(o.name, o.status, o.message, samples.get(o.name, ())) for o in outcomes
        ]


def dbt_arguments(project_dir: Path, target: Path, logs: Path) -> list[str]:
    """The options of every dbt command the CLI runs: this project, artifacts in `target`."""
    return [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target.resolve()),
        "--log-path",
        str(logs.resolve()),
        # Nothing on the console from dbt itself: the summary says it all; dbt.log has each
        # node's outcome and every error in full (the compiled SQL is in the target folder).
        # The debug level would log every statement, a third of a second more per transform.
        "--log-level",
        "none",
        "--log-level-file",
        "info",
        "--no-use-colors-file",
    ]


def run_transform(
    settings: Settings, project_dir: Path, layers: Sequence[str] = LAYERS
) -> TransformSummary:
    """`dbt source freshness` then `dbt build` of the selected layers (models and data tests),
    in this process.

    The lakehouse is the one of `settings`; dbt's artifacts and logs go to the data folder so
    that the project folder may be read-only. Every DuckDB handle is closed on return.

    When dbt returns, its worker threads are done: `build` and `source freshness` record a
    failing node as a result and join their thread pool before writing `run_results.json`, so
    `status` reads it complete. (Only `compile` and `docs generate` stop at the first error and
    leave threads running: `docs` runs dbt single-threaded.)
    """
    from dbt.cli.main import dbtRunner  # dbt is slow to import: only when transforming

    started = time.perf_counter()
    lakehouse = settings.lakehouse_file.resolve()
    common = dbt_arguments(project_dir, settings.dbt_target_folder, settings.dbt_logs_folder)
    selection = ["--select", *(f"tag:{layer}" for layer in layers)]
    summary = TransformSummary()
    try:
        with environment_variable(LAKEHOUSE_ENV_VAR, str(lakehouse)):
            # Parse once and hand the manifest to both commands: dbt's start-up is paid once.
            # Only the build writes the artifacts (the manifest, run_results.json): each write
            # of the manifest costs a tenth of a second.
            parsed: Any = dbtRunner().invoke(["parse", *common, "--no-write-json"])
            check_invocation(parsed, "parse")
            runner = dbtRunner(manifest=parsed.result)
            freshness: Any = runner.invoke(["source", "freshness", *common, "--no-write-json"])
            check_invocation(freshness, "source freshness")
            for result in freshness.result.results if freshness.result else ():
                if str(result.status) != "pass":
                    age = getattr(result, "age", None)
                    message = _age(age) if age else one_line(getattr(result, "message", ""))
                    summary.stale_sources.append(
                        NodeOutcome(_node_name(result.node), str(result.status), message)
                    )
            # dbt's threads finish in any order: the same order every run.
            summary.stale_sources.sort(key=lambda source: source.name)
            # Cautious: a test runs only when every model it reads is selected (and built).
            # Unit tests check the project's SQL against fixed rows, not the data: they pass or
            # fail the same way every run, so they run with the pytest suite (and `dbt build` by
            # hand), not in every transform, as dbt advises for production runs.
            build: Any = runner.invoke(
                [
                    "build",
                    *selection,
                    "--indirect-selection",
                    "cautious",
                    "--exclude-resource-type",
                    "unit_test",
                    *common,
                ]
            )
            check_invocation(build, "build")
    finally:
        close_duckdb()
    to_sample = summarise_build(build.result.results if build.result else (), summary)
    _sample_failing_rows(lakehouse, to_sample, summary)
    summary.seconds = time.perf_counter() - started
    return summary
