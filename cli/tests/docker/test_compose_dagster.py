"""compose.yaml's `dagster` profile: Dagster's webserver and daemon as two processes of one
image, non-root, sharing the instance (SQLite run storage) in the data folder; not started by a
plain `docker compose up` (the embedded scheduler is the default)."""

from __future__ import annotations

import yaml

from docker.test_docker_makefile import REPO

MODULE = "jump.data_platform.orchestration.dagster_definitions"


def test_the_dagster_profile_runs_the_webserver_and_the_daemon() -> None:
    services = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))["services"]
    daemon, webserver = services["dagster-daemon"], services["dagster-webserver"]
    assert "profiles" not in services["scheduler"]
    for service in (daemon, webserver):
        assert service["profiles"] == ["dagster"]
        assert service["user"].startswith("${DATA_PLATFORM_UID:?")
        assert service["volumes"] == ["./data:/data"]
        assert service["environment"]["DAGSTER_HOME"] == "/data/dagster"  # the data folder
        assert "cp /app/dagster/dagster.yaml" in service["entrypoint"][2]
        assert service["restart"] == "unless-stopped"
    assert daemon["command"] == ["dagster-daemon", "run", "-m", MODULE]
    assert webserver["command"][0] == "dagster-webserver" and webserver["command"][-2:] == [
        "-m",
        MODULE,
    ]
    assert webserver["ports"] == ["127.0.0.1:3000:3000"]


def test_the_instance_keeps_its_runs_in_sqlite_under_dagster_home() -> None:
    instance = yaml.safe_load((REPO / "dagster" / "dagster.yaml").read_text(encoding="utf-8"))
    assert instance["storage"] == {"sqlite": {"base_dir": {"env": "DAGSTER_HOME"}}}
    assert instance["concurrency"]["pools"]["default_limit"] == 1
    dockerfile = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY dagster /app/dagster" in dockerfile
    assert "!dagster/" in (REPO / ".dockerignore").read_text(encoding="utf-8")
