"""The tools on a lakehouse built by the real pipeline (extract, load, transform) at scale 1."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def pipeline_folder(extracted_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared extracted sources, loaded and transformed in a folder of our own."""
    folder = tmp_path_factory.mktemp("tools-pipeline") / "data"
    shutil.copytree(extracted_folder / "sources", folder / "sources")
    assert main(["--data-folder", str(folder), "--quiet", "load", "transform"]) == 0
    return folder


def run(folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["--data-folder", str(folder), "--quiet", *args]) == 0
    return capsys.readouterr().out


def test_status_of_a_built_lakehouse(
    pipeline_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(run(pipeline_folder, capsys, "status", "--format", "json"))
    relations = {f"{r['schema']}.{r['name']}": r["rows"] for r in document["relations"]}
    for relation in (
        "sources.app__invoices",
        "staging.app__invoices",
        "intermediate.invoices",
        "marts.monthly_turnover",
        "marts.nps",
        "marts.turnover_by_cohort",
        "marts.freelancer_cumulative_turnover",
    ):
        assert relations.get(relation), relation
    assert relations["sources.app__invoices"] == relations["intermediate.invoices"]
    assert {source["fresh"] for source in document["sources"].values()} == {True}
    assert document["sources"]["app"]["as_of"] == "2026-11-25T23:59:59+01:00"  # the instant
    transform = document["last_transform"]
    assert transform["state"] == "succeeded" and transform["published"] is True
    assert transform["models"]["success"] >= 4 and transform["tests"]["pass"] > 0


def test_query_totals_reconcile(pipeline_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = (
        "select (select sum(turnover) from marts.monthly_turnover) as marts_total,"
        " (select round(sum(amount), 2) from sources.app__invoices) as sources_total"
    )
    rows = list(
        csv.DictReader(io.StringIO(run(pipeline_folder, capsys, "query", "--format", "csv", sql)))
    )
    assert Decimal(rows[0]["marts_total"]) == Decimal(rows[0]["sources_total"]) > 0


def test_export_the_auditors_mart(
    pipeline_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx, parquet = tmp_path / "cohorts.xlsx", tmp_path / "cohorts.parquet"
    run(
        pipeline_folder,
        capsys,
        "export",
        "marts.turnover_by_cohort",
        "-o",
        str(xlsx),
        "export",
        "marts.turnover_by_cohort",
        "-o",
        str(parquet),
    )
    lakehouse = Settings(data_folder=pipeline_folder).lakehouse_file
    with duckdb.connect(str(lakehouse), read_only=True) as connection:
        expected = connection.sql("select count(*), sum(turnover) from marts.turnover_by_cohort")
        count, total = expected.fetchone() or (0, 0)
        assert connection.sql(f"select count(*), sum(turnover) from '{parquet}'").fetchone() == (
            count,
            total,
        )
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == count + 1
    turnover = rows[0].index("turnover")
    assert sum(Decimal(str(row[turnover])) for row in rows[1:]) == total


def test_docs_generate_offline_and_leave_the_transform_record(
    pipeline_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_results = Settings(data_folder=pipeline_folder).run_results_file
    before = hashlib.sha256(run_results.read_bytes()).hexdigest()
    relations = json.loads(run(pipeline_folder, capsys, "status", "--format", "json"))["relations"]
    assert main(["--data-folder", str(pipeline_folder), "docs"]) == 0
    assert "Documented " in capsys.readouterr().err
    # dbt opened the lakehouse to read its catalog: every relation and row count is as it was.
    after = json.loads(run(pipeline_folder, capsys, "status", "--format", "json"))["relations"]
    assert after == relations
    docs = pipeline_folder / "docs"
    assert sorted(path.name for path in docs.iterdir()) == [
        "catalog.json",
        "index.html",
        "manifest.json",
    ]
    page = (docs / "index.html").read_text(encoding="utf-8")
    # One self-contained page: the manifest and catalog are inlined, not fetched...
    assert "MANIFEST.JSON INLINE DATA" not in page and "CATALOG.JSON INLINE DATA" not in page
    assert "monthly_turnover" in page
    # ...and dbt's page loads its only remote script (usage tracking) only when this is true.
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert "model.jump_data_platform.marts__monthly_turnover" in catalog["nodes"]
    # Docs compile the project in a scratch folder: the last transform's record is untouched.
    assert hashlib.sha256(run_results.read_bytes()).hexdigest() == before
    assert not list(pipeline_folder.glob(".docs*"))
