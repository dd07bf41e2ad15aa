"""`make schedule` and the compose service `scheduler`: the scheduler in the image, non-root,
writing ./data, restarted unless stopped."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from docker.test_docker_makefile import REPO, make


def test_make_schedule_runs_the_scheduler_in_a_container_as_the_caller(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = make(
        "schedule", "DOCKER=echo", "IMAGE=test-image", f"DATA={data}", "SCHEDULE_ARGS=--once"
    )
    assert result.returncode == 0, result.stderr
    command = result.stdout.splitlines()[-1].split()
    assert command[:2] == ["run", "--rm"]
    assert command[command.index("--user") + 1] == f"{os.getuid()}:{os.getgid()}"
    assert command[command.index("--volume") + 1] == f"{data}:/data"
    assert command[-3:] == ["test-image", "schedule", "--once"]
    assert data.is_dir()


def test_compose_runs_the_scheduler_as_a_non_root_service_writing_data() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["scheduler"]
    assert service["command"] == ["schedule"]
    assert service["restart"] == "unless-stopped"
    assert service["volumes"] == ["./data:/data"]
    assert service["build"]["dockerfile"] == "docker/Dockerfile"
    assert (REPO / service["build"]["dockerfile"]).is_file()
    # The user is the owner's ids, required: never root by default.
    assert service["user"].startswith("${DATA_PLATFORM_UID:?")
    assert ":${DATA_PLATFORM_GID:?" in service["user"]
    assert set(service["environment"]) == {
        "DATA_PLATFORM_SCHEDULE_APP",
        "DATA_PLATFORM_SCHEDULE_CRM",
        "DATA_PLATFORM_SCHEDULE_TIMEZONE",
    }
