"""Readers and the writer, as a team uses them, with real processes: a shell held open across
refreshes, `status` and `query` during a refresh, a publication read again after later ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings
from support.cli import Run, run_cli

CLI = str(Path(sys.executable).with_name("data-platform"))
TOTAL = "select sum(turnover)::varchar from marts.monthly_turnover"
BY_COHORT = (
    "select count(*), sum(turnover)::varchar, sum(hash(t))::varchar"
    " from marts.turnover_by_cohort as t"
)


@pytest.fixture(scope="module")
def published(scale_one_run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder loaded, transformed and published once (publication 1)."""
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    folder = tmp_path_factory.mktemp("readers") / "data"
    shutil.copytree(scale_one_run.data_folder, folder)
    return folder


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`data-platform` in its own process."""
    return subprocess.run(
        [CLI, "--data-folder", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def total(folder: Path, *options: str) -> str:
    done = cli(folder, "--quiet", "query", TOTAL, "--format", "csv", *options)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[1]


def refresh(folder: Path, seed: int, as_of: str) -> None:
    """A refresh with another state of the applications (another history: a full load)."""
    done = cli(
        folder,
        "--quiet",
        "--random-seed",
        str(seed),
        "extract",
        "--as-of",
        as_of,
        "load",
        "--full-refresh",
        "transform",
    )
    assert done.returncode == 0, done.stderr


def test_a_publication_is_recorded_and_read_again(published: Path, tmp_path: Path) -> None:
    """The fast sibling of the tests below: one publication, its record and its Parquet."""
    status = run_cli(published, "status", "--format", "json")
    assert status.exit_code == 0, status.stderr
    document = json.loads(status.stdout)
    (publication,) = document["recent_publications"]
    assert publication["id"] == 1 and publication["load_ids"] == [1]
    assert publication["tests"]["pass"] > 0 and document["running_writer"] is None
    manifest = json.loads((published / "lakehouse/publications/1/manifest.json").read_text())
    assert manifest["marts"]["monthly_turnover"]["rows"] > 0
    assert set(manifest["sources"]) == {"app", "crm"}
    # The per-freelancer marts are kept one file per month (storage/month_files.py).
    months = manifest["month_files"]["turnover_by_cohort"]
    assert len(list((published / "lakehouse/publications/1/marts.turnover_by_cohort").iterdir()))
    assert len(months) - 1 == manifest["marts"]["monthly_turnover"]["rows"]  # and the columns
    for query in (TOTAL, BY_COHORT):
        now = run_cli(published, "--quiet", "query", query, "--format", "csv")
        kept = run_cli(
            published, "--quiet", "query", query, "--format", "csv", "--published-at", "1"
        )
        assert now.stdout == kept.stdout and now.exit_code == kept.exit_code == 0
    refused = run_cli(published, "query", "select 1", "--published-at", "7")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: publication 7 is not kept in "
        f"{Settings(data_folder=published).publications_folder} (kept: 1 to 1, 1 in all)"
    )


@pytest.mark.slow
def test_a_shell_held_open_does_not_stop_three_refreshes(published: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(published, folder)
    before = total(folder)
    shell = subprocess.Popen(
        [CLI, "--data-folder", str(folder), "query"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert shell.stdin is not None
        shell.stdin.write(f"{TOTAL};\n")
        shell.stdin.flush()
        for seed, as_of in ((7, "2026-10-31"), (8, "2026-09-30"), (9, "2026-08-31")):
            refresh(folder, seed, as_of)  # each succeeds while the shell is open
        after = total(folder)
        assert after != before
        shell.stdin.write(f"{TOTAL};\n")
        out, err = shell.communicate(timeout=60)
    finally:
        shell.kill()
    assert shell.returncode == 0, err
    # The shell keeps reading the publication it opened, whole.
    assert out.count(before) == 2 and after not in out, out
    ids = [
        p["id"]
        for p in json.loads(cli(folder, "status", "--format", "json").stdout)["recent_publications"]
    ]
    assert ids == [4, 3, 2, 1]


PAUSED_TRANSFORM = r"""
import sys, time
from pathlib import Path
from jump.data_platform.transform import publish

go = Path(sys.argv[2])
publish_layers = publish.publish_layers


def waiting_publish_layers(*args, **kwargs):
    go.with_suffix(".waiting").touch()
    while not go.exists():
        time.sleep(0.1)
    return publish_layers(*args, **kwargs)


publish.publish_layers = waiting_publish_layers
from jump.data_platform.cli.main import main

sys.exit(main(["--data-folder", sys.argv[1], "--quiet", "transform"]))
"""


@pytest.mark.slow
def test_status_and_query_answer_during_a_refresh(published: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(published, folder)
    before = total(folder)
    done = cli(
        folder,
        "--quiet",
        "--random-seed",
        "7",
        "extract",
        "--as-of",
        "2026-10-31",
        "load",
        "--full-refresh",
    )
    assert done.returncode == 0, done.stderr
    go = tmp_path / "go"
    transform = subprocess.Popen(
        [sys.executable, "-c", PAUSED_TRANSFORM, str(folder), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waited = 0
        while not go.with_suffix(".waiting").exists():
            assert transform.poll() is None and waited < 6000, transform.stderr
            subprocess.run(["sleep", "0.1"], check=True)
            waited += 1
        # dbt has built and tested; the writer is about to publish.
        status = cli(folder, "status", "--format", "json")
        assert status.returncode == 0, status.stderr
        writer = json.loads(status.stdout)["running_writer"]
        assert writer["pid"] == transform.pid and writer["step"] == "transform"
        text = cli(folder, "status")
        assert "Running now: a refresh (" in text.stdout and "step transform since" in text.stdout
        assert total(folder) == before  # the previous publication's numbers
        second = cli(folder, "transform")
        assert second.returncode == 1
        assert second.stderr.startswith("Error: the lakehouse is being written by ")
        assert f"(PID {transform.pid}), step transform" in second.stderr
        go.touch()
        _, err = transform.communicate(timeout=300)
    finally:
        transform.kill()
    assert transform.returncode == 0, err
    assert total(folder) != before
    assert total(folder, "--published-at", "1") == before


MARTS = ("monthly_turnover", "turnover_by_cohort", "nps_monthly")


def export(folder: Path, mart: str, output: Path, *options: str) -> bytes:
    done = cli(folder, "--quiet", "export", f"marts.{mart}", "-o", str(output), *options)
    assert done.returncode == 0, done.stderr
    return output.read_bytes()


@pytest.mark.slow
def test_a_publication_exported_again_after_five_more_is_byte_identical(
    published: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(published, folder)
    output = tmp_path / "export.csv"
    first = {}
    for mart in MARTS:
        first[mart] = export(folder, mart, output, "--published-at", "1")
        assert first[mart] == export(folder, mart, output), mart  # as it was published
    for seed in range(10, 15):
        refresh(folder, seed, "2026-10-31")
    for mart in MARTS:
        assert export(folder, mart, output, "--published-at", "1") == first[mart], mart
    assert export(folder, "monthly_turnover", output) != first["monthly_turnover"]
    assert export(folder, "monthly_turnover", output, "--published-at", "6") == export(
        folder, "monthly_turnover", output
    )


@pytest.mark.slow
def test_an_unchanged_mart_is_kept_once(published: Path, tmp_path: Path) -> None:
    """A transform of the same load (every model rebuilt: a plain transform would find
    nothing changed and publish nothing): each mart of publication 2 is publication 1's
    file, and each month of a mart kept by month its file."""
    folder = tmp_path / "data"
    shutil.copytree(published, folder)
    assert cli(folder, "--quiet", "transform", "--full-refresh").returncode == 0
    kept = Settings(data_folder=folder).publications_folder
    files = [*(kept / "1").glob("marts.*.parquet"), *(kept / "1").glob("marts.*/*.parquet")]
    assert any(file.parent.name == "marts.turnover_by_cohort" for file in files)
    for first in files:
        second = kept / "2" / first.relative_to(kept / "1")
        assert first.stat().st_ino == second.stat().st_ino, first.name
    assert total(folder, "--published-at", "2") == total(folder, "--published-at", "1")
