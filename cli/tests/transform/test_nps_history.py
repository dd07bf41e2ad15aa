"""Issue 21, item 2: the monthly NPS is checked against the figures an extract taken at each
month's end gives (the truth), after a single load and after a backfill from the first day.

The simulated company is extracted as of the last second of every month of 2024: those
extracts are what the CRM looked like then. A lakehouse loaded once at the end of 2024 observes
only some month ends: the months it marks observed must equal the truth, and some it marks
unobserved differ from it. A lakehouse backfilled daily from the first day observes every month,
and equals the truth everywhere.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.settings import Settings
from jump.data_platform.sources.as_of import end_of_day
from jump.data_platform.sources.extract import extract_sources
from support.cli import run_cli
from transform import independent_marts as expected

pytestmark = pytest.mark.slow

FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2024, 12, 31)
FIGURES = (
    "nps, respondents, promoters, passives, detractors, answers_in_month, nps_all_time,"
    " respondents_all_time"
)


def _extract(folder: Path, day: date) -> expected.Sources:
    settings = Settings(data_folder=folder)
    extract_sources(settings, ["app", "crm"], end_of_day(day), scale=1)
    return expected.Sources(settings.sources_folder)


@pytest.fixture(scope="module")
def final_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("final")
    _extract(folder, LAST_DAY)
    return folder


@pytest.fixture(scope="module")
def truth(
    tmp_path_factory: pytest.TempPathFactory, final_folder: Path
) -> dict[date, tuple[Any, ...]]:
    """month -> its figures from the extract at the month's last second."""
    final = expected.Sources(final_folder / "sources")
    month_ends = {}
    for month in expected.monthly_turnover(final):
        if month < final.as_of_month:
            last_day = expected.next_month(month) - timedelta(days=1)
            month_ends[month] = _extract(tmp_path_factory.mktemp(f"{month:%Y%m}"), last_day)
    return expected.nps_monthly_truth(final, month_ends)


def _series(lakehouse: Path) -> dict[date, tuple[tuple[Any, ...], bool]]:
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        rows = connection.execute(
            f"select month, {FIGURES}, is_observed from marts.nps_monthly order by month"
        ).fetchall()
    return {row[0]: (tuple(row[1:-1]), row[-1]) for row in rows}


def test_a_single_load_marks_the_months_it_did_not_observe(
    tmp_path: Path, final_folder: Path, truth: dict[date, tuple[Any, ...]]
) -> None:
    shutil.copytree(final_folder / "sources", tmp_path / "sources")
    run = run_cli(tmp_path, "--quiet", "load", "transform", "status")
    assert run.exit_code == 0, run.stderr
    series = _series(run.lakehouse)
    assert series.keys() == truth.keys()
    observed = [month for month, (_, seen) in series.items() if seen]
    unobserved = [month for month, (_, seen) in series.items() if not seen]
    assert all(series[month][0] == truth[month] for month in observed)
    assert [month for month in unobserved if series[month][0] != truth[month]]  # not vacuous
    assert max(series) in observed  # the unfinished month: the state the load saw
    line = next(line for line in run.stdout.splitlines() if "not observed" in line)
    assert f"{min(unobserved):%Y-%m}" in line


def test_a_backfill_from_the_first_day_observes_every_month(
    tmp_path: Path, truth: dict[date, tuple[Any, ...]]
) -> None:
    run = run_cli(tmp_path, "--quiet", "backfill", "--from", f"{FIRST_DAY}", "--to", f"{LAST_DAY}")
    assert run.exit_code == 0, run.stderr
    series = _series(run.lakehouse)
    assert {month: figures for month, (figures, _) in series.items()} == truth
    assert all(seen for _, seen in series.values())
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        as_of = connection.execute("select as_of from sources.app__extract_metadata").fetchone()
    assert as_of == (end_of_day(LAST_DAY).isoformat(),)  # the instant `extract --as-of` ends on
