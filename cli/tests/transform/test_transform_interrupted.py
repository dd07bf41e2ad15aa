"""Ctrl-C during a transform is recorded as `interrupted`, with why, not `failed` with an empty
reason (dbt takes the KeyboardInterrupt as a cancel and returns a failed build)."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.transform import dbt_runner
from jump.data_platform.transform.run_record import INTERRUPTED, load_run
from support.cli import run_cli


def test_ctrl_c_swallowed_by_dbt_is_recorded_as_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_folder=tmp_path / "data")
    settings.lakehouse_folder.mkdir(parents=True)
    duckdb.connect(str(settings.lakehouse_file)).close()

    def build_like_dbt(*args: Any, **kwargs: Any) -> Any:
        # The user's Ctrl-C during the build: dbt cancels its nodes and returns a failure.
        with contextlib.suppress(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        raise DataPlatformError("dbt build failed: ")

    monkeypatch.setattr(dbt_runner, "_build", build_like_dbt)
    with pytest.raises(DataPlatformError):
        dbt_runner.run_transform(settings, tmp_path)
    run = load_run(settings.last_transform_file)
    assert run is not None and run.state == INTERRUPTED
    assert run.error == "Ctrl-C (SIGINT) during the dbt build: nothing was published"
    shown = run_cli(settings.data_folder, "status")
    assert "Last transform: interrupted (staging, intermediate, marts)" in shown.stdout
    assert "error: Ctrl-C (SIGINT) during the dbt build" in shown.stdout
    assert "FAILED" not in shown.stdout
