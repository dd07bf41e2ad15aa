"""backfill's options: the extract's date bounds, a bad period is a bad option (exit 2), a long
backfill shows its size and needs --yes, and Ctrl-C says what was done and where it resumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform import backfill as backfill_module
from support.cli import run_cli


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("2015-01-01", "2025-01-01", "2015-01-01 is outside 2024-01-01 to 2099-12-31"),
        ("2025-01-01", "2100-01-01", "2100-01-01 is outside 2024-01-01 to 2099-12-31"),
        ("2025-01-05", "2025-01-01", "--to 2025-01-01 is before --from 2025-01-05"),
    ],
)
def test_bad_periods_are_bad_options(tmp_path: Path, first: str, last: str, said: str) -> None:
    run = run_cli(tmp_path, "backfill", "--from", first, "--to", last, "--every", "hour")
    assert run.exit_code == 2
    assert said in run.stderr
    assert not (tmp_path / "lakehouse").exists()


def test_a_long_backfill_needs_yes_and_says_its_size(tmp_path: Path) -> None:
    run = run_cli(
        tmp_path, "backfill", "--from", "2024-01-01", "--to", "2025-01-01", "--every", "hour"
    )
    assert run.exit_code == 2
    assert "8,808 steps, about 1.0 hours at scale 1: give --yes" in run.stderr
    assert not (tmp_path / "sources").exists()


@pytest.mark.parametrize("command", ["extract", "backfill", "schedule"])
def test_every_command_caps_the_scale_alike(tmp_path: Path, command: str) -> None:
    extra = ["--from", "2025-01-01", "--to", "2025-01-02"] if command == "backfill" else []
    run = run_cli(tmp_path, command, *extra, "--scale", "100000000")
    assert run.exit_code == 2
    assert "100000000 is not in the range 1<=x<=10000" in run.stderr


@pytest.mark.slow
def test_ctrl_c_says_what_was_done_and_the_next_run_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backfill_module.load_sources
    calls = []

    def load_then_stop(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backfill_module, "load_sources", load_then_stop)
    period = ["backfill", "--from", "2024-03-01", "--to", "2024-03-05"]
    run = run_cli(tmp_path, *period)
    assert run.exit_code == 130
    assert run.stderr.strip().splitlines()[-1] == (
        "Error: interrupted during backfill: 2 of 5 steps done, the last as of "
        "2024-03-02T23:59:59+01:00 (its extract and load are recorded; the layers were not "
        "transformed); run the same command again: it resumes after 2024-03-02T23:59:59+01:00"
    )
    monkeypatch.setattr(backfill_module, "load_sources", real)
    again = run_cli(tmp_path, *period)
    assert again.exit_code == 0, again.stderr
    assert "2 steps up to 2024-03-02T23:59:59+01:00 were already loaded" in again.stderr
