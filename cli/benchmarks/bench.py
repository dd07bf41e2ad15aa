"""How fast each step is, how it scales, and how close it is to its limit.

For each scale: `extract`, `load` and `transform` each run as the real CLI in their own process
(wall seconds: median of several runs when a run is short; peak resident memory), beside the
limit each is compared with, measured on the same files in the same run:
- extract: a bare bulk write of the same, ready-made Arrow tables to SQLite;
- load: DuckDB's own SQLite scanner copying the same tables (extension from a pinned package);
- transform: dbt's start-up alone (`dbt parse`) plus DuckDB running the compiled models and tests;
  and issue 24's plain-SQL floor: the scanner's copy of the files plus the four marts' SQL
  (benchmarks/transform_bench.py), whose marts are checked row for row against the transform's.

When it reaches scale 100 it also runs `history_bench` there (a full build chained, an hourly
App refresh as three CLI calls and inside the scheduler) and prints issue 24's goals, each met
or missed, from this one run (benchmarks/goals.py).

    make bench                       # scales 1, 10, 100, 1000 (Spark at 1 and 10)
    make bench BENCH_ARGS='--max-scale 10 --spark-scales 1 10 100'
    make bench BENCH_ARGS='--max-scale 100 --write-docs'
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from benchmarks import goals
from benchmarks.extract_bench import bare_write_seconds
from benchmarks.history_bench import measure_history
from benchmarks.load_bench import LoadComparison, compare_load
from benchmarks.measure import Measure, median_of, run_step
from benchmarks.spark_bench import spark_available, spark_benchmark
from benchmarks.transform_bench import TransformBench, transform_benchmark
from jump.data_platform.settings import Settings
from jump.data_platform.sources.contract import SOURCE_NAMES

SCALES = (1, 10, 100, 1000)
# Spark's column (`--engine spark`, when pyspark and Java are installed): its runs are long.
SPARK_SCALES = (1, 10)
SPARK_END_TO_END = ("extract", "spark: load", "spark: transform")
AS_OF = date(2026, 11, 25)
SEED = 42
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class StepResult:
    step: str
    scale: int
    rows: int
    measure: Measure
    limit_name: str
    limit_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.measure.seconds

    @property
    def ratio(self) -> str:
        """ours / limit, or `-` where nothing compares (Spark's JVM start-up)."""
        return f"{self.measure.seconds / self.limit_seconds:.2f}" if self.limit_seconds else "-"


def repeats_for(scale: int) -> int:
    """The median of three up to scale 100, where issue 24's goals are judged: one run of the
    transform or of its floor varies by a tenth, enough to flip a ratio near its limit. Scale
    1000 runs once (each of its runs takes minutes)."""
    return 3 if scale <= 100 else 1


def source_rows(data_folder: Path) -> int:
    settings = Settings(data_folder=data_folder)
    total = 0
    for source in SOURCE_NAMES:
        with sqlite3.connect(settings.source_file(source)) as connection:
            names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for (name,) in names.fetchall():
                total += connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        connection.close()
    return total


def load_measure(folder: Path, repeats: int) -> Measure:
    """The full load of the folder's sources, `repeats` times (the median): each a `load
    --full-refresh`, since a plain load after the first finds the files unchanged and writes
    nothing (until the tenth pass of issue 24, the median at scales 1 and 10 was such a no-op)."""
    return median_of(repeats, lambda: run_step(folder, "load", "--full-refresh"))


def bench_scale(scale: int, folder: Path, spark: bool = False) -> list[StepResult]:
    repeats = repeats_for(scale)
    # Written whole every time: a repeat would otherwise bring the file forward (nothing new).
    extract_args = (
        "extract",
        "--as-of",
        AS_OF.isoformat(),
        "--scale",
        str(scale),
        "--full-refresh",
    )
    extract = median_of(
        repeats, lambda: run_step(folder, "--random-seed", str(SEED), *extract_args)
    )
    rows = source_rows(folder)
    write_seconds, _ = bare_write_seconds(SEED, AS_OF, scale)

    load = load_measure(folder, repeats)
    comparison = compare_load(folder, repeats)

    # A first transform of a new data folder parses the whole dbt project; later ones reuse that
    # parse, as every transform after the first does in use. Warm it with the cheapest layer.
    run_step(folder, "transform", "--layers", "staging")
    transform = transform_benchmark(folder, repeats, copy_seconds=comparison.scanner_seconds)
    spark_results = _spark_results(scale, folder, rows, load, transform) if spark else []
    return [
        *_duckdb_results(scale, rows, extract, write_seconds, load, comparison, transform),
        *spark_results,
    ]


def _spark_results(
    scale: int, folder: Path, rows: int, load: Measure, transform: TransformBench
) -> list[StepResult]:
    """Spark's load and transform beside DuckDB's (the limit column: DuckDB's seconds)."""
    bench = spark_benchmark(folder)
    return [
        StepResult("spark: JVM start-up", scale, rows, bench.startup, "none on DuckDB", 0.0),
        StepResult("spark: load", scale, rows, bench.load, "DuckDB load", load.seconds),
        StepResult(
            "spark: transform",
            scale,
            rows,
            bench.transform,
            "DuckDB transform",
            transform.transform_seconds,
        ),
    ]


def _duckdb_results(
    scale: int,
    rows: int,
    extract: Measure,
    write_seconds: float,
    load: Measure,
    comparison: LoadComparison,
    transform: TransformBench,
) -> list[StepResult]:
    return [
        StepResult("extract", scale, rows, extract, "bare Arrow → SQLite write", write_seconds),
        StepResult(
            "load", scale, rows, load, "DuckDB sqlite_scanner copy", comparison.scanner_seconds
        ),
        StepResult(
            "load (in-process)",
            scale,
            rows,
            Measure(comparison.ours_seconds, load.peak_mib),
            "DuckDB sqlite_scanner copy",
            comparison.scanner_seconds,
        ),
        StepResult(
            "transform",
            scale,
            rows,
            Measure(transform.transform_seconds, transform.transform_peak_mib),
            "dbt parse + DuckDB SQL",
            transform.floor_seconds,
        ),
        StepResult(
            "transform",
            scale,
            rows,
            Measure(transform.transform_seconds, transform.transform_peak_mib),
            "scanner copy + 4 marts' SQL"
            + ("" if transform.marts_identical else " (marts differ!)"),
            transform.plain_floor_seconds,
        ),
    ]


def step_goals(results: list[StepResult]) -> dict[goals.Goal, float]:
    """What the step benchmarks measured of issue 24's goals, at its scale."""
    at_scale = [r for r in results if r.scale == goals.GOALS_SCALE and r.limit_seconds]
    measured: dict[goals.Goal, float] = {}
    for result in at_scale:
        ratio = result.measure.seconds / result.limit_seconds
        if result.step == "transform" and result.limit_name.startswith("scanner copy"):
            measured[goals.TRANSFORM_FLOOR] = ratio
        elif result.step == "load":
            measured[goals.LOAD_SCANNER] = ratio
    steps = [r for r in at_scale if r.step in ("extract", "load", "transform")]
    if steps:
        measured[goals.PEAK_MEMORY] = max(r.measure.peak_mib for r in steps)
    return measured


def markdown(results: list[StepResult], command: str, goals_text: str = "") -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {platform.machine()}, {_cores()} cores, {_memory_gib():.0f} GiB, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}.",
        f"Reproduce with `{command}` (as-of {AS_OF}, seed {SEED}).",
        "",
        "Each step runs as the real CLI in its own process (wall time includes Python's start-up;",
        "median of 3 runs at scales 1, 10 and 100, one run at 1000). `load (in-process)` times our",
        "loader and the scanner the same way, inside one process, for a like-for-like ratio.",
        "",
        "| scale | step | source rows | seconds | rows/s | peak MiB | limit | limit s | ours / limit |",
        "|---:|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.scale} | {result.step} | {result.rows:,} | {result.measure.seconds:.2f} "
            f"| {result.rows_per_second:,.0f} | {result.measure.peak_mib:,.0f} "
            f"| {result.limit_name} | {result.limit_seconds:.2f} | {result.ratio} |"
        )
    lines += ["", "End to end (extract + load + transform, process wall seconds):", ""]
    for scale in sorted({result.scale for result in results}):
        # Each step once (the transform has a row per limit).
        steps = list(
            {
                r.step: r
                for r in reversed(results)
                if r.scale == scale and r.step in ("extract", "load", "transform")
            }.values()
        )
        total = sum(r.measure.seconds for r in steps)
        peak = max(r.measure.peak_mib for r in steps)
        lines.append(f"- scale {scale}: {total:.1f} s, peak memory {peak:,.0f} MiB")
        spark = [r for r in results if r.scale == scale and r.step in SPARK_END_TO_END]
        if any(r.step.startswith("spark:") for r in spark):  # Spark ran at this scale
            spark_total = sum(r.measure.seconds for r in spark)
            lines.append(
                f"- scale {scale} on Spark (load + transform, JVM start-up included): "
                f"{spark_total:.1f} s, against {total:.1f} s on DuckDB (with extract)"
            )
    if goals_text:
        lines += ["", goals_text.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def _memory_gib() -> float:
    with Path("/proc/meminfo").open() as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def print_table(results: list[StepResult]) -> None:
    table = Table(title="Benchmarks")
    for column in ["scale", "step", "rows", "s", "rows/s", "peak MiB", "limit s", "ours/limit"]:
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r.scale),
            r.step,
            f"{r.rows:,}",
            f"{r.measure.seconds:.2f}",
            f"{r.rows_per_second:,.0f}",
            f"{r.measure.peak_mib:,.0f}",
            f"{r.limit_seconds:.2f}",
            r.ratio,
        )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-scale", type=int, default=SCALES[-1], help="stop after this scale")
    parser.add_argument(
        "--spark-scales",
        type=int,
        nargs="*",
        default=list(SPARK_SCALES),
        help="scales that Spark also runs (none: skip Spark); needs pyspark and Java",
    )
    parser.add_argument("--write-docs", action="store_true", help=f"write the table to {DOCS.name}")
    parser.add_argument(
        "--no-history",
        action="store_true",
        help=f"skip history_bench at scale {goals.GOALS_SCALE} (about 2 minutes)",
    )
    arguments = parser.parse_args()
    results: list[StepResult] = []
    spark_scales = set(arguments.spark_scales) if spark_available() else set()
    if arguments.spark_scales and not spark_scales:
        print("Spark is not installed (make venv-spark, docs/engines.md): DuckDB only")
    scales = sorted({s for s in SCALES if s <= arguments.max_scale} | spark_scales)
    for scale in scales:
        with tempfile.TemporaryDirectory(prefix=f"bench-{scale}-") as folder:
            results += bench_scale(scale, Path(folder), spark=scale in spark_scales)
        print_table(results)
    history = None
    if goals.GOALS_SCALE in scales and not arguments.no_history:
        print(f"history_bench at scale {goals.GOALS_SCALE} ...")
        history = measure_history(goals.GOALS_SCALE)
    goals_text = ""
    if goals.GOALS_SCALE in scales:
        goals_text = goals.markdown(goals.evaluate(step_goals(results), history), history)
        print(goals_text)
    command = "make bench" + (
        f" BENCH_ARGS='--max-scale {arguments.max_scale}'"
        if arguments.max_scale != SCALES[-1]
        else ""
    )
    if arguments.write_docs:
        write_docs(markdown(results, command, goals_text))
        print(f"wrote the table of {DOCS}")


# Where the generated part of docs/benchmarks.md ends: the analyses below it are kept.
END_OF_TABLE = "<!-- end of the table written by make bench --write-docs -->"


def write_docs(table: str) -> None:
    """Replace the generated table at the top of docs/benchmarks.md, keeping the rest."""
    text = DOCS.read_text(encoding="utf-8")
    if END_OF_TABLE not in text:
        raise SystemExit(f"{DOCS} has no line {END_OF_TABLE!r}: nothing written")
    DOCS.write_text(table + "\n" + END_OF_TABLE + text.split(END_OF_TABLE, 1)[1], encoding="utf-8")


if __name__ == "__main__":
    main()
