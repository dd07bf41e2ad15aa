"""The Dagster code location (optional: `pip install 'jump-data-platform[dagster]'`).

The same refresh as `data-platform schedule`, as Dagster assets: each application's extract,
its load into the lakehouse's `sources` schema (one asset per source table, keyed as dbt names
the sources, so lineage runs from the extract to every mart), the dbt models through dagster-dbt,
and the report. Two jobs and their schedules (the App hourly, the CRM daily, in Paris time),
one writer at a time (the `lakehouse` pool and a run tag limited to 1 in dagster/dagster.yaml).

    DAGSTER_HOME=$PWD/data/dagster dagster dev -m jump.data_platform.orchestration.dagster_definitions

Environment: DATA_PLATFORM_DATA_FOLDER (default ./data), DATA_PLATFORM_DBT_PROJECT,
DATA_PLATFORM_SCALE (extract volume, default 1), DATA_PLATFORM_SCHEDULE_APP / _CRM / _TIMEZONE
(the crons, as for `data-platform schedule`).

A run replays: its `refresh` resource takes the extract's as-of instant, random seed and scale
(run config `resources: {refresh: {config: {as_of: ..., random_seed: ..., scale: ...}}}`), with
the CLI's defaults (the run's start, 42, 1). Each run is recorded in the run history that
`data-platform status` reads, the dbt build in the last transform's record, and a failed run
goes through the alerts' notifiers (docs/alerts.md), by two run-status sensors.
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation at run time.
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from jump.data_platform.alerts.evaluate import check_alerts
from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.pipeline import (
    extract_step,
    load_step,
)
from jump.data_platform.reporting import Reporter
from jump.data_platform.schedule.jobs import (
    DEFAULT_CRONS,
    DEFAULT_TIME_ZONE,
    TIME_ZONE_ENV_VAR,
    cron_env_var,
)
from jump.data_platform.schedule.state import RunRecord, ScheduleState, StateStore
from jump.data_platform.settings import DEFAULT_DATA_FOLDER, DEFAULT_RANDOM_SEED, Settings
from jump.data_platform.sources.contract import SOURCE_NAMES, source_tables
from jump.data_platform.sources.timeline import COMPANY_TIME_ZONE
from jump.data_platform.storage import publish as storage_publish
from jump.data_platform.storage.retention import expire_publications
from jump.data_platform.storage.writer import writer_lakehouse, writer_session
from jump.data_platform.tools.report import build_report
from jump.data_platform.transform import publish
from jump.data_platform.transform.dbt_project import PROJECT_ENV_VAR, find_dbt_project
from jump.data_platform.transform.dbt_runner import (
    LAKEHOUSE_ENV_VAR,
    dbt_arguments,
    environment_variables,
)
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.run_record import (
    FAILED,
    INTERRUPTED,
    SUCCEEDED,
    TransformRun,
    save_run,
    transform_lock,
    utc_now,
)

# DuckDB allows one writer: every asset that writes the lakehouse runs in this pool, whose limit
# is 1 (dagster/dagster.yaml), and every refresh run carries this tag, limited to one run at once.
WRITER_POOL = "lakehouse"
WRITER_TAG = "jump/lakehouse-writer"

settings = Settings(
    data_folder=Path(os.environ.get("DATA_PLATFORM_DATA_FOLDER", str(DEFAULT_DATA_FOLDER)))
)
SCALE = int(os.environ.get("DATA_PLATFORM_SCALE", "1"))
# dbt (run by dagster-dbt in a subprocess) reads the lakehouse's path from this variable.
os.environ.setdefault(LAKEHOUSE_ENV_VAR, str(settings.writer_lakehouse_file.resolve()))


def _dbt_project() -> DbtProject:
    """The dbt project with a parsed manifest: parsed in this process when missing (the
    definitions need it to load), re-parsed by `dagster dev` at each reload."""
    explicit = os.environ.get(PROJECT_ENV_VAR)
    project_dir = find_dbt_project(Path(explicit) if explicit else None)
    target = settings.dagster_dbt_target_folder.resolve()
    project = DbtProject(project_dir=project_dir, target_path=target, profiles_dir=project_dir)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        from dbt.cli.main import dbtRunner

        parsed: Any = dbtRunner().invoke(
            ["parse", *dbt_arguments(project_dir, target, settings.dbt_logs_folder)]
        )
        if not parsed.success:
            raise DataPlatformError(f"dbt parse failed for Dagster: {parsed.exception}")
    return project


DBT_PROJECT = _dbt_project()


class RefreshConfig(dg.ConfigurableResource):  # type: ignore[misc]
    """What a run extracts: a run with the same values gives the same sources (a replay)."""

    as_of: str = ""  # ISO instant, Paris time when naive; empty: the run's start
    random_seed: int = DEFAULT_RANDOM_SEED
    scale: int = SCALE

    def instant(self) -> datetime:
        return datetime.fromisoformat(self.as_of) if self.as_of else datetime.now(COMPANY_TIME_ZONE)


def _extract_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["extracts", source],
        group_name="extract",
        kinds={"sqlite", "python"},
        description=f"The {source} application simulated as of the run's start, written to "
        f"{settings.source_file(source)}.",
    )
    def extract(refresh: RefreshConfig) -> dg.MaterializeResult:
        as_of = refresh.instant()
        seeded = Settings(data_folder=settings.data_folder, random_seed=refresh.random_seed)
        extract_step(seeded, [source], as_of, refresh.scale, Reporter(quiet=True))
        return dg.MaterializeResult(
            metadata={
                "path": str(settings.source_file(source)),
                "as_of": as_of.isoformat(),
                "random_seed": refresh.random_seed,
                "scale": refresh.scale,
            }
        )

    return extract


def _load_asset(source: str) -> dg.AssetsDefinition:
    tables = source_tables(source)

    @dg.multi_asset(
        name=f"load_{source}",
        group_name="load",
        pool=WRITER_POOL,
        specs=[
            dg.AssetSpec(
                key=[source, table.name],  # dagster-dbt's key of the dbt source
                deps=[["extracts", source]],
                kinds={"duckdb"},
                description=f"sources.{table.lakehouse_name}: {table.name} of {source}, "
                "as the last load copied it.",
            )
            for table in tables
        ],
    )
    def load() -> Iterator[dg.MaterializeResult]:
        load_step(settings, [source], Reporter(quiet=True))
        for table in tables:
            yield dg.MaterializeResult(asset_key=[source, table.name])

    return load


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, pool=WRITER_POOL)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Every model of the dbt project (staging, intermediate, marts), built and tested where
    readers do not see them, then published together, as `data-platform transform` does
    (write-audit-publish): a failing model or error-level test raises before publishing."""
    with writer_session(settings, "transform") as writer:
        lakehouse = writer_lakehouse(settings).resolve()
        # Recorded as `data-platform transform` records itself: `status` reads it, and a run
        # killed half-way (its lock released) shows as such.
        with transform_lock(settings.transform_lock_file):
            plan = publish.plan_build(lakehouse, LAYERS)
            run = TransformRun(layers=tuple(LAYERS), started_at=utc_now())
            save_run(settings.last_transform_file, run)
            try:
                # dbt runs in a subprocess that inherits the variables naming the build slots.
                with environment_variables(plan.environment):
                    # Unit tests check the SQL, not the data: they run with the test suite, as
                    # in `data-platform transform` (they would read models of the slot not
                    # built yet).
                    build = ["build", "--exclude-resource-type", "unit_test"]
                    yield from dbt.cli(build, context=context).stream()
                built = publish.built_relations(lakehouse, plan)
                run.publication_id = publish.publish_layers(lakehouse, plan, built, run.started_at)
                run.published = True
                storage_publish.hand_over(
                    writer, run.publication_id, then=lambda: expire_publications(settings)
                )
                run.finish(SUCCEEDED)
            except Exception as error:
                run.finish(FAILED, f"dbt build through Dagster failed: {first_line(error)}")
                raise
            except BaseException:
                run.finish(INTERRUPTED, "interrupted")
                raise
            finally:
                save_run(settings.last_transform_file, run)


@dg.asset(deps=[dbt_models], group_name="report", pool=WRITER_POOL)
def report() -> dg.MaterializeResult:
    """The dashboard `data-platform report` writes, from the refreshed marts."""
    path = build_report(settings)
    return dg.MaterializeResult(metadata={"path": str(path)})


EXTRACTS = {source: _extract_asset(source) for source in SOURCE_NAMES}
LOADS = {source: _load_asset(source) for source in SOURCE_NAMES}


def _job(source: str) -> Any:
    """Refresh one source: its extract and load, then every dbt model and the report."""
    return dg.define_asset_job(
        f"refresh_{source}",
        # Every dbt model, not only those downstream of this source: the layers are built into
        # fresh slots and published together, so a model left out would vanish from them.
        selection=dg.AssetSelection.assets(EXTRACTS[source]).downstream()
        | dg.AssetSelection.assets(dbt_models, report),
        tags={WRITER_TAG: "1"},
        description=f"Extract {source}, load it, build the dbt models, then the report.",
    )


JOBS = {source: _job(source) for source in SOURCE_NAMES}
# Everything at once: the first build of a lakehouse (the dbt models read both sources).
REFRESH_ALL = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    tags={WRITER_TAG: "1"},
    description="Extract and load every source, build the dbt models, then the report.",
)
SCHEDULES = [
    dg.ScheduleDefinition(
        name=f"refresh_{source}_schedule",
        job=JOBS[source],
        cron_schedule=os.environ.get(cron_env_var(source), DEFAULT_CRONS[source]),
        execution_timezone=os.environ.get(TIME_ZONE_ENV_VAR, DEFAULT_TIME_ZONE),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    for source in SOURCE_NAMES
]


def _job_sources(job_name: str) -> tuple[str, ...]:
    source = job_name.removeprefix("refresh_")
    return (source,) if source in SOURCE_NAMES else tuple(SOURCE_NAMES)


def record_run(
    instance: Any, run: Any, outcome: str, error: str | None, now: datetime | None = None
) -> RunRecord:
    """Add a finished Dagster run to the run history that `status --runs` reads, then send the
    alerts due (a failure, a recovery, a new warning) through the configured notifiers."""
    now = now or datetime.now(UTC)
    stats = instance.get_run_stats(run.run_id)
    started = datetime.fromtimestamp(stats.start_time, UTC) if stats.start_time else now
    finished = datetime.fromtimestamp(stats.end_time, UTC) if stats.end_time else now
    holder: list[RunRecord] = []

    def change(state: ScheduleState) -> None:
        record = RunRecord(
            started_at=started,
            seconds=round((finished - started).total_seconds(), 3),
            outcome=outcome,
            sources=_job_sources(run.job_name),
            steps=(),
            error=error,
            run_id=state.next_run_id(),
            job=run.job_name,
            orchestrator="dagster",
            finished_at=finished,
        )
        state.add_run(record)
        holder.append(record)

    StateStore(settings.schedule_state_file).update(change)
    check_alerts(settings, now, Reporter(quiet=True))
    return holder[0]


REFRESH_JOBS = [*JOBS.values(), REFRESH_ALL]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=REFRESH_JOBS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
)
def record_succeeded_runs(context: dg.RunStatusSensorContext) -> None:
    """Each succeeded refresh in the run history (a recovery alert when it follows a failure)."""
    record_run(context.instance, context.dagster_run, "succeeded", None)


@dg.run_failure_sensor(
    monitored_jobs=REFRESH_JOBS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
)
def alert_on_failed_runs(context: dg.RunFailureSensorContext) -> None:
    """Each failed refresh in the run history, and its alert through the platform's notifiers."""
    message = context.failure_event.message or "the run failed"
    record_run(context.instance, context.dagster_run, "failed", message.splitlines()[0])


def _dbt_executable() -> str:
    """The `dbt` beside this Python (its virtual environment), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.is_file() else "dbt"


defs = dg.Definitions(
    assets=[*EXTRACTS.values(), *LOADS.values(), dbt_models, report],
    jobs=REFRESH_JOBS,
    schedules=SCHEDULES,
    sensors=[record_succeeded_runs, alert_on_failed_runs],
    resources={
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=_dbt_executable()),
        "refresh": RefreshConfig(),
    },
)
