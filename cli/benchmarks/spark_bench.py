"""Spark beside DuckDB: `load` and `transform` with `--engine spark` as the real CLI, each in
its own process, and the JVM's start-up measured apart (a process that only opens the Spark
session of the data folder: JVM, Spark context, metastore).

    cd cli && ../.venv/bin/python -m benchmarks.spark_bench --scale 10 --repeats 1
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import Measure, median_of, run_process, run_step, run_step_bench


@dataclass(frozen=True)
class SparkBench:
    startup: Measure
    load: Measure
    transform: Measure


def spark_available() -> bool:
    from jump.data_platform.errors import DataPlatformError
    from jump.data_platform.spark_lakehouse import check_spark_available

    try:
        check_spark_available()
    except DataPlatformError:
        return False
    return True


def _startup_process(data_folder: Path) -> list[str]:
    code = (
        "import sys; from pathlib import Path; "
        "from jump.data_platform.settings import Settings; "
        "from jump.data_platform.spark_lakehouse import open_spark; "
        "open_spark(Settings(data_folder=Path(sys.argv[1]), engine='spark')).stop()"
    )
    return [sys.executable, "-c", code, str(data_folder)]


def spark_benchmark(data_folder: Path, repeats: int = 1) -> SparkBench:
    """Measure Spark over the extracted sources of `data_folder` (its warehouse is replaced)."""
    load = median_of(repeats, lambda: run_step(data_folder, "--engine", "spark", "load"))
    transform = median_of(repeats, lambda: run_step(data_folder, "--engine", "spark", "transform"))
    startup = median_of(repeats, lambda: run_process(_startup_process(data_folder)))
    return SparkBench(startup, load, transform)


def report(bench: SparkBench) -> str:
    return "\n".join(
        [
            f"JVM + Spark session start-up: {bench.startup.seconds:.2f} s",
            f"load --engine spark: {bench.load.seconds:.2f} s (peak {bench.load.peak_mib:,.0f} MiB)",
            f"transform --engine spark: {bench.transform.seconds:.2f} s "
            f"(peak {bench.transform.peak_mib:,.0f} MiB)",
        ]
    )


def run() -> None:
    run_step_bench(
        __doc__.splitlines()[0] if __doc__ else None,
        "sources are extracted",
        [],
        lambda folder, repeats: report(spark_benchmark(folder, repeats)),
    )


if __name__ == "__main__":
    run()
