"""Run the dbt project in-process against the lakehouse, publish what it built when its tests
passed, and record the run from its start to its end."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import duckdb

from jump.data_platform import heap
from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import connect, open_lakehouse
from jump.data_platform.reporting import redact_file, redact_row
from jump.data_platform.settings import LAKEHOUSE_FILE_NAME, Settings
from jump.data_platform.storage import publish as storage_publish
from jump.data_platform.storage.retention import expire_publications
from jump.data_platform.storage.writer import writer_session
from jump.data_platform.transform import dbt_events, publish, selection
from jump.data_platform.transform.compiled_templates import compiled_templates
from jump.data_platform.transform.dbt_import import start_importing_dbt, wait_for_dbt_import
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.node_schemas import assign_schemas, parse_environment
from jump.data_platform.transform.rebuild import (
    built_nodes,
    nodes_to_rebuild,
    nothing_changed,
    record_stale_sources,
    selection_arguments,
)
from jump.data_platform.transform.run_record import (
    FAILED,
    INTERRUPTED,
    SUCCEEDED,
    NodeOutcome,
    TransformRun,
    save_run,
    transform_lock,
)
from jump.data_platform.transform.standing_warnings import save_warnings, standing_warnings

logger = logging.getLogger("jump.data_platform")

LAKEHOUSE_ENV_VAR = "DATA_PLATFORM_LAKEHOUSE"  # read by dbt/profiles.yml
THREADS_ENV_VAR = "DATA_PLATFORM_DBT_THREADS"  # read by dbt/profiles.yml: dbt's worker threads
# The lakehouse a parse is told of, whatever the data folder: a parse opens no database. Its
# folder does not exist, so nothing could create it; its file name is the lakehouse's, which
# dbt-duckdb makes the database name of every relation it compiles.
PARSE_LAKEHOUSE = f"parse-only/{LAKEHOUSE_FILE_NAME}"
SAMPLE_ROWS = 5  # failing rows shown per warning or failing test


@contextlib.contextmanager
def environment_variables(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables while dbt runs (profiles.yml reads the lakehouse's path, the
    project's macros the schemas to build in), then restore them."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parse_variables() -> dict[str, str]:
    """The environment of every parse of the project the CLI runs, the same in every run and
    every data folder: dbt's partial parse then stays valid. dbt parses the whole project again
    (seconds) when its profile changed, and the lakehouse's path is the profile's."""
    return {LAKEHOUSE_ENV_VAR: PARSE_LAKEHOUSE, **parse_environment()}


def environment_variable(name: str, value: str) -> contextlib.AbstractContextManager[None]:
    return environment_variables({name: value})


def close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps in a class attribute across invocations.

    Without it the file stays open (and locked) in this process after dbt has returned.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    manager: Any = DuckDBConnectionManager
    if manager._ENV is not None:
        manager._ENV.close()
    manager.close_all_connections()


@contextlib.contextmanager
def redacting_dbt_files(settings: Settings) -> Iterator[None]:
    """dbt's own files quote the values its queries failed on (a name in a date column): when
    dbt returns, what it added to `dbt.log` and its `run_results.json` are redacted."""
    log = settings.dbt_logs_folder / "dbt.log"
    try:
        start = log.stat().st_size
    except OSError:
        start = 0
    try:
        yield
    finally:
        redact_file(log, start)
        redact_file(settings.run_results_file)


def _node_name(node: Any) -> str:
    """`marts.monthly_turnover` for a model (the name readers know, not its build slot), the
    test's name for a test."""
    if node.resource_type == "model":
        return f"{node.config.get('schema') or node.schema}.{node.alias}"
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


def check_threads() -> None:
    """dbt's threads, when set, are a whole number of at least 1: said in one line naming the
    variable before dbt runs (dbt says "max_workers must be greater than 0")."""
    value = os.environ.get(THREADS_ENV_VAR)
    if value is not None and not (value.strip().isdigit() and int(value) >= 1):
        raise DataPlatformError(
            f"{THREADS_ENV_VAR} must be a whole number of dbt threads, 1 or more, not {value!r}"
        )


def check_invocation(result: Any, what: str) -> None:
    """dbt could not even run (bad project, unreadable profile): one line, no traceback."""
    if result.exception is not None:
        raise DataPlatformError(f"dbt {what} failed: {one_line(result.exception)}")


def parse_project(common: Sequence[str], what: str = "parse") -> Any:
    """dbt's manifest of the project, parsed as every command parses it (parse_variables), so
    that the last parse's file serves it: only the files changed since are parsed again. The
    commands then run dbt with it (`dbtRunner(manifest=...)`) in their own environment. The
    parse writes no artifacts: a write of the manifest costs a tenth of a second."""
    from dbt.cli.main import dbtRunner  # dbt is slow to import: only when a command runs dbt

    dbt_events.install()  # transform, docs and the backfill's snapshots all parse first
    check_threads()  # the backfill's snapshots and the docs read the profile too
    with environment_variables(parse_variables()):
        parsed: Any = dbtRunner().invoke(["parse", *common, "--no-write-json"])
    check_invocation(parsed, what)
    heap.freeze()
    return parsed.result


def record_build(results: Sequence[Any], run: TransformRun) -> list[Any]:
    """Count the build's nodes into `run`; return the data tests whose failing rows are worth
    showing."""
    to_sample = []
    for result in results:
        node, status = result.node, str(result.status)
        outcome = NodeOutcome(_node_name(node), status, one_line(result.message))
        if node.resource_type == "operation":  # the project's on-run-end hook: no node
            if status != "success":
                run.failed.append(outcome)
            continue
        if node.resource_type in ("model", "seed", "snapshot"):
            run.models[status] += 1
            if status not in ("success", "skipped"):
                run.failed.append(outcome)
            continue
        run.tests[status] += 1
        if status == "warn":
            run.warned.append(outcome)
            to_sample.append(result)
        elif status not in ("pass", "skipped"):
            run.failed.append(outcome)
            if status == "fail" and node.resource_type == "test":
                to_sample.append(result)
    return to_sample


def _sample_failing_rows(lakehouse: Path, results: Sequence[Any], summary: TransformRun) -> None:
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
            # A sample names rows by ids and references; names and emails are redacted.
            samples[_node_name(result.node)] = tuple(redact_row(columns, row) for row in rows)
    finally:
        connection.close()
    for outcomes in (summary.warned, summary.failed):
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
    settings: Settings,
    project_dir: Path,
    layers: Sequence[str] = LAYERS,
    full_refresh: bool = False,
    on_event: Callable[[Any], None] | None = None,
) -> TransformRun:
    """Build and test the selected layers with dbt where readers do not see them, then publish
    them together if every model built and every error-level test passed. `full_refresh`
    rebuilds the incremental models whole; `on_event` receives dbt's events as the build runs
    (the progress line, transform/progress.py).

    The run is recorded before dbt starts and when it ends (settings.last_transform_file),
    under a lock that a killed run releases: `status` tells a run that failed or was killed.
    Every DuckDB handle is closed on return.
    """
    check_threads()
    lakehouse = settings.writer_lakehouse_file.resolve()
    with (
        writer_session(settings, "transform") as writer,
        transform_lock(settings.transform_lock_file),
        _sigint_watch() as sigint,
    ):
        run = TransformRun(layers=tuple(layers))
        save_run(settings.last_transform_file, run)
        try:
            project = selection.project_fingerprint(project_dir)
            saved = selection.load_graph(settings.dbt_graph_file, None)
            graph = saved if saved is not None and saved.project == project else None
            rebuild, fingerprints = nodes_to_rebuild(lakehouse, graph, layers, full_refresh)
            if graph is not None and rebuild is not None and not rebuild:
                nothing_changed(settings, lakehouse, graph, run)
                run.finish(SUCCEEDED)
                return run
            start_importing_dbt()  # while the build is planned (transform/dbt_import.py)
            # The incremental models as the last parse knew them, even of another version of
            # the project: a model that is no longer incremental is rebuilt where it is.
            plan = publish.plan_build(
                lakehouse, layers, rebuild, in_place=selection.incremental_models(saved)
            )
            run.layers = plan.layers
            results, graph, fingerprints = _build(
                settings, project_dir, project, plan, run, fingerprints, full_refresh, on_event
            )
            if sigint.is_set():  # dbt took Ctrl-C as a cancel and returned its nodes' errors
                raise KeyboardInterrupt
            to_sample = record_build(results, run)
            _sample_failing_rows(lakehouse, to_sample, run)
            if not plan.full:
                ran = [_node_name(result.node) for result in results]
                run.warned.extend(standing_warnings(settings.standing_warnings_file, ran))
            if run.success:
                started = time.perf_counter()
                run.publication_id = publish.publish_layers(
                    lakehouse,
                    plan,
                    built_nodes(results, graph, fingerprints),
                    run.started_at,
                    tests=run.tests,
                )
                run.published = True
                save_warnings(settings.standing_warnings_file, run.warned)
                # Readers see the publication from here: the readers' file replaced whole,
                # while the publication is kept as Parquet (a kill before either ends leaves
                # it to the next writer, storage/publish.py: catch_up).
                storage_publish.hand_over(
                    writer, run.publication_id, then=lambda: expire_publications(settings)
                )
                logger.info(
                    "published %s as publication %d in %.3f s",
                    ", ".join(plan.layers),
                    run.publication_id,
                    time.perf_counter() - started,
                )
            run.finish(SUCCEEDED if run.success else FAILED)
        except Exception as error:
            if sigint.is_set():  # dbt turned Ctrl-C into a failure with an empty reason
                run.finish(INTERRUPTED, CTRL_C)
            else:
                run.finish(
                    FAILED,
                    str(error) if isinstance(error, DataPlatformError) else first_line(error),
                )
            raise
        except BaseException as error:  # Ctrl-C, SystemExit
            run.finish(
                INTERRUPTED, CTRL_C if isinstance(error, KeyboardInterrupt) else "interrupted"
            )
            raise
        finally:
            save_run(settings.last_transform_file, run)
    return run


CTRL_C = "Ctrl-C (SIGINT) during the dbt build: nothing was published"


@contextlib.contextmanager
def _sigint_watch() -> Iterator[threading.Event]:
    """Set when SIGINT arrives while dbt runs, whoever handles it next: dbt swallows the
    KeyboardInterrupt and returns a failed build whose reason is empty."""
    seen = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(number: int, frame: FrameType | None) -> None:
        seen.set()
        if callable(previous):
            previous(number, frame)
        else:
            signal.default_int_handler(number, frame)

    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (the scheduler's worker): signals never reach it
        yield seen
        return
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def _build(
    settings: Settings,
    project_dir: Path,
    project: str,
    plan: publish.BuildPlan,
    run: TransformRun,
    fingerprints: dict[str, str],
    full_refresh: bool = False,
    on_event: Callable[[Any], None] | None = None,
) -> tuple[Sequence[Any], selection.Graph, dict[str, str]]:
    """The sources' freshness, then `dbt build` of the plan's nodes (models, snapshots and their
    data tests) into the plan's schemas, in this process; the stale sources go into `run`.
    Returns dbt's results, the project's graph (saved for the next selection) and the source
    fingerprints the build read (`fingerprints`, those the selection computed, when given).

    dbt's artifacts and logs go to the data folder so that the project folder may be
    read-only. When dbt returns, its worker threads are done: `build` records a failing node
    as a result and joins its thread pool before writing `run_results.json`. (Only `compile`
    and `docs generate` stop at the first error and leave threads running: `docs` runs dbt
    single-threaded.)
    """
    wait_for_dbt_import()  # a command line that transforms started importing dbt at once
    from dbt.cli.main import dbtRunner  # dbt is slow to import: only when transforming

    common = dbt_arguments(project_dir, settings.dbt_target_folder, settings.dbt_logs_folder)
    selected = bool(fingerprints)  # a selection ran and read the inputs as published
    # Parse (partially: parse_variables), set where each model is built, and hand the manifest
    # to the build, which opens the data folder's lakehouse.
    building = {
        **parse_variables(),
        LAKEHOUSE_ENV_VAR: str(settings.writer_lakehouse_file.resolve()),
    }
    try:
        with (
            redacting_dbt_files(settings),
            compiled_templates(settings.dbt_compiled_templates_file),
        ):
            manifest = parse_project(common)
            assign_schemas(manifest, plan)
            graph = selection.graph_of_manifest(manifest, project)
            selection.save_graph(settings.dbt_graph_file, graph)
            with open_lakehouse(settings.writer_lakehouse_file, read_only=True) as reading:
                if not fingerprints:  # no selection ran: the sources as this build reads them
                    fingerprints = selection.input_fingerprints(reading, graph)
                record_stale_sources(reading, graph, run)
            # Unit tests check the project's SQL against fixed rows, not the data: they pass or
            # fail the same way every run, so they run with the pytest suite (and `dbt build` by
            # hand), not in every transform, as dbt advises for production runs.
            builder = dbtRunner(manifest=manifest, callbacks=[on_event] if on_event else [])
            with environment_variables(building):
                build: Any = builder.invoke(
                    [
                        "build",
                        *selection_arguments(plan, graph),
                        "--exclude-resource-type",
                        "unit_test",
                        *(["--full-refresh"] if full_refresh else []),
                        *common,
                    ]
                )
            check_invocation(build, "build")
    finally:
        close_duckdb()
    if not selected and any(node.reads for node in graph.nodes.values()):
        # A build without selection (a first one, a changed project) may have built the views
        # anew: what the nodes read of a view is taken where this build read it, for the
        # record. A selection read the published views of this same project already.
        with open_lakehouse(settings.writer_lakehouse_file, read_only=True) as reading:
            fingerprints = {
                **fingerprints,
                **selection.read_fingerprints(reading, graph, plan.schema_for),
            }
    return (build.result.results if build.result else ()), graph, fingerprints
