"""`data-platform docs --serve`: the local server, on a stand-in site (generation is tested
end to end in test_tools_pipeline.py); the generation's parse, on the hand-made lakehouse."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings
from support.cli import Run

ENTRY_POINT = Path(sys.executable).parent / "data-platform"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A data folder whose docs/ holds a stand-in index.html, and a secret beside it."""
    docs = tmp_path / "data" / "docs"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html>the Jump lakehouse</html>", encoding="utf-8")
    (tmp_path / "data" / "secret.txt").write_text("not for the web", encoding="utf-8")
    return tmp_path / "data"


def test_serve_on_localhost_until_interrupted(site: Path) -> None:
    server = subprocess.Popen(
        [
            str(ENTRY_POINT),
            "--data-folder",
            str(site),
            "docs",
            "--serve",
            "--no-generate",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith(f"Serving {site / 'docs'} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read().decode() == "<html>the Jump lakehouse</html>"
        # Only the docs folder is served: nothing above it.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "../secret.txt", timeout=10)
        assert refused.value.code == 404
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_serve_without_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-folder", str(tmp_path), "docs", "--serve", "--no-generate"])
    assert code == 1
    assert "Error: no documentation in " in capsys.readouterr().err


def test_port_in_use(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(
            ["--data-folder", str(site), "docs", "--serve", "--no-generate", "--port", str(port)]
        )
    assert code == 1
    assert f"cannot serve the docs on port {port}: already in use" in capsys.readouterr().err


def test_generate_on_a_missing_lakehouse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-folder", str(tmp_path), "docs"]) == 1
    assert capsys.readouterr().err.startswith("Error: no lakehouse at ")
    assert not (tmp_path / "docs").exists()


def test_generate_on_a_locked_lakehouse(
    locked_data_folder: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, pid = locked_data_folder
    assert main(["--data-folder", str(folder), "docs"]) == 1
    assert f"is locked by another process (PID {pid}," in capsys.readouterr().err
    assert not (folder / "docs").exists()


@pytest.mark.slow
def test_a_failed_generation_keeps_the_previous_site(
    fresh_data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from jump.data_platform.transform.dbt_project import find_dbt_project

    project = tmp_path / "project"
    shutil.copytree(find_dbt_project(), project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "marts" / "broken.sql").write_text(
        "{% if execute %}{{ exceptions.raise_compiler_error('no such mart') }}{% endif %}"
        "select 1 as a",
        encoding="utf-8",
    )
    previous = fresh_data_folder / "docs" / "index.html"
    previous.parent.mkdir()
    previous.write_text("the previous site", encoding="utf-8")
    code = main(["--data-folder", str(fresh_data_folder), "docs", "--project-dir", str(project)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Error: dbt docs generate failed: ") and err.count("\n") == 1
    assert "Compilation Error in model broken" in err and "no such mart" in err
    assert previous.read_text(encoding="utf-8") == "the previous site"
    assert sorted(path.name for path in fresh_data_folder.iterdir()) == [
        "dbt",
        "docs",
        "lakehouse",
        "logs",
    ]


@pytest.mark.slow
def test_generate_while_another_process_reads_the_lakehouse(
    read_data_folder: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """dbt opens the lakehouse for writing: a reader elsewhere locks it out, said in one line."""
    folder, pid = read_data_folder
    assert main(["--data-folder", str(folder), "docs"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("Error: lakehouse ") and f"is locked by another process (PID {pid}," in err
    )
    assert err.count("\n") == 1
    assert not (folder / "docs").exists()


def test_generation_reuses_the_transforms_parse_and_documents_what_readers_see(
    handmade_run: Run, tmp_path: Path
) -> None:
    """dbt parses the whole project again (seconds) unless it finds a parse of the same project
    and profile: docs start from the transform's, and document each model where it is read."""
    folder = tmp_path / "data"
    shutil.copytree(handmade_run.data_folder, folder)
    log = Settings(data_folder=folder).dbt_logs_folder / "dbt.log"
    start = log.stat().st_size
    assert main(["--data-folder", str(folder), "--quiet", "docs"]) == 0
    generation = log.read_text(encoding="utf-8")[start:]
    assert "Running with dbt" in generation and "Catalog written" in generation
    assert "Unable to do partial parsing" not in generation
    manifest = json.loads((folder / "docs" / "manifest.json").read_text(encoding="utf-8"))
    built = {
        key: node["schema"]
        for key, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot")
    }
    catalog = json.loads((folder / "docs" / "catalog.json").read_text(encoding="utf-8"))
    assert {key: node["metadata"]["schema"] for key, node in catalog["nodes"].items()} == built
    assert set(built.values()) == {"staging", "intermediate", "marts", "snapshots"}
