"""The Makefile's interface, run for real with `DOCKER=echo` so no Docker engine is needed.

The Docker end-to-end test (`.ci/docker-e2e.sh`, run by `.ci/run`) builds the image and runs
the pipeline in containers; these tests pin down what each target asks Docker to do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from jump.data_platform.settings import Settings

REPO = Path(__file__).resolve().parents[3]
MAKEFILE = REPO / "Makefile"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def make(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run make on the project's Makefile, isolated from any make that runs these tests."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def phony_targets() -> set[str]:
    match = re.search(r"^\.PHONY:(.*)$", MAKEFILE.read_text(), flags=re.MULTILINE)
    assert match, "the Makefile declares its targets in .PHONY"
    return set(match.group(1).split())


def test_help_lists_every_target_with_one_line() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("  make ")]
    assert sorted(listed) == sorted(phony_targets())
    assert {"build", "extract", "load", "transform", "refresh", "query", "clean"} <= set(listed)
    assert {"run", "test", "bench", "venv", "lint"} <= set(listed)


def test_default_target_builds_then_refreshes(tmp_path: Path) -> None:
    result = make("-n", f"DATA={tmp_path / 'data'}")
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    build = next(i for i, line in enumerate(commands) if " build " in line)
    refresh = next(i for i, line in enumerate(commands) if line.rstrip().endswith("transform"))
    assert build < refresh
    assert "--file docker/Dockerfile" in commands[build]


@pytest.mark.parametrize("step", ["extract", "load", "transform", "report"])
def test_each_step_runs_in_a_container_as_the_caller(tmp_path: Path, step: str) -> None:
    data = tmp_path / "data"
    result = make(step, "DOCKER=echo", "IMAGE=test-image", f"DATA={data}")
    assert result.returncode == 0, result.stderr
    command = result.stdout.splitlines()[-1].split()
    assert command[:2] == ["run", "--rm"]
    assert command[command.index("--user") + 1] == f"{os.getuid()}:{os.getgid()}"
    assert command[command.index("--volume") + 1] == f"{data}:/data"
    assert command[-2:] == ["test-image", step]
    # make creates the folder first: one that Docker creates for a mount belongs to root.
    assert data.is_dir()


def test_refresh_runs_the_three_steps_in_order_in_one_container(tmp_path: Path) -> None:
    result = make(
        "refresh",
        "DOCKER=echo",
        "IMAGE=test-image",
        f"DATA={tmp_path}",
        "DP_OPTS=--random-seed 7",
        "EXTRACT_ARGS=--scale 2",
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("run ")]
    assert len(lines) == 1
    after_image = lines[0].split("test-image", 1)[1].split()
    assert after_image == ["--random-seed", "7", "extract", "--scale", "2", "load", "transform"]


def test_relative_data_folder_is_mounted_by_absolute_path(tmp_path: Path) -> None:
    result = make("extract", "DOCKER=echo", "DATA=here", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{tmp_path / 'here'}:/data" in result.stdout


def test_query_without_a_lakehouse_says_what_to_do(tmp_path: Path) -> None:
    result = make("query", "DOCKER=echo", f"DATA={tmp_path}")
    assert result.returncode != 0
    assert "no lakehouse" in result.stderr
    assert "make" in result.stderr


def test_query_opens_the_shell_of_the_image_through_data_platform(tmp_path: Path) -> None:
    """`data-platform query` sandboxes the image's DuckDB shell (read-only, safe mode, its file
    system off: `duckdb -safe -readonly` alone let COPY ... TO empty the lakehouse)."""
    lakehouse = Settings(data_folder=tmp_path).lakehouse_file
    lakehouse.parent.mkdir(parents=True)
    lakehouse.touch()
    result = make("query", "DOCKER=echo", "IMAGE=test-image", f"DATA={tmp_path}")
    assert result.returncode == 0, result.stderr
    command = result.stdout.split()
    assert "--entrypoint" not in command
    assert command[-2:] == ["test-image", "query"]


def test_clean_removes_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sources").mkdir(parents=True)
    (data / "sources" / "app.sqlite").write_bytes(b"x")
    result = make("clean", f"DATA={data}")
    assert result.returncode == 0, result.stderr
    assert not data.exists()


def test_bench_runs_the_benchmark_script_with_its_arguments() -> None:
    result = make("-n", "bench", "BENCH_ARGS=--max-scale 10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2].endswith("/python -m benchmarks.bench --max-scale 10")
    assert lines[-1].endswith("/python -m benchmarks.storage_bench --max-scale 10")


def test_venv_installs_only_when_the_pins_change(tmp_path: Path) -> None:
    """The stamp: a second `make venv` does nothing until pyproject or constraints change."""
    (tmp_path / "cli").mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / "cli" / name).write_text("")
    os.utime(tmp_path / "cli" / "pyproject.toml", (1_000_000, 1_000_000))
    os.utime(tmp_path / "cli" / "constraints.txt", (1_000_000, 1_000_000))

    first = make("-n", "venv", "VENV=venv", cwd=tmp_path)
    assert "-m venv venv" in first.stdout
    assert "-c cli/constraints.txt -e 'cli[dev]'" in first.stdout

    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / ".installed").touch()
    assert "pip install" not in make("-n", "venv", "VENV=venv", cwd=tmp_path).stdout

    (tmp_path / "cli" / "constraints.txt").write_text("duckdb==1.5.5\n")
    assert "pip install" in make("-n", "venv", "VENV=venv", cwd=tmp_path).stdout


def test_run_sets_up_the_venv_then_runs_the_three_steps(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / "cli" / name).write_text("")
    result = make("-n", "run", "VENV=venv", f"DATA={tmp_path}", cwd=tmp_path)
    commands = result.stdout.replace("\\\n", " ").splitlines()
    run = next(line for line in commands if "data-platform" in line)
    assert commands.index(run) > next(i for i, c in enumerate(commands) if "pip install" in c)
    assert run.split()[-3:] == ["extract", "load", "transform"]
    assert f"--data-folder {tmp_path}" in run.replace('"', "")


def test_test_runs_every_check_and_pytest_from_cli_with_any_venv(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / "cli" / name).write_text("")
    venv = tmp_path / "elsewhere" / "venv"
    result = make("-n", "test", f"VENV={venv}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    # The checks and the fast tests run side by side (make -j), each listed once.
    lint = next(i for i, c in enumerate(commands) if "ruff check" in c)
    pytest_ = next(i for i, c in enumerate(commands) if f"{venv}/bin/pytest" in c)
    for check in ("sqlfluff lint", "cli.reference --check"):
        assert sum(check in c for c in commands) == 1, check
    # The slow suites are make test-slow's, the browser's make test-browser's; the fast ones
    # run on every core.
    assert commands[pytest_].endswith('-m "not slow and not browser" -n auto')
    assert commands[lint].startswith("cd cli && ")
    assert f"{venv}/bin/mypy" in commands[lint]
