"""`--as-of` reads a date the same in both ISO forms, and refuses a Paris time that never was."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.sources.as_of import parse_as_of
from support.cli import run_cli


@pytest.mark.parametrize("text", ["20250630", "2025-06-30"])
def test_both_date_forms_mean_the_whole_day(text: str) -> None:
    assert parse_as_of(text).isoformat() == "2025-06-30T23:59:59+02:00"


def test_a_time_that_does_not_exist_in_paris_is_refused() -> None:
    with pytest.raises(ValueError, match="2025-03-30T02:30 does not exist in Europe/Paris"):
        parse_as_of("2025-03-30T02:30")
    # With an offset, it is an instant: fine.
    assert parse_as_of("2025-03-30T02:30+01:00").isoformat() == "2025-03-30T03:30:00+02:00"


def test_a_time_that_happens_twice_is_the_first() -> None:
    assert parse_as_of("2025-10-26T02:30").isoformat() == "2025-10-26T02:30:00+02:00"


def test_the_cli_refuses_it_as_a_bad_option(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "extract", "--as-of", "2025-03-30T02:30")
    assert run.exit_code == 2
    assert "does not exist in Europe/Paris" in run.stderr
    assert not (tmp_path / "sources").exists()
