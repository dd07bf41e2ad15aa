"""The report's cost: `data-platform report` in its own process, and its parts in this one.

Over one transformed lakehouse, each the median of several runs:
- report: the whole command in a fresh process (Python and library start-up included);
- gather: reading the marts (`gather_report_data`);
- render: the charts and the page (`render_page`), and the page's size.

    cd cli && ../.venv/bin/python -m benchmarks.report_bench --scale 100
"""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.measure import median_of, run_step, run_step_bench, timed
from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.settings import Settings
from jump.data_platform.tools.report.data import REQUIRED_MARTS, gather_report_data
from jump.data_platform.tools.report.page import render_page


def report(data_folder: Path, repeats: int) -> str:
    settings = Settings(data_folder=data_folder)
    command = median_of(repeats, lambda: run_step(data_folder, "report"))
    gather = statistics.median(timed(lambda: gather_report_data(settings)) for _ in range(repeats))
    data = gather_report_data(settings)
    render = statistics.median(timed(lambda: render_page(data)) for _ in range(repeats))
    size = len(render_page(data).encode("utf-8"))
    with open_lakehouse(settings.lakehouse_file, read_only=True) as connection:
        rows = sum(
            int(connection.execute(f"select count(*) from marts.{mart}").fetchone()[0])  # type: ignore[index]
            for mart in REQUIRED_MARTS
        )
    return "\n".join(
        [
            f"report (own process): {command.seconds:.2f} s, peak {command.peak_mib:.0f} MiB",
            f"gather the marts:     {gather:.3f} s ({rows:,} mart rows, {rows / gather:,.0f} rows/s)",
            f"render the page:      {render:.3f} s",
            f"page size:            {size / 1_000_000:.2f} MB ({size:,} bytes)",
            f"stagnating freelancers listed: {len(data.stagnating):,}",
        ]
    )


if __name__ == "__main__":
    run_step_bench(
        __doc__.splitlines()[0] if __doc__ else None,
        needs="lakehouse has its marts",
        prepare=["load", "transform"],
        report=report,
    )
