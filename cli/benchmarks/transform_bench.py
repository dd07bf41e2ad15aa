"""Transform's cost beside its floors: dbt's own start-up and DuckDB's time for the same SQL.

Over one lakehouse, each the median of several runs:
- dbt start-up: a fresh process importing dbt and running `dbt parse` (partial parse warm, as
  in every transform after the first);
- transform: `data-platform transform --full-refresh` in a fresh process (freshness and build
  of every model: a plain transform rebuilds only what changed);
- DuckDB alone: the compiled SQL of every model (then of every data test) that the transform
  ran, executed in dependency order in one DuckDB connection, without dbt;
- the plain-SQL floor (issue 24's): DuckDB's SQLite scanner copying the source files, plus the
  SQL of the four marts the business asks for (monthly turnover, NPS, turnover by cohort,
  cumulative turnover) and of the models they read, without dbt, tests or publication. The
  marts it computes are checked row for row against the transform's (`identical`). The CRM
  snapshot the NPS reads holds history no single copy of the files can give: it is read as an
  input, like the sources.

    cd cli && ../.venv/bin/python -m benchmarks.transform_bench --scale 100
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.load_bench import scanner_copy_seconds
from benchmarks.measure import median_of, run_process, run_step, run_step_bench, timed
from jump.data_platform.lakehouse import quote_literal
from jump.data_platform.settings import Settings
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.dbt_runner import LAKEHOUSE_ENV_VAR


@dataclass(frozen=True)
class TransformBench:
    dbt_startup_seconds: float
    transform_seconds: float
    transform_peak_mib: float
    duckdb_models_seconds: float
    duckdb_tests_seconds: float
    copy_seconds: float  # DuckDB's SQLite scanner copying the source files
    marts_seconds: float  # the four marts and the models they read, DuckDB alone
    marts_identical: bool  # those marts equal the transform's, row for row
    slowest_models: tuple[tuple[str, float], ...] = ()

    @property
    def floor_seconds(self) -> float:
        """What transform cannot go below: dbt's start-up plus DuckDB's query time."""
        return self.dbt_startup_seconds + self.duckdb_models_seconds + self.duckdb_tests_seconds

    @property
    def plain_floor_seconds(self) -> float:
        """Issue 24's floor: the copy of the sources and the four marts in plain SQL."""
        return self.copy_seconds + self.marts_seconds


# The marts the business asks for (docs/domain.md); the others derive from them or restate them.
FOUR_MARTS = ("monthly_turnover", "nps", "turnover_by_cohort", "freelancer_cumulative_turnover")


@dataclass(frozen=True)
class DuckdbRun:
    models_seconds: float
    tests_seconds: float
    per_model: dict[str, float]  # relation -> seconds
    marts_seconds: float  # FOUR_MARTS and every model they read
    marts_identical: bool


def _parse_process(settings: Settings, project: Path) -> list[str]:
    code = (
        "import os, sys; from dbt.cli.main import dbtRunner; "
        f"os.environ[{LAKEHOUSE_ENV_VAR!r}] = sys.argv[1]; "
        "result = dbtRunner().invoke(['parse', '--log-level', 'none', '--no-write-json', "
        "'--project-dir', sys.argv[2], "
        "'--profiles-dir', sys.argv[2], '--target-path', sys.argv[3], '--log-path', sys.argv[4]]); "
        "sys.exit(0 if result.success else 1)"
    )
    return [
        sys.executable,
        "-c",
        code,
        str(settings.lakehouse_file.resolve()),
        str(project),
        str(settings.dbt_target_folder.resolve()),
        str((settings.data_folder / "dbt" / "logs").resolve()),
    ]


def _compiled_nodes(settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The models in dependency order and the data tests, with the SQL the last run executed."""
    target = settings.dbt_target_folder
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    compiled = {
        result["unique_id"]: result.get("compiled_code")
        for result in json.loads((target / "run_results.json").read_text())["results"]
    }
    models = {key: node for key, node in nodes.items() if node["resource_type"] == "model"}
    graph = {
        key: [parent for parent in node["depends_on"]["nodes"] if parent in models]
        for key, node in models.items()
    }
    ordered = [
        {**models[key], "compiled_code": compiled[key]}
        for key in TopologicalSorter(graph).static_order()
    ]
    tests = [
        {**node, "compiled_code": compiled[key]}
        for key, node in nodes.items()
        if node["resource_type"] == "test" and compiled.get(key)
    ]
    return ordered, tests


def _four_marts(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [m for m in models if m["name"].startswith("marts__") and m["alias"] in FOUR_MARTS]
    if len(found) != len(FOUR_MARTS):
        raise SystemExit(f"the project no longer has the marts {', '.join(FOUR_MARTS)}")
    return found


def _read_by_marts(models: list[dict[str, Any]]) -> set[str]:
    """The unique ids of FOUR_MARTS and of every model they read, directly or not."""
    by_id = {model["unique_id"]: model for model in models}
    wanted = [model["unique_id"] for model in _four_marts(models)]
    found: set[str] = set()
    while wanted:
        key = wanted.pop()
        if key in by_id and key not in found:
            found.add(key)
            wanted.extend(by_id[key]["depends_on"]["nodes"])
    return found


def _same_rows(connection: duckdb.DuckDBPyConnection, built: str, published: str) -> bool:
    """Whether two relations hold the same rows, duplicates counted."""
    differing = connection.execute(
        f"select count(*) from ((from {built} except all from {published}) "
        f"union all (from {published} except all from {built}))"
    ).fetchone()
    return differing is not None and differing[0] == 0


def duckdb_seconds(settings: Settings) -> DuckdbRun:
    """Seconds DuckDB alone takes for the models' SQL, then the tests' SQL, on a copy of the
    lakehouse; each model's seconds; and the four marts' share, checked against the
    transform's marts."""
    models, tests = _compiled_nodes(settings)
    marts = _read_by_marts(models)
    per_model: dict[str, float] = {}
    marts_seconds = 0.0
    with tempfile.TemporaryDirectory() as folder:
        # Same file name: the compiled SQL names the database (catalog) after it.
        copy = Path(folder) / settings.lakehouse_file.name
        shutil.copyfile(settings.lakehouse_file, copy)
        with duckdb.connect(str(copy)) as connection:
            connection.execute("set enable_progress_bar = false")
            for model in models:
                kind = "view" if model["config"]["materialized"] == "view" else "table"
                relation = f"{model['schema']}.{model['alias']}"
                sql = f"create or replace {kind} {relation} as {model['compiled_code']}"
                per_model[relation] = timed(lambda: connection.execute(sql))  # noqa: B023
                if model["unique_id"] in marts:
                    marts_seconds += per_model[relation]
            test_seconds = 0.0
            for test in tests:
                sql = f"select count(*) from ({test['compiled_code']})"
                test_seconds += timed(lambda: connection.execute(sql).fetchall())  # noqa: B023
            published = quote_literal(str(settings.lakehouse_file))
            connection.execute(f"attach {published} as published (read_only)")
            identical = all(
                _same_rows(
                    connection,
                    f"{mart['schema']}.{mart['alias']}",
                    f"published.marts.{mart['alias']}",
                )
                for mart in _four_marts(models)
            )
    return DuckdbRun(sum(per_model.values()), test_seconds, per_model, marts_seconds, identical)


def transform_benchmark(
    data_folder: Path, repeats: int = 3, copy_seconds: float | None = None
) -> TransformBench:
    """Measure transform over the lakehouse of `data_folder` (loaded beforehand); the
    scanner's copy of its sources unless `copy_seconds` gives it (measured beside the load)."""
    settings = Settings(data_folder=data_folder)
    project = find_dbt_project()
    # A full build every time (every model rebuilt whole, as the floor runs every model's
    # SQL): a plain `transform` rebuilds only what changed, nothing the second time.
    transform = median_of(
        repeats, lambda: run_step(data_folder, "transform", "--full-refresh")
    )  # also warms up
    startup = median_of(repeats, lambda: run_process(_parse_process(settings, project)))
    runs = sorted(
        (duckdb_seconds(settings) for _ in range(repeats)), key=lambda run: run.models_seconds
    )
    median = runs[len(runs) // 2]
    marts = sorted(run.marts_seconds for run in runs)[len(runs) // 2]
    if copy_seconds is None:
        copy_seconds = scanner_copy_seconds(data_folder, repeats)
    slowest = tuple(sorted(median.per_model.items(), key=lambda item: -item[1])[:4])
    return TransformBench(
        startup.seconds,
        transform.seconds,
        transform.peak_mib,
        median.models_seconds,
        median.tests_seconds,
        copy_seconds,
        marts,
        all(run.marts_identical for run in runs),
        slowest,
    )


def report(bench: TransformBench) -> str:
    return "\n".join(
        [
            f"dbt start-up (import + parse): {bench.dbt_startup_seconds:.2f} s",
            f"DuckDB alone, models: {bench.duckdb_models_seconds:.2f} s, "
            f"data tests: {bench.duckdb_tests_seconds:.2f} s",
            "  slowest models: "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in bench.slowest_models),
            f"floor (start-up + DuckDB): {bench.floor_seconds:.2f} s",
            f"data-platform transform: {bench.transform_seconds:.2f} s "
            f"(peak {bench.transform_peak_mib:,.0f} MiB), "
            f"{bench.transform_seconds / bench.floor_seconds:.2f} x the floor",
            f"plain-SQL floor: scanner copy {bench.copy_seconds:.2f} s + the four marts "
            f"{bench.marts_seconds:.2f} s = {bench.plain_floor_seconds:.2f} s "
            f"(marts identical to the transform's: {bench.marts_identical}); transform "
            f"{bench.transform_seconds / bench.plain_floor_seconds:.2f} x it (goal: within 2 x)",
        ]
    )


def run() -> None:
    run_step_bench(
        __doc__.splitlines()[0] if __doc__ else None,
        "lakehouse is loaded",
        ["load"],
        lambda folder, repeats: report(transform_benchmark(folder, repeats)),
    )


if __name__ == "__main__":
    run()
