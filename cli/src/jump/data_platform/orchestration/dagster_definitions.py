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
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation at run time.
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from jump.data_platform.errors import DataPlatformError
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
from jump.data_platform.settings import DEFAULT_DATA_FOLDER, Settings
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
from jump.data_platform.transform.run_record import utc_now

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


def _extract_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["extracts", source],
        group_name="extract",
        kinds={"sqlite", "python"},
        description=f"The {source} application simulated as of the run's start, written to "
        f"{settings.source_file(source)}.",
    )
    def extract() -> dg.MaterializeResult:
        as_of = datetime.now(COMPANY_TIME_ZONE)
        extract_step(settings, [source], as_of, SCALE, Reporter(quiet=True))
        return dg.MaterializeResult(
            metadata={"path": str(settings.source_file(source)), "as_of": as_of.isoformat()}
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
        plan = publish.plan_build(lakehouse, LAYERS)
        started = utc_now()
        # dbt runs in a subprocess that inherits the variables naming the build slots.
        with environment_variables(plan.environment):
            yield from dbt.cli(["build"], context=context).stream()
        publication_id = publish.publish_layers(
            lakehouse, plan, publish.built_relations(lakehouse, plan), started
        )
        storage_publish.release(writer)
        storage_publish.archive(settings, publication_id)
        expire_publications(settings)


@dg.asset(deps=[dbt_models], group_name="report", pool=WRITER_POOL)
def report() -> dg.MaterializeResult:
    """The dashboard `data-platform report` writes, from the refreshed marts."""
    path = build_report(settings)
    return dg.MaterializeResult(metadata={"path": str(path)})


EXTRACTS = {source: _extract_asset(source) for source in SOURCE_NAMES}
LOADS = {source: _load_asset(source) for source in SOURCE_NAMES}


def _job(source: str) -> Any:
    """Refresh one source: its extract and everything downstream (load, dbt models, report)."""
    return dg.define_asset_job(
        f"refresh_{source}",
        selection=dg.AssetSelection.assets(EXTRACTS[source]).downstream(),
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


def _dbt_executable() -> str:
    """The `dbt` beside this Python (its virtual environment), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.is_file() else "dbt"


defs = dg.Definitions(
    assets=[*EXTRACTS.values(), *LOADS.values(), dbt_models, report],
    jobs=[*JOBS.values(), REFRESH_ALL],
    schedules=SCHEDULES,
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=_dbt_executable())},
)
